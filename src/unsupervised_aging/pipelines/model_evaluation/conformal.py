"""Split-conformal prediction intervals for regression (absolute-residual score)."""

from __future__ import annotations

import logging
import math

import numpy as np

logger = logging.getLogger(__name__)


def conformal_quantile(residuals: np.ndarray, alpha: float) -> float:
    """Half-width of a ``1 - alpha`` split-conformal interval.

    The ``ceil((n + 1)(1 - alpha))``-th smallest absolute calibration residual: with
    calibration and test videos exchangeable, ``prediction ± q`` covers the truth with
    probability at least ``1 - alpha``. With too few calibration videos that rank exceeds ``n``;
    the largest residual is used instead and a warning says the guarantee does not hold.

    Parameters
    ----------
    residuals
        ``(n_calibration,)`` absolute residuals ``|y - ŷ|`` on held-out calibration videos.
    alpha
        Miscoverage level in (0, 1), e.g. 0.1 for 90 % intervals.

    Returns
    -------
    float
        The interval half-width ``q``.
    """
    residuals = np.sort(np.abs(np.asarray(residuals, dtype=float)))
    n = len(residuals)
    if n == 0:
        raise ValueError(
            "conformal calibration set is empty; raise model_evaluation.conformal.calibration_fraction"
        )
    rank = math.ceil((n + 1) * (1 - alpha))
    if rank > n:
        logger.warning(
            "Only %d calibration videos: a %.0f %% conformal interval needs at least %d; using the largest "
            "residual (coverage not guaranteed)",
            n,
            100 * (1 - alpha),
            math.ceil(1 / alpha) - 1,
        )
        rank = n
    return float(residuals[rank - 1])


def coverage(y_true: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Share of ``(n,)`` true values inside ``[low, high]`` (NaN when there are no intervals)."""
    inside = (np.asarray(y_true) >= np.asarray(low)) & (np.asarray(y_true) <= np.asarray(high))
    return float(inside.mean()) if len(inside) and not np.isnan(low).all() else float("nan")
