"""Grouped CV+ prediction intervals (Barber et al. 2021), with mice as the exchangeable unit.

CV+ reuses the inner folds of the model search: every outer-training video ``i`` has an
out-of-fold residual ``R_i`` from the model fitted without its fold ``k(i)``, and that same model
predicts the test video. The interval is

    [ q_low{ mu_-k(i)(x) - R_i },  q_high{ mu_-k(i)(x) + R_i } ]

with quantiles over the outer-training videos. Mice, not videos, are exchangeable (videos of one
mouse are alike), so each video weighs ``1 / (videos of its mouse)``: every mouse counts once, and
the finite-sample correction uses the number of mice ``m``: the upper quantile is taken at level
``ceil((1 - alpha)(m + 1)) / m``. When that exceeds 1 (``m < 1/alpha - 1``) the requested level
cannot be guaranteed: the bounds are infinite and ``too_few_mice`` says so in the summary.
CV+ guarantees at least ``1 - 2 alpha`` coverage and is close to ``1 - alpha`` in practice; the
coverage is measured on the outer test folds, overall and per age group.
"""

from __future__ import annotations

import math

import numpy as np


def required_mice(alpha: float) -> int:
    """Fewest calibration mice for which a ``1 - alpha`` interval is finite."""
    return math.ceil(1 / alpha - 1)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, level: float) -> np.ndarray:
    """Per row of ``(n_test, n_cal)`` values, the smallest value whose weight share reaches ``level``."""
    order = np.argsort(values, axis=1)
    ordered = np.take_along_axis(values, order, axis=1)
    cumulative = np.cumsum(weights[order], axis=1) / weights.sum()
    index = np.minimum((cumulative < level - 1e-12).sum(axis=1), values.shape[1] - 1)
    return ordered[np.arange(len(values)), index]


def cv_plus(
    fold_predictions: np.ndarray,
    inner_fold: np.ndarray,
    residuals: np.ndarray,
    groups: np.ndarray,
    alpha: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Grouped CV+ bounds for the test videos of one outer fold.

    Parameters
    ----------
    fold_predictions
        ``(n_inner, n_test)``: each inner fold model's predictions on the test videos.
    inner_fold
        ``(n_train,)`` inner fold of each training video.
    residuals
        ``(n_train,)`` absolute out-of-fold residuals ``|y_i - mu_-k(i)(x_i)|``.
    groups
        ``(n_train,)`` mouse of each training video.
    alpha
        Miscoverage (0.2 → 80 % intervals).

    Returns
    -------
    low, high
        ``(n_test,)`` bounds; ``-inf``/``inf`` with fewer than ``required_mice(alpha)`` mice.
    """
    _, mouse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    m = len(counts)
    weights = 1.0 / counts[mouse]
    level = math.ceil((1 - alpha) * (m + 1)) / m
    n_test = fold_predictions.shape[1]
    if level > 1:
        return np.full(n_test, -np.inf), np.full(n_test, np.inf)
    centre = fold_predictions[inner_fold].T  # (n_test, n_train)
    high = _weighted_quantile(centre + residuals[None, :], weights, level)
    low = -_weighted_quantile(-(centre - residuals[None, :]), weights, level)
    return low, high


def covered(true: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``(n,)`` booleans: is each true value inside its interval."""
    return (np.asarray(true) >= np.asarray(low)) & (np.asarray(true) <= np.asarray(high))
