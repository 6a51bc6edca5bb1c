"""Nodes of the feature_engineering pipeline: keypoint-moseq results → one row of features per video.

Every pass over ``kpms_results`` reads one recording at a time, so memory does not grow with the
number of videos. Column names say what they hold (``S`` syllables, ``M`` metasyllables):

- ``usage_s07``: share of the video's frames in syllable 7; ``bout_usage_s07``: share of its bouts
  (keypoint-moseq's ``frequency``). Zero when the video lacks the syllable.
- ``dur_mean_s07``, ``dur_median_s07`` (seconds), ``dur_cv_s07`` (std / mean) of its bouts; NaN
  when the video has no bout of it (undefined, not zero).
- ``trans_s03_s11``: probability of a bout of 3 followed by a bout of 11, normalised as
  ``transition_normalize`` says (keypoint-moseq's ``bigram``: over all transitions; ``rows``: given
  a bout of 3); NaN when undefined. ``transition_entropy``: ``H(next | current)`` of bouts (bits);
  ``sequence_entropy``: entropy of the bouts' syllable distribution (bits).
- ``speed_mean_cm_s07`` (``_px_`` when metadata gives no ``cm_per_pixel``) per second,
  ``angvel_abs_mean_s07`` (rad/s, absolute) while in the syllable (NaN when absent);
  ``speed_mean_cm``, ``angvel_abs_mean``, ``distance_total_cm`` over the whole video.
- The same per-label columns with ``m02`` for metasyllables when syllables were merged.
- ``state_usage_2``, ``state_dur_mean_2``, ``state_dur_median_2``: behavioural state 2 of the
  sticky HMM over syllable windows (share of windows, bout durations in seconds; state 0 is the
  most used in training).
- ``mi_timescale_s``: lag (seconds) where the lagged mutual information of the syllable sequence
  meets its Markov-chain surrogate's (the largest lag computed when it never does).
"""

from __future__ import annotations

import functools
import logging
import zlib
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from tqdm.auto import tqdm

from unsupervised_aging.pipelines.feature_engineering import sequences as seq
from unsupervised_aging.pipelines.feature_engineering.behavioural_states import (
    StickyHmm,
    chunk_windows,
    fit_sticky_hmm,
    infer_states,
    window_counts,
)
from unsupervised_aging.pipelines.feature_engineering.kinematics import frame_kinematics, mean_per_label
from unsupervised_aging.pipelines.feature_engineering.mutual_information import (
    crossing_lag,
    frame_transition_matrix,
    lagged_mutual_information,
    simulate_markov_chain,
)

logger = logging.getLogger(__name__)

Results = Mapping[str, Mapping[str, np.ndarray]]


def read_recording(results: Results, name: str, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Only ``keys`` of one recording: a :class:`KpmsResults` skips the rest (``latent_state``) on disk."""
    reader = getattr(results, "read", None)
    if reader is not None:
        return reader(name, keys)
    record = results[name]
    return {key: record[key] for key in keys}


def _training_names(results: Results, training_set: pd.DataFrame) -> list[str]:
    """Training videos present in the results; logs those missing, fails when none is left."""
    if "name" not in training_set.columns:
        raise ValueError("training_set: column 'name' is missing; rerun preprocessing")
    wanted = [str(name) for name in training_set["name"]]
    available = set(results)  # Mapping's `in` would read a whole recording from disk
    present = [name for name in wanted if name in available]
    missing = sorted(set(wanted) - set(present))
    if missing:
        logger.warning("%d training videos have no keypoint-moseq results: %s", len(missing), missing)
    if not present:
        raise ValueError("training_set: none of its videos is in kpms_results; rerun kpms_inference on them")
    return present


def _fps_by_name(metadata: pd.DataFrame) -> dict[str, float]:
    """Frame rate of each video from the metadata; a clear error when missing."""
    for column in ("name", "fps"):
        if column not in metadata.columns:
            raise ValueError(f"metadata: column '{column}' is missing; rerun preprocessing")
    duplicated = sorted(set(metadata.loc[metadata["name"].astype(str).duplicated(), "name"].astype(str)))
    if duplicated:
        raise ValueError(f"metadata: videos {duplicated} have several rows; keep one row per video")
    fps = pd.to_numeric(metadata["fps"], errors="coerce")
    bad = metadata.loc[~(fps > 0), "name"].tolist()
    if bad:
        raise ValueError(f"metadata: column 'fps' must be a positive number; fix it for videos {bad}")
    return dict(zip(metadata["name"].astype(str), fps.astype(float), strict=True))


def _metasyllable_lookup(syllable_mapping: pd.DataFrame) -> np.ndarray:
    """``(max syllable + 1,)`` metasyllable of each syllable; -1 for syllables the mapping does not list."""
    for column in ("syllable", "metasyllable"):
        if column not in syllable_mapping.columns:
            raise ValueError(f"syllable_mapping: column '{column}' is missing; rerun kpms_training")
    syllables = syllable_mapping["syllable"].to_numpy(int)
    lookup = np.full(int(syllables.max(initial=-1)) + 1, -1, dtype=np.int64)
    lookup[syllables] = syllable_mapping["metasyllable"].to_numpy(int)
    return lookup


def to_metasyllables(labels: np.ndarray, lookup: np.ndarray, n_metasyllables: int) -> np.ndarray:
    """Map ``(T,)`` syllables to metasyllables; unmapped syllables become ``n_metasyllables``."""
    known = labels < lookup.size
    meta = np.where(known, lookup[np.where(known, labels, 0)], -1)
    return np.where(meta >= 0, meta, n_metasyllables)


def select_vocabulary(
    kpms_results: Results,
    training_set: pd.DataFrame,
    syllable_mapping: pd.DataFrame,
    parameters: dict[str, Any],
) -> dict[str, Any]:
    """Fix the feature columns from the training videos (keypoint-moseq's inclusion rule).

    A syllable is included when its share of bouts pooled over the training videos exceeds
    ``min_frequency`` (as ``compute_stats_df`` and ``generate_transition_matrices`` do); a
    bigram of included syllables when its share of all training transitions is at least
    ``min_bigram_frequency``. Metasyllables get the same treatment when the mapping merges any.

    Parameters
    ----------
    kpms_results
        Lazy ``{name: {"syllable": (T,) int, ...}}``.
    training_set
        DataFrame with a ``name`` column.
    syllable_mapping
        DataFrame ``syllable``, ``metasyllable``.
    parameters
        ``min_frequency``, ``min_bigram_frequency``.

    Returns
    -------
    dict
        JSON-ready: ``n_syllables``, ``syllables``, ``bigrams``, ``metasyllable_of`` (per
        syllable, -1 when unmapped), ``merged`` (bool), ``n_metasyllables``, ``metasyllables``,
        ``metabigrams``.
    """
    names = _training_names(kpms_results, training_set)
    lookup = _metasyllable_lookup(syllable_mapping)
    mapped = np.flatnonzero(lookup >= 0)
    merged = bool(np.any(lookup[mapped] != mapped))
    n_meta = int(lookup.max(initial=-1)) + 1
    n_syllables = lookup.size
    counts = {"s": (np.zeros(0), np.zeros((0, 0))), "m": (np.zeros(n_meta + 1), np.zeros((n_meta + 1,) * 2))}
    for name in tqdm(names, desc="Counting training syllables"):
        labels = np.asarray(read_recording(kpms_results, name, ("syllable",))["syllable"], dtype=np.int64)
        n_syllables = max(n_syllables, int(labels.max(initial=-1)) + 1)
        sequences = {"s": (labels, n_syllables)}
        if merged:
            sequences["m"] = (to_metasyllables(labels, lookup, n_meta), n_meta + 1)
        for key, (sequence, n) in sequences.items():
            bouts = seq.run_length_encode(sequence)
            bout_total, bigram_total = counts[key]
            counts[key] = (
                _grow(bout_total, (n,)) + seq.bout_counts(bouts, n),
                _grow(bigram_total, (n, n)) + seq.bigram_counts(bouts, n),
            )
    unmapped = sorted({*np.flatnonzero(lookup < 0).tolist(), *range(lookup.size, n_syllables)})
    if merged and unmapped:
        logger.warning("syllable_mapping lists no metasyllable for syllables %s: they get none", unmapped)
    vocabulary: dict[str, Any] = {
        "n_syllables": n_syllables,
        "metasyllable_of": lookup.tolist(),
        "merged": merged,
        "n_metasyllables": n_meta if merged else 0,
    }
    vocabulary["syllables"], vocabulary["bigrams"] = _included(*counts["s"], parameters)
    vocabulary["metasyllables"], vocabulary["metabigrams"] = [], []
    if merged:
        meta_labels, meta_bigrams = _included(*counts["m"], parameters)
        vocabulary["metasyllables"] = [m for m in meta_labels if m < n_meta]  # n_meta: unmapped syllables
        vocabulary["metabigrams"] = [b for b in meta_bigrams if max(b) < n_meta]
    logger.info(
        "Feature vocabulary: %d of %d syllables, %d bigrams, %d metasyllables (from %d training videos)",
        len(vocabulary["syllables"]),
        n_syllables,
        len(vocabulary["bigrams"]),
        len(vocabulary["metasyllables"]),
        len(names),
    )
    return vocabulary


def _grow(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Zero-pad ``array`` to ``shape`` (the number of syllables seen can grow video by video)."""
    grown = np.zeros(shape)
    grown[tuple(slice(0, n) for n in array.shape)] = array
    return grown


def _included(
    bout_total: np.ndarray, bigram_total: np.ndarray, parameters: dict[str, Any]
) -> tuple[list[int], list[list[int]]]:
    """Labels whose bout share exceeds ``min_frequency``; bigrams among them at ``min_bigram_frequency``."""
    labels = np.flatnonzero(seq.shares(bout_total) > parameters["min_frequency"])
    share = seq.shares(bigram_total.astype(float))
    keep = np.zeros_like(share, dtype=bool)
    keep[np.ix_(labels, labels)] = True
    keep &= share >= parameters["min_bigram_frequency"]
    return labels.tolist(), np.argwhere(keep).tolist()


def fit_behavioural_states(
    kpms_results: Results,
    training_set: pd.DataFrame,
    metadata: pd.DataFrame,
    vocabulary: dict[str, Any],
    parameters: dict[str, Any],
) -> dict[str, Any]:
    """Fit the sticky HMM over syllable windows on chunks of the training videos only.

    Parameters
    ----------
    kpms_results, training_set, metadata
        Results, the training videos and their ``fps``.
    vocabulary
        From :func:`select_vocabulary` (``n_syllables``).
    parameters
        ``states``: ``n_states``, ``window_s``, ``stickiness``, ``concentration``, ``chunk_s``,
        ``max_chunks_per_video``, ``max_iter``, ``tol``, ``seed``.

    Returns
    -------
    dict
        ``initial`` ``(K,)``, ``transitions`` ``(K, K)`` per window, ``emissions`` ``(K, S)``,
        ``log_likelihood`` (per iteration), ``window_s``, ``chunk_length`` (windows),
        ``n_training_chunks``.
    """
    config = parameters["states"]
    names = _training_names(kpms_results, training_set)
    fps = _fps_by_name(metadata)
    chunk_length = max(1, round(config["chunk_s"] / config["window_s"]))
    rng = np.random.default_rng(config["seed"])
    chunks, masks = [], []
    for name in tqdm(names, desc="Sampling chunks for the state model"):
        labels = np.asarray(read_recording(kpms_results, name, ("syllable",))["syllable"], dtype=np.int64)
        counts = window_counts(labels, _frames_per_window(fps, name, config), vocabulary["n_syllables"])
        video_chunks, video_mask = chunk_windows(counts, chunk_length)
        full = np.flatnonzero(video_mask.all(axis=1))
        pick = full if full.size else np.arange(len(video_chunks))
        pick = np.sort(rng.permutation(pick)[: config["max_chunks_per_video"]])
        chunks.append(video_chunks[pick])
        masks.append(video_mask[pick])
    all_chunks, all_masks = np.concatenate(chunks), np.concatenate(masks)
    logger.info(
        "Fitting a %d-state sticky HMM on %d chunks of %d windows of %g s",
        config["n_states"],
        len(all_chunks),
        chunk_length,
        config["window_s"],
    )
    model = fit_sticky_hmm(
        all_chunks,
        all_masks,
        n_states=config["n_states"],
        stickiness=config["stickiness"],
        concentration=config["concentration"],
        max_iter=config["max_iter"],
        tol=config["tol"],
        seed=config["seed"],
    )
    return {
        **asdict(model),
        "window_s": config["window_s"],
        "chunk_length": chunk_length,
        "n_training_chunks": len(all_chunks),
    }


def _frames_per_window(fps: dict[str, float], name: str, config: dict[str, Any]) -> int:
    if name not in fps:
        raise ValueError(f"metadata: no row for training video {name!r}; add it with its fps")
    return max(1, round(config["window_s"] * fps[name]))


def _length_unit(metadata: pd.DataFrame) -> tuple[str, dict[str, float]]:
    """``("cm", cm per pixel)`` when every video has ``cm_per_pixel``, else ``("px", 1.0)``."""
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


@functools.cache
def _tag(prefix: str, label: int, width: int) -> str:
    return f"{prefix}{label:0{width}d}"


def _label_features(
    labels: np.ndarray,
    n_labels: int,
    included: list[int],
    bigrams: list[list[int]],
    prefix: str,
    fps: float,
    speed: np.ndarray,
    angvel: np.ndarray,
    unit: str,
    normalize: str,
) -> tuple[dict[str, float], seq.Bouts, np.ndarray]:
    """Usage, durations, kinematics and transitions of one video's label sequence."""
    width = max(2, len(str(n_labels - 1)))
    n = max(n_labels, int(labels.max(initial=-1)) + 1)
    bouts = seq.run_length_encode(labels)
    usage = seq.shares(seq.frame_counts(labels, n))
    bout_usage = seq.shares(seq.bout_counts(bouts, n))
    durations = seq.duration_stats(bouts, n, fps)
    speed_by = mean_per_label(speed, labels[1:], n)
    angvel_by = mean_per_label(np.abs(angvel), labels[1:], n)
    out: dict[str, float] = {}
    for label in included:
        tag = _tag(prefix, label, width)
        out[f"usage_{tag}"] = usage[label]
        out[f"bout_usage_{tag}"] = bout_usage[label]
        out[f"dur_mean_{tag}"] = durations["mean"][label]
        out[f"dur_median_{tag}"] = durations["median"][label]
        out[f"dur_cv_{tag}"] = durations["cv"][label]
        out[f"speed_mean_{unit}_{tag}"] = speed_by[label]
        out[f"angvel_abs_mean_{tag}"] = angvel_by[label]
    counts = seq.bigram_counts(bouts, n)
    probabilities = seq.normalise_transitions(counts, normalize)
    for source, target in bigrams:
        out[f"trans_{_tag(prefix, source, width)}_{_tag(prefix, target, width)}"] = probabilities[
            source, target
        ]
    return out, bouts, counts


def syllable_features(
    record: Mapping[str, np.ndarray],
    fps: float,
    length_per_pixel: float,
    unit: str,
    vocabulary: dict[str, Any],
    normalize: str,
) -> dict[str, float]:
    """Usage, durations, transitions, entropies and kinematics of one recording (no states, no MI).

    Parameters
    ----------
    record
        ``syllable`` ``(T,)``, ``centroid`` ``(T, 2)`` px, ``heading`` ``(T,)`` rad.
    fps, length_per_pixel, unit
        Frame rate; cm per pixel and ``"cm"``, or 1 and ``"px"``.
    vocabulary
        From :func:`select_vocabulary`.
    normalize
        ``"bigram"`` or ``"rows"`` for the ``trans_*`` columns.

    Returns
    -------
    dict
        Column name → value, with the same keys for every recording.
    """
    labels = np.asarray(record["syllable"], dtype=np.int64)
    speed, angvel = frame_kinematics(record["centroid"], record["heading"], fps, length_per_pixel)
    kinematics = (fps, speed, angvel, unit, normalize)
    row, bouts, counts = _label_features(
        labels, vocabulary["n_syllables"], vocabulary["syllables"], vocabulary["bigrams"], "s", *kinematics
    )
    row["transition_entropy"] = seq.transition_entropy_bits(counts)
    row["sequence_entropy"] = seq.entropy_bits(seq.shares(seq.bout_counts(bouts, counts.shape[0])))
    row[f"speed_mean_{unit}"] = float(np.nanmean(speed)) if np.isfinite(speed).any() else np.nan
    row["angvel_abs_mean"] = float(np.nanmean(np.abs(angvel))) if np.isfinite(angvel).any() else np.nan
    row[f"distance_total_{unit}"] = float(np.nansum(speed) / fps)
    if vocabulary["merged"]:
        lookup = np.asarray(vocabulary["metasyllable_of"], dtype=np.int64)
        meta = to_metasyllables(labels, lookup, vocabulary["n_metasyllables"])
        meta_row, _, _ = _label_features(
            meta,
            vocabulary["n_metasyllables"],
            vocabulary["metasyllables"],
            vocabulary["metabigrams"],
            "m",
            *kinematics,
        )
        row.update(meta_row)
    return row


def _state_features(
    model: StickyHmm, state_model: dict[str, Any], labels: np.ndarray, fps: float
) -> dict[str, float]:
    """Share of windows and bout durations (seconds) of each behavioural state."""
    frames_per_window = max(1, round(state_model["window_s"] * fps))
    counts = window_counts(labels, frames_per_window, model.emissions.shape[1])
    states = infer_states(model, counts, state_model["chunk_length"])
    bouts = seq.run_length_encode(states)
    usage = seq.shares(seq.frame_counts(states, model.n_states))
    durations = seq.duration_stats(bouts, model.n_states, fps / frames_per_window)
    out: dict[str, float] = {}
    for state in range(model.n_states):
        out[f"state_usage_{state}"] = usage[state]
        out[f"state_dur_mean_{state}"] = durations["mean"][state]
        out[f"state_dur_median_{state}"] = durations["median"][state]
    return out


def _mutual_information(
    name: str, labels: np.ndarray, fps: float, n_labels: int, config: dict[str, Any]
) -> tuple[float, pd.DataFrame]:
    """Lagged MI curve of the video and of its Markov surrogate, and their meeting lag (s)."""
    lags_s = np.geomspace(config["min_lag_s"], config["max_lag_s"], config["n_lags"])
    lags = np.maximum(1, np.round(lags_s * fps).astype(np.int64))
    used = np.where(lags < config["max_lag_fraction"] * labels.size, lags, 0)  # lag 0 gives NaN
    n = max(n_labels, int(labels.max(initial=-1)) + 1)
    real = lagged_mutual_information(labels, used, n)
    rng = np.random.default_rng([config["seed"], zlib.crc32(name.encode())])
    transitions = frame_transition_matrix(labels, n)
    surrogate = np.mean(
        [
            lagged_mutual_information(
                simulate_markov_chain(transitions, labels.size, labels[0], rng), used, n
            )
            for _ in range(config["n_surrogates"])
        ],
        axis=0,
    )
    curve = pd.DataFrame(
        {"name": name, "lag_s": lags_s, "lag_frames": lags, "mi_bits": real, "mi_surrogate_bits": surrogate}
    )
    return crossing_lag(lags_s, real, surrogate), curve


def extract_video_features(
    kpms_results: Results,
    metadata: pd.DataFrame,
    vocabulary: dict[str, Any],
    state_model: dict[str, Any],
    parameters: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features of every video in both the results and the metadata, one recording at a time.

    Parameters
    ----------
    kpms_results
        Lazy ``{name: {"syllable" (T,), "centroid" (T, 2) px, "heading" (T,) rad}}``.
    metadata
        ``name``, ``fps``, optional ``cm_per_pixel``.
    vocabulary
        From :func:`select_vocabulary`.
    state_model
        From :func:`fit_behavioural_states`.
    parameters
        ``transition_normalize``, ``mutual_information`` (``min_lag_s``, ``max_lag_s``,
        ``n_lags``, ``max_lag_fraction``, ``n_surrogates``, ``seed``).

    Returns
    -------
    features, mi_curves
        One row per video (``name`` then features; the column set is the same for every
        video) and the long-format MI curves (``name``, ``lag_s``, ``lag_frames``, ``mi_bits``,
        ``mi_surrogate_bits``; NaN beyond ``max_lag_fraction`` of the recording).
    """
    fps_of = _fps_by_name(metadata)
    unit, scale_of = _length_unit(metadata)
    names = [name for name in kpms_results if name in fps_of]
    skipped = sorted(set(kpms_results) - set(names))
    if skipped:
        logger.warning(
            "%d videos in kpms_results have no metadata row and get no features: %s", len(skipped), skipped
        )
    model = StickyHmm(
        np.asarray(state_model["initial"]),
        np.asarray(state_model["transitions"]),
        np.asarray(state_model["emissions"]),
    )
    rows, curves = [], []
    for name in tqdm(names, desc="Extracting features"):
        record = read_recording(kpms_results, name, ("syllable", "centroid", "heading"))
        labels = np.asarray(record["syllable"], dtype=np.int64)
        fps = fps_of[name]
        row: dict[str, Any] = {"name": name}
        row.update(
            syllable_features(
                record, fps, scale_of[name], unit, vocabulary, parameters["transition_normalize"]
            )
        )
        row.update(_state_features(model, state_model, labels, fps))
        timescale, curve = _mutual_information(
            name, labels, fps, vocabulary["n_syllables"], parameters["mutual_information"]
        )
        row["mi_timescale_s"] = timescale
        rows.append(row)
        curves.append(curve)
    if not rows:
        raise ValueError("kpms_results: no video also has a metadata row; check that the names match")
    return pd.DataFrame(rows), pd.concat(curves, ignore_index=True)


def assemble_features_table(
    metadata: pd.DataFrame, video_features: pd.DataFrame, parameters: dict[str, Any]
) -> pd.DataFrame:
    """Join features with metadata: ``name``, ``mouse_id``, targets, covariates, then features.

    Parameters
    ----------
    metadata
        ``name``, ``mouse_id`` and the columns listed in ``target_columns`` and
        ``covariate_columns`` (each kept when present).
    video_features
        From :func:`extract_video_features`.
    parameters
        ``target_columns``, ``covariate_columns``.

    Returns
    -------
    pd.DataFrame
        One row per video with features, in the order of ``video_features``.
    """
    if "mouse_id" not in metadata.columns:
        raise ValueError("metadata: column 'mouse_id' is missing; add it (one id per animal) and rerun")
    wanted = ["mouse_id", *parameters["target_columns"], *parameters["covariate_columns"]]
    columns = [c for c in wanted if c in metadata.columns and c not in video_features.columns]
    without = sorted(set(metadata["name"].astype(str)) - set(video_features["name"]))
    if without:
        logger.warning("%d videos in the metadata have no keypoint-moseq results: %s", len(without), without)
    left = metadata.assign(name=metadata["name"].astype(str))[["name", *columns]]
    return (
        video_features[["name"]].merge(left, on="name", how="left").join(video_features.drop(columns="name"))
    )


def plot_mutual_information(mi_curves: pd.DataFrame) -> Figure:
    """Median (and interquartile band) across videos of the real and surrogate MI curves.

    Parameters
    ----------
    mi_curves
        Long format from :func:`extract_video_features`.
    """
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for column, label, colour in (
        ("mi_bits", "syllables", "C0"),
        ("mi_surrogate_bits", "Markov surrogate", "C1"),
    ):
        grouped = mi_curves.groupby("lag_s")[column]
        quartiles = grouped.quantile([0.25, 0.5, 0.75]).unstack()
        ax.plot(quartiles.index, quartiles[0.5], color=colour, label=label)
        ax.fill_between(quartiles.index, quartiles[0.25], quartiles[0.75], color=colour, alpha=0.25)
    ax.set_xscale("log")
    ax.set_xlabel("lag (s)")
    ax.set_ylabel("mutual information (bits)")
    ax.set_title(f"Lagged mutual information, {mi_curves['name'].nunique()} videos (median, IQR)")
    ax.legend()
    fig.tight_layout()
    return fig
