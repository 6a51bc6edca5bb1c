"""Optional merging of similar syllables into metasyllables."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from unsupervised_aging.datasets.kpms_checkpoint import KpmsCheckpoint
from unsupervised_aging.kpms.poses import PoseLoaders
from unsupervised_aging.pipelines.kpms_training.kpms_data import load_training_poses
from unsupervised_aging.pipelines.kpms_training.settings import TrainingSettings

logger = logging.getLogger(__name__)


def _similarity_groups(distances: np.ndarray, syllables: list[int], threshold: float) -> list[list[int]]:
    """Average-linkage clusters of syllables whose trajectory distance is below ``threshold``."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    finite = np.isfinite(distances).all(axis=1)
    if not finite.all():
        logger.warning(
            "Syllables %s have no typical trajectory; left unmerged", list(np.array(syllables)[~finite])
        )
        distances, syllables = distances[np.ix_(finite, finite)], list(np.array(syllables)[finite])
    if len(syllables) < 2:
        return []
    labels = fcluster(linkage(squareform(distances, checks=False), "average"), threshold, "distance")
    groups = [
        [int(s) for s, lab in zip(syllables, labels, strict=True) if lab == c] for c in np.unique(labels)
    ]
    return [g for g in groups if len(g) > 1]


def _override_groups(overrides: pd.DataFrame) -> list[list[int]]:
    """Manual groups from an override table (``syllable``, ``group``: same group = merged)."""
    if overrides is None or overrides.empty:
        return []
    missing = {"syllable", "group"} - set(overrides.columns)
    if missing:
        raise ValueError(
            f"syllable merge overrides: missing column(s) {sorted(missing)}; need syllable, group"
        )
    return [sorted(int(s) for s in rows["syllable"]) for _, rows in overrides.groupby("group")]


def build_syllable_mapping(
    comparison: dict[str, Any],
    poses: PoseLoaders,
    config: dict[str, Any],
    overrides: pd.DataFrame,
    params: dict[str, Any],
    *checkpoints: KpmsCheckpoint,
) -> pd.DataFrame:
    """Syllable → metasyllable table for the selected model (identity unless merging is on).

    With ``merge.enabled``, syllables whose typical trajectories (``kpms.syllable_similarity``
    on the training videos) are closer than ``merge.distance_threshold`` are clustered
    (average linkage); rows of ``overrides`` (``syllable``, ``group``) replace the automatic
    groups of the syllables they name. Metasyllables are numbered by frequency
    (``kpms.generate_syllable_mapping``), 0 the most frequent.

    Returns
    -------
    DataFrame
        ``syllable`` (0 … num_states-1), ``metasyllable``.
    """
    import keypoint_moseq as kpms

    checkpoint = next(c for c in checkpoints if c.model_name == comparison["selected"])
    model, _, metadata, _ = checkpoint.load()
    num_states = int(np.shape(model["params"]["pi"])[0])
    merge = TrainingSettings.from_params(params).merge
    if not merge.enabled:
        return pd.DataFrame({"syllable": np.arange(num_states), "metasyllable": np.arange(num_states)})

    results = kpms.extract_results(model, metadata, save_results=False)
    names = [str(n) for n in results]
    coordinates, _ = load_training_poses(
        poses, names, list(config["bodyparts"]), list(config["use_bodyparts"])
    )
    results = {n: results[n] for n in coordinates}
    distances, syllables = kpms.syllable_similarity(
        coordinates, results, metric=merge.metric, **{**config, "min_frequency": 0.005}
    )
    manual = _override_groups(overrides)
    fixed = {s for g in manual for s in g}
    automatic = [
        kept
        for g in _similarity_groups(np.asarray(distances), list(syllables), merge.distance_threshold)
        if len(kept := [s for s in g if s not in fixed]) > 1
    ]
    groups = automatic + manual
    logger.info("Merging syllable groups %s", groups)
    mapping = kpms.generate_syllable_mapping(results, groups)
    extra = iter(range(max(mapping.values(), default=-1) + 1, num_states + len(mapping)))
    full = {s: mapping[s] if s in mapping else next(extra) for s in range(num_states)}
    return pd.DataFrame({"syllable": list(full), "metasyllable": list(full.values())})
