"""Ensemble consensus of one video tracked by several pose estimators (the DGP ensembling seed)."""

from __future__ import annotations

import numpy as np

from unsupervised_aging.pose import Pose


def weighted_median(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted median along the first axis.

    Parameters
    ----------
    values
        ``(E, ...)``; NaN entries must have weight 0.
    weights
        ``(E, ...)`` non-negative.

    Returns
    -------
    np.ndarray
        ``(...)``; the midpoint of the two middle values when the cumulative weight hits exactly
        half, NaN where every weight is 0.
    """
    order = np.argsort(np.where(weights > 0, values, np.inf), axis=0)
    v = np.take_along_axis(values, order, axis=0)
    cum = np.cumsum(np.take_along_axis(weights, order, axis=0), axis=0)
    half = cum[-1] / 2
    idx = np.argmax(cum >= half * (1 - 1e-9), axis=0)[None]
    lower = np.take_along_axis(v, idx, axis=0)[0]
    upper = np.take_along_axis(v, np.minimum(idx + 1, len(values) - 1), axis=0)[0]
    at_half = np.isclose(np.take_along_axis(cum, idx, axis=0)[0], half) & (idx[0] < len(values) - 1)
    median = np.where(at_half & np.isfinite(upper), (lower + upper) / 2, lower)
    return np.where(cum[-1] > 0, median, np.nan)


def consensus_pose(poses: list[Pose], scale_px: float) -> Pose:
    """Confidence-weighted median per keypoint and frame; disagreement becomes the confidence.

    Parameters
    ----------
    poses
        ``E ≥ 2`` poses of the same animal with the same frames and bodyparts.
    scale_px
        Distance (pixels) at which an estimator's agreement has fallen to ``1/e``.

    Returns
    -------
    Pose
        Coordinates ``(T, K, 2)``: weighted median of x and of y. Confidences ``(T, K)``: the mean
        over all estimators of ``confidence × exp(-distance to consensus / scale_px)`` (an estimator
        missing the point adds 0). ``extra["disagreement"]`` ``(T, K)``: confidence-weighted mean
        distance of the estimators to the consensus in pixels, NaN where fewer than two saw the point.
    """
    coords = np.stack([p.coordinates for p in poses])  # (E, T, K, 2)
    weights = np.stack([p.confidences for p in poses])  # (E, T, K)
    weights = np.where(np.isnan(coords).any(-1), 0.0, np.nan_to_num(weights))
    median = np.stack([weighted_median(coords[..., d], weights) for d in range(2)], axis=-1)  # (T, K, 2)
    distance = np.linalg.norm(coords - median[None], axis=-1)  # (E, T, K)
    seen = weights > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        disagreement = np.nansum(np.where(seen, weights * distance, 0.0), 0) / weights.sum(0)
    disagreement = np.where(seen.sum(0) >= 2, disagreement, np.nan)
    agreement = np.where(seen, weights * np.exp(-np.nan_to_num(distance) / scale_px), 0.0)
    first = poses[0]
    return Pose(
        coordinates=median,
        confidences=agreement.mean(0),
        bodyparts=first.bodyparts,
        fps=first.fps,
        cm_per_pixel=next((p.cm_per_pixel for p in poses if p.cm_per_pixel is not None), None),
        source="; ".join(p.source for p in poses),
        extra={"disagreement": disagreement.astype(np.float32)},
    )
