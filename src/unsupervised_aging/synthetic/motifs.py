"""Behaviour motifs of the synthetic mice and how age changes them.

Each motif has a typical bout duration, forward speed, turning rate and body shape. Age
enters through ``age_frac`` (0 at 8 weeks, 1 at 160 weeks): old mice rest and groom more,
rear and run less, move more slowly with shorter strides and turn more slowly, so a model of
behaviour can recover age from the poses alone.
"""

from __future__ import annotations

import numpy as np

#: Motif names; the integer labels in ``Pose.extra["motif"]`` index this tuple.
MOTIFS: tuple[str, ...] = ("rest", "groom", "rear", "sniff", "walk", "run", "turn_left", "turn_right")

#: Youngest and oldest age of the cohort, in weeks.
AGE_RANGE_WEEKS: tuple[float, float] = (8.0, 160.0)

_TABLE_COLUMNS = (
    "duration_s",  # mean bout duration at age_frac 0
    "speed",  # forward speed, px/s
    "turn",  # leftward turning rate, rad/s
    "front",  # length scale of the head and neck (rearing and grooming pull the head in)
    "rear",  # length scale of the hindquarters
    "width",  # lateral scale (a resting mouse is hunched and wide)
    "bend",  # body curvature, 1/px (positive bends to the animal's left)
    "scan",  # weight of the side-to-side head scan
    "groom",  # weight of the grooming pose (front paws at the nose, head bobbing)
    "lift",  # weight of the rearing pose (front paws lifted to the nose)
    "stride",  # weight of the stepping gait
    "curl",  # tail curled beside the body
    "log_weight",  # preference for entering the motif at age_frac 0
    "log_weight_age",  # change of that preference from age_frac 0 to 1
)
# fmt: off
_TABLE = np.array([
    # dur   speed  turn   front rear  width bend    scan groom lift stride curl  logw  d_logw
    [1.5,   0.0,   0.0,   0.85, 0.90, 1.35, 0.0,    0.0, 0.0,  0.0, 0.0,   1.0, -0.3,  2.2],   # rest
    [1.5,   0.0,   0.0,   0.60, 0.85, 1.30, 0.0,    0.0, 1.0,  0.0, 0.0,   0.3, -0.5,  1.2],   # groom
    [0.8,   0.0,   0.0,   0.35, 0.75, 0.85, 0.0,    0.3, 0.0,  1.0, 0.0,   0.0,  0.6, -1.8],   # rear
    [1.0,   20.0,  0.0,   1.00, 1.00, 1.00, 0.0,    1.0, 0.0,  0.0, 0.2,   0.0,  0.3,  0.2],   # sniff
    [0.8,   130.0, 0.0,   1.05, 1.00, 0.95, 0.0,    0.1, 0.0,  0.0, 1.0,   0.0,  1.3, -0.8],   # walk
    [0.5,   320.0, 0.0,   1.15, 1.10, 0.80, 0.0,    0.0, 0.0,  0.0, 1.0,   0.0,  0.5, -2.5],   # run
    [0.6,   40.0,  3.0,   0.95, 0.95, 1.00, 1 / 28, 0.0, 0.0,  0.0, 0.5,   0.0,  0.3, -0.6],   # turn_left
    [0.6,   40.0, -3.0,   0.95, 0.95, 1.00, -1 / 28, 0.0, 0.0, 0.0, 0.5,   0.0,  0.3, -0.6],   # turn_right
])
# Relative change of bout duration, speed and turning rate from age_frac 0 to 1.
_DURATION_AGE = np.array([0.8, 0.3, -0.2, 0.2, -0.1, -0.2, 0.0, 0.0])
_SPEED_AGE = -0.40
_TURN_AGE = -0.30
# Affinity of transitions (row: from, column: to), multiplying the target's preference.
_AFFINITY = np.ones((len(MOTIFS), len(MOTIFS)))
for _src, _dst, _factor in [
    ("walk", "run", 2.5), ("run", "walk", 3.0), ("walk", "turn_left", 2.0), ("walk", "turn_right", 2.0),
    ("turn_left", "walk", 2.0), ("turn_right", "walk", 2.0), ("sniff", "rear", 2.5), ("rear", "sniff", 2.0),
    ("rest", "groom", 2.5), ("groom", "rest", 2.0), ("rest", "sniff", 1.5), ("run", "rest", 0.2),
    ("rest", "run", 0.2), ("groom", "run", 0.3), ("turn_left", "turn_right", 0.3),
    ("turn_right", "turn_left", 0.3),
]:
    _AFFINITY[MOTIFS.index(_src), MOTIFS.index(_dst)] = _factor
np.fill_diagonal(_AFFINITY, 0.0)  # a bout ends by switching motif (semi-Markov: durations are explicit)
# fmt: on


def motif_table(column: str) -> np.ndarray:
    """One property of every motif, as in the table above.

    Parameters
    ----------
    column
        One of ``duration_s, speed, turn, front, rear, width, bend, scan, groom, lift, stride,
        curl, log_weight, log_weight_age``.

    Returns
    -------
    np.ndarray
        ``(M,)`` values in the order of :data:`MOTIFS`.
    """
    return _TABLE[:, _TABLE_COLUMNS.index(column)].copy()


def age_fraction(age_weeks: np.ndarray) -> np.ndarray:
    """Map age in weeks onto ``[0, 1]`` over :data:`AGE_RANGE_WEEKS` (not clipped)."""
    young, old = AGE_RANGE_WEEKS
    return (np.asarray(age_weeks, dtype=float) - young) / (old - young)


def transition_matrices(age_frac: np.ndarray, log_weight_offsets: np.ndarray) -> np.ndarray:
    """Motif transition probabilities of each video.

    Parameters
    ----------
    age_frac
        ``(N,)`` biological age of each video's mouse on the ``[0, 1]`` scale.
    log_weight_offsets
        ``(N, M)`` individual (per mouse and per session) preferences added to the age trend.

    Returns
    -------
    np.ndarray
        ``(N, M, M)`` rows sum to one, zero diagonal.
    """
    log_w = motif_table("log_weight") + np.outer(age_frac, motif_table("log_weight_age")) + log_weight_offsets
    p = _AFFINITY[None] * np.exp(log_w)[:, None, :]
    return p / p.sum(axis=2, keepdims=True)


def bout_durations_s(age_frac: np.ndarray) -> np.ndarray:
    """Mean bout duration of every motif, ``(N, M)`` seconds, for ``(N,)`` ages."""
    factor = np.clip(1.0 + np.outer(age_frac, _DURATION_AGE), 0.3, None)
    return motif_table("duration_s")[None] * factor


def speed_factor(age_frac: np.ndarray) -> np.ndarray:
    """Multiplier of forward speed, ``(N,)``, for ``(N,)`` ages."""
    return np.clip(1.0 + _SPEED_AGE * np.asarray(age_frac), 0.3, None)


def turn_factor(age_frac: np.ndarray) -> np.ndarray:
    """Multiplier of turning rate, ``(N,)``, for ``(N,)`` ages."""
    return np.clip(1.0 + _TURN_AGE * np.asarray(age_frac), 0.3, None)
