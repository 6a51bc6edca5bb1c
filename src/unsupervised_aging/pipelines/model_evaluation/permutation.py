"""Label permutations between mice for the permutation test of the headline procedure.

Under the null (behaviour says nothing about the target) mice are exchangeable, so a permutation
moves whole mice: every video of a mouse takes the labels of the videos of one other mouse. To keep
the set of labels exactly, mice are permuted among mice with the same number of videos; a mouse
alone in its count joins the stratum with the nearest count, where a donor's labels are reused
cyclically (or cut) to the recipient's length, and that is logged. No mouse keeps its own labels:
each stratum gets a uniformly drawn derangement.
"""

from __future__ import annotations

import logging

import numpy as np

logger = logging.getLogger(__name__)


def derangement(n: int, rng: np.random.Generator) -> np.ndarray:
    """A uniformly drawn permutation of ``range(n)`` without fixed points (rejection; ``n >= 2``)."""
    while True:
        order = rng.permutation(n)
        if not (order == np.arange(n)).any():
            return order


def _strata(counts: np.ndarray) -> list[np.ndarray]:
    """Mice indices grouped by video count; singletons merged into the nearest count's stratum."""
    by_count = {int(c): np.flatnonzero(counts == c) for c in np.unique(counts)}
    keys = sorted(by_count)
    for key in [k for k in keys if len(by_count[k]) == 1]:
        others = [k for k in by_count if k != key]
        if not others:
            break
        nearest = min(others, key=lambda k: (abs(k - key), k))
        by_count[nearest] = np.concatenate([by_count[nearest], by_count.pop(key)])
    return list(by_count.values())


def permute_between_mice(y: np.ndarray, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One permutation of ``(n_videos,)`` labels between mice (see the module docstring).

    Parameters
    ----------
    y, groups
        ``(n_videos,)`` target and mouse of each video (at least two mice).
    rng
        Source of randomness.

    Returns
    -------
    np.ndarray
        ``(n_videos,)`` permuted target.
    """
    mice, mouse_of = np.unique(groups, return_inverse=True)
    if len(mice) < 2:
        raise ValueError("a permutation test needs at least two mice")
    rows = [np.flatnonzero(mouse_of == m) for m in range(len(mice))]
    counts = np.array([len(r) for r in rows])
    permuted = np.empty_like(y, dtype=float)
    for stratum in _strata(counts):
        donors = stratum[derangement(len(stratum), rng)]
        for recipient, donor in zip(stratum, donors, strict=True):
            labels = y[rows[donor]]
            permuted[rows[recipient]] = labels[np.arange(counts[recipient]) % len(labels)]
    return permuted


def p_value(observed: float, null: np.ndarray) -> float:
    """``(k + 1) / (n + 1)``: ``k`` of the ``n`` null losses at or below the observed loss."""
    null = np.asarray(null, dtype=float)
    return float((np.sum(null <= observed) + 1) / (len(null) + 1))


#: A permutation count whose smallest p-value is above this cannot show an effect at the usual level.
EVIDENCE_LEVEL = 0.05


def smallest_p_value(n_permutations: int) -> float:
    """The p-value :func:`p_value` gives when no null loss reaches the observed one: ``1 / (n + 1)``."""
    return 1.0 / (n_permutations + 1)
