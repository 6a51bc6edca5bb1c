"""Nodes of the syllable_atlas pipeline: thin wrappers over the modules of this folder.

Every node that reads parameters takes ``params:syllable_atlas`` and builds
:class:`~.settings.AtlasSettings` from it. Syllables are named by their id (``s07``, as the
features table's columns) and, once filled in, the user's label.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from unsupervised_aging.pipelines.syllable_atlas import grid_movies, names, states, trajectories
from unsupervised_aging.pipelines.syllable_atlas.recordings import (
    RESULT_KEYS,
    AtlasRecordings,
    load_recordings,
    sample_names,
)
from unsupervised_aging.pipelines.syllable_atlas.settings import AtlasSettings
from unsupervised_aging.pose import Pose

logger = logging.getLogger(__name__)

#: Where the names table lives by default (for messages; the catalog entry ``syllable_names`` decides).
NAMES_FILE = "syllable_names.csv"


def update_syllable_names(
    vocabulary: dict[str, Any],
    syllable_names: pd.DataFrame,
    kpms_syll_info: dict[str, pd.DataFrame],
    selected_model: dict[str, Any],
) -> pd.DataFrame:
    """Pre-fill the user's names table with every vocabulary syllable, keeping what was written.

    Parameters
    ----------
    vocabulary
        ``feature_vocabulary`` (``n_syllables``, ``syllables``).
    syllable_names
        The user's table (``syllable``, ``label``, ``notes``); empty on the first run.
    kpms_syll_info
        ``{model name: table}`` of keypoint-moseq's ``syll_info.csv`` files in the project.
    selected_model
        ``{"model_name", "model"}``: whose ``syll_info.csv`` counts.

    Returns
    -------
    pd.DataFrame
        ``syllable``, ``label``, ``notes`` (see :func:`~.names.merge_names`).
    """
    model_name = str(selected_model["model_name"])
    syll_info = kpms_syll_info.get(model_name)  # None: the widget has not labelled this model
    table = names.merge_names(vocabulary, syllable_names, syll_info, NAMES_FILE)
    labelled = int((table["label"] != "").sum())
    logger.info("Syllable names: %d of %d syllables labelled (edit %s)", labelled, len(table), NAMES_FILE)
    return table


def sample_atlas_recordings(
    kpms_results: Mapping[str, Mapping[str, np.ndarray]],
    poses: Mapping[str, Callable[[], Pose]],
    config: dict[str, Any],
    raw_videos: dict[str, str],
    params: dict[str, Any],
) -> AtlasRecordings:
    """Keypoints, results and videos of a seeded sample of at most ``max_videos`` videos."""
    settings = AtlasSettings.from_params(params)
    loaders = {str(key).removesuffix(".h5"): load for key, load in poses.items()}
    chosen = sample_names(list(kpms_results), raw_videos, settings.max_videos, settings.seed)
    reader = getattr(kpms_results, "read", None)

    def read(name: str) -> dict[str, np.ndarray]:
        return reader(name, RESULT_KEYS) if reader else dict(kpms_results[name])

    return load_recordings(chosen, loaders, read, config, raw_videos)


def _titles(vocabulary: dict[str, Any], syllable_names: pd.DataFrame) -> dict[int, str]:
    shown = names.display_names(syllable_names)
    return {s: shown.get(sid, sid) for s, sid in names.vocabulary_ids(vocabulary).items()}


def plot_syllable_trajectories(
    recordings: AtlasRecordings,
    vocabulary: dict[str, Any],
    syllable_names: pd.DataFrame,
    params: dict[str, Any],
) -> tuple[dict[str, Figure], Figure, Figure]:
    """Typical-trajectory plot per vocabulary syllable, the combined figure and the dendrogram.

    Returns
    -------
    per_syllable, combined, dendrogram
        ``{id: Figure}`` (one per vocabulary syllable), all trajectories in one figure, and the
        similarity dendrogram.
    """
    settings = AtlasSettings.from_params(params)
    titles = _titles(vocabulary, syllable_names)
    shown, over_all = trajectories.typical_trajectories(
        recordings, list(titles), settings.trajectories, settings.seed
    )
    per_syllable, combined = trajectories.trajectory_figures(recordings, shown, titles, settings.trajectories)
    ids = names.vocabulary_ids(vocabulary)
    dendrogram = trajectories.dendrogram_figure(over_all, titles, settings.trajectories.dendrogram_metric)
    return {ids[s]: fig for s, fig in per_syllable.items()}, combined, dendrogram


def make_grid_movies(
    recordings: AtlasRecordings, vocabulary: dict[str, Any], params: dict[str, Any]
) -> tuple[dict[str, bytes], pd.DataFrame]:
    """Grid movie per vocabulary syllable (from the videos, or keypoints only) and the tiles shown.

    Returns
    -------
    movies, index
        ``{id: MP4 bytes}`` and ``syllable`` (id), ``tile``, ``video``, ``start_frame``,
        ``end_frame``.
    """
    settings = AtlasSettings.from_params(params)
    ids = names.vocabulary_ids(vocabulary)
    movies, index = grid_movies.generate(recordings, list(ids), settings.grid_movies, settings.seed)
    index["syllable"] = index["syllable"].map(ids)
    return {ids[s]: movie for s, movie in movies.items()}, index


def plot_state_usage_by_age(features: pd.DataFrame, params: dict[str, Any]) -> Figure:
    """Behavioural state usage per age group (see :func:`~.states.state_usage_by_age`)."""
    settings = AtlasSettings.from_params(params)
    return states.state_usage_by_age(features, settings.target, settings.n_age_groups)


def plot_state_emissions(
    state_model: dict[str, Any], vocabulary: dict[str, Any], syllable_names: pd.DataFrame
) -> Figure:
    """State × syllable emission matrix over the vocabulary's syllables, with their names."""
    return states.emission_matrix(np.asarray(state_model["emissions"]), _titles(vocabulary, syllable_names))
