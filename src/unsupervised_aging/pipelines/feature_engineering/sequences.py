"""Label-sequence statistics, vectorised with run-length encoding and ``np.bincount``.

A *bout* is a maximal run of one label. Definitions follow keypoint-moseq 0.8 where it has one:
``bout_usage`` is its ``frequency`` (share of bouts, ``jax_moseq.utils.get_frequencies``), bout
durations are in seconds and ``bigram`` normalisation divides bout-to-bout transition counts by
their total (``keypoint_moseq.analysis.get_transition_matrix``). One deliberate difference:
keypoint-moseq's ``get_transitions`` drops the first bout of a recording, so it misses the first
transition; we count it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Bouts(NamedTuple):
    """Run-length encoding of a label sequence.

    Attributes
    ----------
    labels
        ``(B,)`` int, the label of each bout.
    starts
        ``(B,)`` int, the frame where each bout starts.
    lengths
        ``(B,)`` int, the number of frames in each bout.
    """

    labels: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray


def run_length_encode(sequence: np.ndarray) -> Bouts:
    """Split a label sequence into bouts.

    Parameters
    ----------
    sequence
        ``(T,)`` integer labels.

    Returns
    -------
    Bouts
        Labels, start frames and lengths of the ``B`` bouts (all empty when ``T == 0``).
    """
    sequence = np.asarray(sequence)
    if sequence.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Bouts(empty, empty, empty)
    starts = np.flatnonzero(np.diff(sequence) != 0) + 1
    starts = np.concatenate(([0], starts))
    lengths = np.diff(np.append(starts, sequence.size))
    return Bouts(sequence[starts].astype(np.int64), starts, lengths)


def shares(counts: np.ndarray) -> np.ndarray:
    """Counts divided by their total; NaN everywhere when the total is zero."""
    total = counts.sum()
    if total == 0:
        return np.full(counts.shape, np.nan)
    return counts / total


def frame_counts(sequence: np.ndarray, n_labels: int) -> np.ndarray:
    """Frames per label, ``(n_labels,)``; labels ``>= n_labels`` are an error."""
    return np.bincount(sequence, minlength=n_labels)[:n_labels]


def bout_counts(bouts: Bouts, n_labels: int) -> np.ndarray:
    """Bouts per label, ``(n_labels,)``."""
    return np.bincount(bouts.labels, minlength=n_labels)[:n_labels]


def duration_stats(bouts: Bouts, n_labels: int, fps: float) -> dict[str, np.ndarray]:
    """Bout duration mean, median and coefficient of variation per label, in seconds.

    Parameters
    ----------
    bouts
        Run-length encoding of one recording.
    n_labels
        Number of labels ``S``.
    fps
        Frame rate of the recording.

    Returns
    -------
    dict
        ``mean``, ``median``, ``cv`` (std / mean, population std), each ``(S,)``; NaN for labels
        with no bout in the recording (a duration is undefined, not zero).
    """
    seconds = bouts.lengths / fps
    n = np.bincount(bouts.labels, minlength=n_labels)[:n_labels]
    total = np.bincount(bouts.labels, weights=seconds, minlength=n_labels)[:n_labels]
    squares = np.bincount(bouts.labels, weights=seconds**2, minlength=n_labels)[:n_labels]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        std = np.sqrt(np.maximum(squares / n - mean**2, 0.0))
        cv = std / mean
    # medians: sort bouts by (label, duration) once, then pick the middle of each label's block
    order = np.lexsort((seconds, bouts.labels))
    sorted_seconds = seconds[order]
    first = np.concatenate(([0], np.cumsum(n)[:-1]))
    median = np.full(n_labels, np.nan)
    present = n > 0
    lo = first[present] + (n[present] - 1) // 2
    hi = first[present] + n[present] // 2
    median[present] = (sorted_seconds[lo] + sorted_seconds[hi]) / 2
    return {"mean": mean, "median": median, "cv": cv}


def bigram_counts(bouts: Bouts, n_labels: int) -> np.ndarray:
    """Counts of bout-to-bout transitions ``(S, S)``: ``[i, j]`` counts bouts of ``i`` followed by ``j``."""
    source, target = bouts.labels[:-1], bouts.labels[1:]
    flat = np.bincount(source * n_labels + target, minlength=n_labels * n_labels)
    return flat[: n_labels * n_labels].reshape(n_labels, n_labels)


def normalise_transitions(counts: np.ndarray, normalize: str) -> np.ndarray:
    """Transition probabilities from counts, as keypoint-moseq's ``normalize_transition_matrix``.

    Parameters
    ----------
    counts
        ``(S, S)`` bigram counts.
    normalize
        ``"bigram"``: joint probability of each bigram (divided by the total); ``"rows"``:
        probability of the next label given the current one.

    Returns
    -------
    np.ndarray
        ``(S, S)`` float; NaN where the denominator is zero.
    """
    counts = counts.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalize == "bigram":
            return counts / counts.sum() if counts.sum() > 0 else np.full(counts.shape, np.nan)
        if normalize == "rows":
            return counts / counts.sum(axis=1, keepdims=True)
    raise ValueError(f"transition normalisation {normalize!r} is unknown: use 'bigram' or 'rows'")


def entropy_bits(probabilities: np.ndarray) -> float:
    """Shannon entropy in bits of a probability vector (zeros ignored); NaN if it holds NaN."""
    p = probabilities[probabilities > 0]
    if np.isnan(probabilities).any():
        return float("nan")
    return float(-(p * np.log2(p)).sum())


def transition_entropy_bits(counts: np.ndarray) -> float:
    """Conditional entropy ``H(next bout | current bout)`` in bits, from ``(S, S)`` bigram counts.

    Each row's entropy is weighted by the share of transitions leaving that label; NaN when the
    recording has no transition.
    """
    total = counts.sum()
    if total == 0:
        return float("nan")
    rows = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        conditional = counts / rows[:, None]
        terms = np.where(counts > 0, counts / total * np.log2(conditional), 0.0)
    return float(-terms.sum())
