"""Every feature of one recording, from its keypoint-moseq results and a plan shared by all recordings.

Column names say what they hold (``s`` syllables, ``m`` metasyllables); ``catalogue.py`` gives each
its family, unit and description. No feature carries the recording's length: counts are shares,
durations are per bout, kinematics are per second, the MI lags are fixed in seconds (see
docs/architecture.md, "feature_engineering").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from unsupervised_aging.pipelines.feature_engineering import sequences as seq
from unsupervised_aging.pipelines.feature_engineering.behavioural_states import (
    StickyHmm,
    infer_states,
    window_counts,
)
from unsupervised_aging.pipelines.feature_engineering.inputs import to_metasyllables
from unsupervised_aging.pipelines.feature_engineering.kinematics import frame_kinematics, mean_per_label
from unsupervised_aging.pipelines.feature_engineering.latent import latent_features
from unsupervised_aging.pipelines.feature_engineering.mutual_information import mutual_information_curve
from unsupervised_aging.pipelines.feature_engineering.settings import FeatureSettings

FIELDS = ("syllable", "latent_state", "centroid", "heading")  # read from kpms_results


@dataclass(frozen=True)
class LabelSet:
    """Labels of one kind (syllables or metasyllables) that get columns.

    Attributes
    ----------
    prefix
        ``"s"`` or ``"m"``.
    n_labels
        Labels of this kind in the model (sets the zero-padding of the tags).
    included
        Labels with usage, duration and kinematics columns.
    bigrams
        ``(source, target)`` pairs with a transition column.
    """

    prefix: str
    n_labels: int
    included: tuple[int, ...]
    bigrams: tuple[tuple[int, int], ...]

    def tag(self, label: int) -> str:
        """``s07``: the label as it appears in column names."""
        return _tag(self.prefix, label, max(2, len(str(self.n_labels - 1))))


@functools.cache
def _tag(prefix: str, label: int, width: int) -> str:
    return f"{prefix}{label:0{width}d}"


@dataclass(frozen=True)
class FeaturePlan:
    """What every recording gets, fixed before the first one is read, so all rows share columns.

    Attributes
    ----------
    syllables, metasyllables
        Label sets (``metasyllables`` is None when no syllables were merged).
    metasyllable_of
        ``(S_mapped,)`` metasyllable of each syllable, -1 where unmapped.
    n_metasyllables
        Metasyllables in the mapping.
    state_model, state_window_s, state_chunk_length
        The fitted sticky HMM, its window (s) and chunk length (windows).
    settings
        The pipeline's settings (transition normalisation, MI).
    unit
        ``"cm"`` or ``"px"`` for the kinematics columns.
    """

    syllables: LabelSet
    metasyllables: LabelSet | None
    metasyllable_of: np.ndarray
    n_metasyllables: int
    state_model: StickyHmm
    state_window_s: float
    state_chunk_length: int
    settings: FeatureSettings
    unit: str


def make_plan(
    vocabulary: dict[str, Any], state_model: dict[str, Any], settings: FeatureSettings, unit: str
) -> FeaturePlan:
    """The plan from the vocabulary and state model the pipeline stored (JSON and pickle)."""

    def label_set(prefix: str, n: int, included: str, bigrams: str) -> LabelSet:
        return LabelSet(
            prefix,
            int(vocabulary[n]),
            tuple(int(label) for label in vocabulary[included]),
            tuple((int(a), int(b)) for a, b in vocabulary[bigrams]),
        )

    return FeaturePlan(
        syllables=label_set("s", "n_syllables", "syllables", "bigrams"),
        metasyllables=(
            label_set("m", "n_metasyllables", "metasyllables", "metabigrams")
            if vocabulary["merged"]
            else None
        ),
        metasyllable_of=np.asarray(vocabulary["metasyllable_of"], dtype=np.int64),
        n_metasyllables=int(vocabulary["n_metasyllables"]),
        state_model=StickyHmm(
            np.asarray(state_model["initial"]),
            np.asarray(state_model["transitions"]),
            np.asarray(state_model["emissions"]),
        ),
        state_window_s=float(state_model["window_s"]),
        state_chunk_length=int(state_model["chunk_length"]),
        settings=settings,
        unit=unit,
    )


@dataclass(frozen=True)
class Motion:
    """Per-frame-transition kinematics of one recording (``(T - 1,)`` each; see ``kinematics``)."""

    speed: np.ndarray
    angular_velocity: np.ndarray
    unit: str


def label_features(
    labels: np.ndarray, label_set: LabelSet, fps: float, motion: Motion, normalize: str
) -> tuple[dict[str, float], np.ndarray]:
    """Usage, bout durations, kinematics and transitions of one label sequence.

    Parameters
    ----------
    labels
        ``(T,)`` int labels of one recording.
    label_set
        Which labels and bigrams get columns.
    fps
        Frame rate.
    motion
        The recording's kinematics; frame ``t`` is credited to ``labels[t]``.
    normalize
        ``"bigram"`` or ``"rows"``.

    Returns
    -------
    features, bigram_counts
        Column → value, and the ``(S, S)`` bout-to-bout transition counts (for entropies).
    """
    n = max(label_set.n_labels, int(labels.max(initial=-1)) + 1)
    bouts = seq.run_length_encode(labels)
    usage = seq.shares(seq.frame_counts(labels, n))
    bout_usage = seq.shares(seq.bout_counts(bouts, n))
    durations = seq.duration_stats(bouts, n, fps)
    speed = mean_per_label(motion.speed, labels[1:], n)
    angvel = mean_per_label(np.abs(motion.angular_velocity), labels[1:], n)
    out: dict[str, float] = {}
    for label in label_set.included:
        tag = label_set.tag(label)
        out[f"usage_{tag}"] = usage[label]
        out[f"bout_usage_{tag}"] = bout_usage[label]
        out[f"dur_mean_{tag}"] = durations["mean"][label]
        out[f"dur_median_{tag}"] = durations["median"][label]
        out[f"dur_cv_{tag}"] = durations["cv"][label]
        out[f"speed_mean_{motion.unit}_{tag}"] = speed[label]
        out[f"angvel_abs_mean_{tag}"] = angvel[label]
    counts = seq.bigram_counts(bouts, n)
    probabilities = seq.normalise_transitions(counts, normalize)
    for source, target in label_set.bigrams:
        out[f"trans_{label_set.tag(source)}_{label_set.tag(target)}"] = probabilities[source, target]
    return out, counts


def whole_video_features(labels: np.ndarray, counts: np.ndarray, motion: Motion) -> dict[str, float]:
    """Entropies of the bout sequence and mean kinematics over the whole recording (rates, not totals)."""
    speed, angvel = motion.speed, np.abs(motion.angular_velocity)
    bouts = seq.run_length_encode(labels)
    return {
        "transition_entropy": seq.transition_entropy_bits(counts),
        "sequence_entropy": seq.entropy_bits(seq.shares(seq.bout_counts(bouts, counts.shape[0]))),
        f"speed_mean_{motion.unit}": float(np.nanmean(speed)) if np.isfinite(speed).any() else np.nan,
        "angvel_abs_mean": float(np.nanmean(angvel)) if np.isfinite(angvel).any() else np.nan,
    }


def state_features(plan: FeaturePlan, labels: np.ndarray, fps: float) -> dict[str, float]:
    """Share of windows and bout durations (seconds) of each behavioural state."""
    model = plan.state_model
    frames_per_window = max(1, round(plan.state_window_s * fps))
    counts = window_counts(labels, frames_per_window, model.emissions.shape[1])
    states = infer_states(model, counts, plan.state_chunk_length)
    bouts = seq.run_length_encode(states)
    usage = seq.shares(seq.frame_counts(states, model.n_states))
    durations = seq.duration_stats(bouts, model.n_states, fps / frames_per_window)
    out: dict[str, float] = {}
    for state in range(model.n_states):
        out[f"state_usage_{state}"] = usage[state]
        out[f"state_dur_mean_{state}"] = durations["mean"][state]
        out[f"state_dur_median_{state}"] = durations["median"][state]
    return out


def recording_features(
    name: str, record: dict[str, np.ndarray], fps: float, length_per_pixel: float, plan: FeaturePlan
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Every feature of one recording, and its lagged mutual-information curve.

    Parameters
    ----------
    name
        The video (seeds its MI surrogate).
    record
        ``syllable`` ``(T,)``, ``latent_state`` ``(T, D)``, ``centroid`` ``(T, 2)`` px, ``heading``
        ``(T,)`` rad.
    fps, length_per_pixel
        Frame rate; cm per pixel (1 when ``plan.unit`` is ``"px"``).
    plan
        From :func:`make_plan`.

    Returns
    -------
    features, mi_curve
        ``{"name": name, column: value}`` with the same keys for every recording of one model, and
        the MI curve (``name``, ``lag_s``, ``lag_frames``, ``mi_bits``, ``mi_surrogate_bits``).
    """
    labels = np.asarray(record["syllable"], dtype=np.int64)
    speed, angvel = frame_kinematics(record["centroid"], record["heading"], fps, length_per_pixel)
    motion = Motion(speed, angvel, plan.unit)
    normalize = plan.settings.transition_normalize
    row: dict[str, Any] = {"name": name}
    syllable_row, counts = label_features(labels, plan.syllables, fps, motion, normalize)
    row.update(syllable_row)
    row.update(whole_video_features(labels, counts, motion))
    if plan.metasyllables is not None:
        meta = to_metasyllables(labels, plan.metasyllable_of, plan.n_metasyllables)
        row.update(label_features(meta, plan.metasyllables, fps, motion, normalize)[0])
    row.update(state_features(plan, labels, fps))
    timescale, curve = mutual_information_curve(
        name, labels, fps, plan.syllables.n_labels, plan.settings.mutual_information
    )
    row["mi_timescale_s"] = timescale
    row.update(latent_features(record["latent_state"]))
    return row, curve
