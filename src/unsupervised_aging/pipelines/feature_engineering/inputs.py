"""Checks and lookups of the tables feature_engineering reads from other stages.

Missing columns and non-positive values are reported by ``unsupervised_aging.tables`` (one wording
for every stage); what is specific to features (one row per video, training videos present in the
results) is checked here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from unsupervised_aging.kpms.syllables import lookup_metasyllables
from unsupervised_aging.tables import require_columns, require_positive

logger = logging.getLogger(__name__)

Results = Mapping[str, Mapping[str, np.ndarray]]


def read_recording(results: Results, name: str, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Only ``keys`` of one recording: a ``KpmsResults`` reads no other field from disk."""
    reader = getattr(results, "read", None)
    if reader is not None:
        return reader(name, keys)
    record = results[name]
    return {key: record[key] for key in keys}


def training_names(results: Results, training_set: pd.DataFrame) -> list[str]:
    """Training videos present in the results; logs those missing, fails when none is left."""
    require_columns(training_set, ["name"], "training_set", "rerun preprocessing")
    wanted = [str(name) for name in training_set["name"]]
    available = set(results)  # Mapping's `in` would read a whole recording from disk
    present = [name for name in wanted if name in available]
    missing = sorted(set(wanted) - set(present))
    if missing:
        logger.warning("%d training videos have no keypoint-moseq results: %s", len(missing), missing)
    if not present:
        raise ValueError("training_set: none of its videos is in kpms_results; rerun kpms_inference on them")
    return present


def fps_by_name(metadata: pd.DataFrame) -> dict[str, float]:
    """Frame rate of each video; one row per video and a positive ``fps`` are required."""
    fix = "rerun preprocessing"
    require_columns(metadata, ["name", "fps"], "metadata", fix)
    names = metadata["name"].astype(str)
    duplicated = sorted(set(names[names.duplicated()]))
    if duplicated:
        raise ValueError(f"metadata: videos {duplicated} have several rows; keep one row per video")
    fps = require_positive(metadata.assign(name=names), "fps", "metadata", fix)
    return dict(zip(names, fps, strict=True))


def length_unit(metadata: pd.DataFrame) -> tuple[str, dict[str, float]]:
    """``("cm", cm per pixel)`` when every video has a positive ``cm_per_pixel``, else ``("px", 1.0)``."""
    names = metadata["name"].astype(str)
    if "cm_per_pixel" in metadata.columns:
        scale = pd.to_numeric(metadata["cm_per_pixel"], errors="coerce")
        if (scale > 0).all():
            return "cm", dict(zip(names, scale.astype(float), strict=True))
        logger.warning(
            "metadata: cm_per_pixel is missing or not positive for %d videos; kinematics stay in pixels",
            int((~(scale > 0)).sum()),
        )
    return "px", dict.fromkeys(names, 1.0)


def to_metasyllables(labels: np.ndarray, lookup: np.ndarray, n_metasyllables: int) -> np.ndarray:
    """Map ``(T,)`` syllables to metasyllables; unmapped syllables become ``n_metasyllables``."""
    meta = lookup_metasyllables(labels, lookup)
    return np.where(meta >= 0, meta, n_metasyllables)
