"""Lagged mutual information of a label sequence against a first-order Markov-chain surrogate.

The surrogate is a Markov chain with the recording's own frame-to-frame transition matrix and the
same length, so its curve shows how much dependence one step of memory explains; both curves use
the same plug-in estimator, so they share its finite-sample bias. Where the real curve falls to
the surrogate's, the sequence has no memory left beyond the Markov chain: that lag is the
recording's memory timescale.

The lags are fixed in seconds (``min_lag_s`` … ``max_lag_s``), not in shares of the recording, so
the timescale of a recording long enough for every lag does not depend on its length; a recording
too short for the longest lags gets NaN unless the curves meet before (docs/architecture.md).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from unsupervised_aging.pipelines.feature_engineering.settings import MISettings


def lagged_mutual_information(sequence: np.ndarray, lags: np.ndarray, n_labels: int) -> np.ndarray:
    """Plug-in mutual information ``I(x_t; x_{t+lag})`` in bits for each lag.

    Parameters
    ----------
    sequence
        ``(T,)`` int labels in ``[0, n_labels)``.
    lags
        ``(L,)`` positive lags in frames; lags ``>= T`` give NaN.
    n_labels
        Number of labels ``S``.

    Returns
    -------
    np.ndarray
        ``(L,)`` mutual information in bits.
    """
    sequence = np.asarray(sequence, dtype=np.int64)
    out = np.full(len(lags), np.nan)
    for i, lag in enumerate(lags):
        if lag <= 0 or lag >= sequence.size:
            continue
        joint = np.bincount(sequence[:-lag] * n_labels + sequence[lag:], minlength=n_labels * n_labels)
        joint = joint.reshape(n_labels, n_labels) / (sequence.size - lag)
        px, py = joint.sum(axis=1), joint.sum(axis=0)
        nz = joint > 0
        out[i] = float((joint[nz] * np.log2(joint[nz] / np.outer(px, py)[nz])).sum())
    return out


def frame_transition_matrix(sequence: np.ndarray, n_labels: int) -> np.ndarray:
    """Row-normalised frame-to-frame transition matrix ``(S, S)``; rows never left are absorbing."""
    sequence = np.asarray(sequence, dtype=np.int64)
    counts = np.bincount(sequence[:-1] * n_labels + sequence[1:], minlength=n_labels * n_labels)
    counts = counts.reshape(n_labels, n_labels).astype(float)
    rows = counts.sum(axis=1)
    counts[rows == 0, :] = np.eye(n_labels)[rows == 0]
    return counts / counts.sum(axis=1, keepdims=True)


def simulate_markov_chain(
    transitions: np.ndarray, n_frames: int, start: int, rng: np.random.Generator
) -> np.ndarray:
    """Sample a frame-level Markov chain, one bout per step (jump chain + geometric durations).

    Parameters
    ----------
    transitions
        ``(S, S)`` row-stochastic frame transition matrix.
    n_frames
        Length ``T`` of the sample.
    start
        Label of frame 0.
    rng
        Random generator.

    Returns
    -------
    np.ndarray
        ``(T,)`` int labels, distributed exactly as the frame-level chain.
    """
    stay = np.diag(transitions)
    jump = transitions - np.diag(stay)
    jump_total = jump.sum(axis=1)
    cumulative = np.cumsum(jump, axis=1)
    labels, lengths, total, state = [], [], 0, int(start)
    while total < n_frames:
        leave = jump_total[state]
        length = n_frames - total if leave <= 0 else int(rng.geometric(leave))
        labels.append(state)
        lengths.append(length)
        total += length
        if leave > 0:
            state = int(np.searchsorted(cumulative[state], rng.random() * leave, side="right"))
    return np.repeat(np.asarray(labels, dtype=np.int64), lengths)[:n_frames]


def crossing_lag(lags: np.ndarray, real: np.ndarray, surrogate: np.ndarray) -> float:
    """First lag where the real curve meets the surrogate, interpolated on a log-lag axis.

    Parameters
    ----------
    lags
        ``(L,)`` increasing positive lags (any unit).
    real, surrogate
        ``(L,)`` curves; NaN entries (lags beyond the recording) are ignored.

    Returns
    -------
    float
        The crossing lag; the first lag if the real curve starts at or below the surrogate; NaN if
        it never meets it among the valid lags (see :func:`memory_timescale` for censoring).
    """
    valid = np.isfinite(real) & np.isfinite(surrogate)
    lags, gap = np.asarray(lags, dtype=float)[valid], (real - surrogate)[valid]
    if lags.size == 0:
        return float("nan")
    below = np.flatnonzero(gap <= 0)
    if below.size == 0:
        return float("nan")
    i = below[0]
    if i == 0:
        return float(lags[0])
    fraction = gap[i - 1] / (gap[i - 1] - gap[i])
    log_lag = np.log(lags[i - 1]) + fraction * (np.log(lags[i]) - np.log(lags[i - 1]))
    return float(np.exp(log_lag))


def memory_timescale(lags: np.ndarray, real: np.ndarray, surrogate: np.ndarray) -> float:
    """:func:`crossing_lag`, censored at the last lag of the grid when every lag was estimated.

    A sequence whose curves never meet has memory beyond the grid: it gets the grid's last lag
    (the same for every recording, whatever its length). When the recording was too short for the
    longest lags, whether they would have met is unknown: NaN.
    """
    lag = crossing_lag(lags, real, surrogate)
    if np.isnan(lag) and np.isfinite(real).all() and np.isfinite(surrogate).all():
        return float(lags[-1])
    return lag


def mutual_information_curve(
    name: str, labels: np.ndarray, fps: float, n_labels: int, settings: MISettings
) -> tuple[float, pd.DataFrame]:
    """Lagged MI of one recording and of its Markov surrogate, and the lag (s) where they meet.

    Parameters
    ----------
    name
        The video; with ``settings.seed`` it seeds the surrogate, so results do not depend on the
        order in which videos are processed.
    labels
        ``(T,)`` int syllables.
    fps
        Frame rate.
    n_labels
        Syllables in the model (labels above it are counted too).
    settings
        Lag grid, ``max_lag_fraction``, surrogates and seed.

    Returns
    -------
    timescale, curve
        :func:`memory_timescale` in seconds, and the curve: ``name``, ``lag_s``, ``lag_frames``,
        ``mi_bits``, ``mi_surrogate_bits`` (NaN at lags beyond ``max_lag_fraction`` of ``T``).
    """
    lags_s = np.geomspace(settings.min_lag_s, settings.max_lag_s, settings.n_lags)
    lags = np.maximum(1, np.round(lags_s * fps).astype(np.int64))
    used = np.where(lags < settings.max_lag_fraction * labels.size, lags, 0)  # lag 0 gives NaN
    n = max(n_labels, int(labels.max(initial=-1)) + 1)
    real = lagged_mutual_information(labels, used, n)
    rng = np.random.default_rng([settings.seed, zlib.crc32(name.encode())])
    transitions = frame_transition_matrix(labels, n)
    surrogate = np.mean(
        [
            lagged_mutual_information(
                simulate_markov_chain(transitions, labels.size, labels[0], rng), used, n
            )
            for _ in range(settings.n_surrogates)
        ],
        axis=0,
    )
    curve = pd.DataFrame(
        {"name": name, "lag_s": lags_s, "lag_frames": lags, "mi_bits": real, "mi_surrogate_bits": surrogate}
    )
    return memory_timescale(lags_s, real, surrogate), curve
