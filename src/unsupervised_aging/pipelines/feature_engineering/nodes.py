"""Nodes of the feature_engineering pipeline: keypoint-moseq results → one row of features per video.

Every node takes the ``feature_engineering`` parameters (``params:feature_engineering``, read into
:class:`settings.FeatureSettings`); every pass over ``kpms_results`` reads one recording at a time,
so memory does not grow with the number of videos. What each column means: ``catalogue.py`` (and
the ``feature_catalogue`` it writes); how it is computed: ``recording.py`` and the modules it calls.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from tqdm.auto import tqdm

from unsupervised_aging.kpms.syllables import metasyllable_lookup
from unsupervised_aging.pipelines.feature_engineering import plots
from unsupervised_aging.pipelines.feature_engineering.behavioural_states import (
    fit_sticky_hmm,
    sample_training_chunks,
    window_counts,
)
from unsupervised_aging.pipelines.feature_engineering.catalogue import describe_columns
from unsupervised_aging.pipelines.feature_engineering.extraction import extract_all
from unsupervised_aging.pipelines.feature_engineering.inputs import (
    Results,
    fps_by_name,
    length_unit,
    read_recording,
    training_names,
)
from unsupervised_aging.pipelines.feature_engineering.recording import make_plan
from unsupervised_aging.pipelines.feature_engineering.settings import settings_from_params
from unsupervised_aging.pipelines.feature_engineering.supervised import merge_supervised
from unsupervised_aging.pipelines.feature_engineering.vocabulary import count_vocabulary
from unsupervised_aging.tables import require_columns

logger = logging.getLogger(__name__)


def select_vocabulary(
    kpms_results: Results, training_set: pd.DataFrame, syllable_mapping: pd.DataFrame, params: dict[str, Any]
) -> dict[str, Any]:
    """Syllables, bigrams and metasyllables that get columns, from the training videos (``vocabulary``)."""
    settings = settings_from_params(params)
    return count_vocabulary(
        kpms_results,
        training_names(kpms_results, training_set),
        metasyllable_lookup(syllable_mapping),
        settings.min_frequency,
        settings.min_bigram_frequency,
    )


def fit_behavioural_states(
    kpms_results: Results,
    training_set: pd.DataFrame,
    metadata: pd.DataFrame,
    vocabulary: dict[str, Any],
    params: dict[str, Any],
) -> dict[str, Any]:
    """Fit the sticky HMM over syllable windows on chunks of the training videos only.

    Returns
    -------
    dict
        ``initial`` ``(K,)``, ``transitions`` ``(K, K)`` per window, ``emissions`` ``(K, S)``,
        ``log_likelihood`` (per iteration), ``window_s``, ``chunk_length`` (windows),
        ``n_training_chunks``.
    """
    config = settings_from_params(params).states
    names = training_names(kpms_results, training_set)
    fps = fps_by_name(metadata)
    unknown = [name for name in names if name not in fps]
    if unknown:
        raise ValueError(f"metadata: no row for training videos {unknown[:5]}; add them with their fps")
    chunk_length = max(1, round(config.chunk_s / config.window_s))

    def window_sequences():
        for name in tqdm(names, desc="Sampling chunks for the state model"):
            labels = np.asarray(read_recording(kpms_results, name, ("syllable",))["syllable"], dtype=np.int64)
            yield window_counts(labels, max(1, round(config.window_s * fps[name])), vocabulary["n_syllables"])

    chunks, masks = sample_training_chunks(
        window_sequences(), chunk_length, config.max_chunks_per_video, config.seed
    )
    logger.info(
        "Fitting a %d-state sticky HMM on %d chunks of %d windows of %g s",
        config.n_states,
        len(chunks),
        chunk_length,
        config.window_s,
    )
    model = fit_sticky_hmm(
        chunks,
        masks,
        n_states=config.n_states,
        stickiness=config.stickiness,
        concentration=config.concentration,
        max_iter=config.max_iter,
        tol=config.tol,
        seed=config.seed,
    )
    return {
        **asdict(model),
        "window_s": config.window_s,
        "chunk_length": chunk_length,
        "n_training_chunks": len(chunks),
    }


def extract_video_features(
    kpms_results: Results,
    metadata: pd.DataFrame,
    vocabulary: dict[str, Any],
    state_model: dict[str, Any],
    params: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features of every video in both the results and the metadata, one recording at a time.

    Returns
    -------
    video_features, mi_curves
        One row per video (``name`` then features, the same columns for every video) and the
        long-format MI curves (``name``, ``lag_s``, ``lag_frames``, ``mi_bits``,
        ``mi_surrogate_bits``).
    """
    settings = settings_from_params(params)
    fps_of = fps_by_name(metadata)
    unit, scale_of = length_unit(metadata)
    names = [name for name in kpms_results if name in fps_of]
    skipped = sorted(set(kpms_results) - set(names))
    if skipped:
        logger.warning(
            "%d videos in kpms_results have no metadata row and get no features: %s", len(skipped), skipped
        )
    if not names:
        raise ValueError("kpms_results: no video also has a metadata row; check that the names match")
    plan = make_plan(vocabulary, state_model, settings, unit)
    features, curves = extract_all(kpms_results, names, fps_of, scale_of, plan)
    undefined = features.loc[features["mi_timescale_s"].isna(), "name"].tolist()
    if undefined:
        mi = settings.mutual_information
        logger.warning(
            "%d videos are shorter than %g s (max_lag_s / max_lag_fraction) and their MI curves do not meet "
            "before: mi_timescale_s is NaN for %s",
            len(undefined),
            mi.max_lag_s / mi.max_lag_fraction,
            undefined[:5],
        )
    return features, curves


def assemble_features_table(
    metadata: pd.DataFrame,
    video_features: pd.DataFrame,
    supervised_features: pd.DataFrame,
    params: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join metadata, our features and the optional supervised table; describe every column.

    Returns
    -------
    features, feature_catalogue
        One row per video: ``name``, ``mouse_id``, targets and covariates (each when present),
        our features, then ``sup_*`` columns; and ``column``, ``family``, ``unit``,
        ``description`` for each of its columns.
    """
    settings = settings_from_params(params)
    require_columns(
        metadata, ["name", "mouse_id"], "metadata", "add them (one row per video, one id per animal)"
    )
    wanted = ["mouse_id", *settings.target_columns, *settings.covariate_columns]
    columns = [c for c in wanted if c in metadata.columns and c not in video_features.columns]
    without = sorted(set(metadata["name"].astype(str)) - set(video_features["name"]))
    if without:
        logger.warning("%d videos in the metadata have no keypoint-moseq results: %s", len(without), without)
    left = metadata.assign(name=metadata["name"].astype(str))[["name", *columns]]
    joined = (
        video_features[["name"]].merge(left, on="name", how="left").join(video_features.drop(columns="name"))
    )
    features = merge_supervised(joined, supervised_features, settings.supervised_prefix, wanted)
    catalogue = describe_columns(
        list(features.columns), ["name", *columns], settings.supervised_prefix, settings.transition_normalize
    )
    return features, catalogue


def plot_mutual_information(mi_curves: pd.DataFrame) -> Figure:
    """Median and interquartile band of the real and surrogate MI curves across videos."""
    return plots.plot_mutual_information(mi_curves)
