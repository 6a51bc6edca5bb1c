"""Confidence intervals and paired tests: mouse-level bootstrap and Nadeau–Bengio corrections.

- Pooled metrics (all out-of-fold predictions of a CV repeat scored together, averaged over
  repeats) get a bootstrap CI that resamples **mice** with replacement, all videos of a drawn mouse
  together: the mouse is the independent unit.
- Per-fold means and paired differences between procedures on the same folds use the corrected
  repeated-CV variance of Nadeau & Bengio (2003), ``(1/n + n_test/n_train) s²``, with a t
  distribution on ``n - 1`` degrees of freedom (Bouckaert & Frank 2004): folds share training data,
  so the naive interval is too narrow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

POOLED = ("r2", "mae", "rmse")


def corrected_interval(
    values: np.ndarray, test_train_ratio: float, level: float
) -> tuple[float, float, float]:
    """Mean and corrected CI of a metric over ``(n_folds_total,)`` repeated-CV folds (NaN ignored).

    Returns ``(mean, low, high)``; the bounds are NaN with fewer than two values.
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * np.sqrt(
        (1 / len(values) + test_train_ratio) * values.var(ddof=1)
    )
    return mean, float(mean - half), float(mean + half)


def corrected_paired_test(differences: np.ndarray, test_train_ratio: float, level: float) -> dict[str, float]:
    """Nadeau–Bengio corrected resampled t-test of ``(n_folds_total,)`` paired fold differences.

    Returns
    -------
    dict
        ``difference`` (mean), ``ci_low``, ``ci_high``, ``t`` and the two-sided ``p_value``.
    """
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    mean, low, high = corrected_interval(d, test_train_ratio, level)
    if len(d) < 2:
        return {"difference": mean, "ci_low": low, "ci_high": high, "t": np.nan, "p_value": np.nan}
    se = np.sqrt((1 / len(d) + test_train_ratio) * d.var(ddof=1))
    t = mean / se if se > 0 else (0.0 if mean == 0 else np.inf * np.sign(mean))
    p = float(2 * stats.t.sf(abs(t), len(d) - 1))
    return {"difference": mean, "ci_low": low, "ci_high": high, "t": float(t), "p_value": p}


def _weighted_metrics(true: np.ndarray, predicted: np.ndarray, weights: np.ndarray) -> dict[str, np.ndarray]:
    """Pooled metrics for each ``(n_boot, n_videos)`` weight row (videos ``(n_videos,)``)."""
    total = weights.sum(axis=1)
    error = true - predicted
    sq = (weights * error**2).sum(axis=1) / total
    mean_true = (weights * true).sum(axis=1) / total
    var = (weights * (true[None, :] - mean_true[:, None]) ** 2).sum(axis=1) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1 - sq / var
    return {"mae": (weights * np.abs(error)).sum(axis=1) / total, "rmse": np.sqrt(sq), "r2": r2}


def mouse_bootstrap(predictions: pd.DataFrame, n_resamples: int, seed: int, level: float) -> dict[str, float]:
    """Pooled R², MAE, RMSE of one procedure with mouse-level bootstrap CIs.

    Parameters
    ----------
    predictions
        Out-of-fold rows of one procedure: ``group``, ``repeat``, ``true``, ``predicted`` (every
        video once per repeat).
    n_resamples, seed, level
        Bootstrap draws, their seed and the confidence level.

    Returns
    -------
    dict
        ``<metric>`` (point estimate: pooled per repeat, averaged over repeats), ``<metric>_ci_low``
        and ``<metric>_ci_high`` for ``r2``, ``mae``, ``rmse`` (percentile intervals).
    """
    mice = np.unique(predictions["group"].astype(str))
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(mice), np.full(len(mice), 1 / len(mice)), size=n_resamples).astype(float)
    point: dict[str, list[float]] = {m: [] for m in POOLED}
    boot: dict[str, list[np.ndarray]] = {m: [] for m in POOLED}
    for _, part in predictions.groupby("repeat", sort=True):
        index = np.searchsorted(mice, part["group"].astype(str).to_numpy())
        true, predicted = part["true"].to_numpy(float), part["predicted"].to_numpy(float)
        for metric, value in _weighted_metrics(true, predicted, np.ones((1, len(part)))).items():
            point[metric].append(float(value[0]))
        for metric, value in _weighted_metrics(true, predicted, draws[:, index]).items():
            boot[metric].append(value)
    tail = 100 * (1 - level) / 2
    out: dict[str, float] = {}
    for metric in POOLED:
        samples = np.mean(boot[metric], axis=0)
        out[metric] = float(np.mean(point[metric]))
        out[f"{metric}_ci_low"] = float(np.nanpercentile(samples, tail))
        out[f"{metric}_ci_high"] = float(np.nanpercentile(samples, 100 - tail))
    return out


def bootstrap_share(
    hits: np.ndarray, groups: np.ndarray, n_resamples: int, seed: int, level: float
) -> tuple[float, float, float]:
    """Share of ``(n,)`` booleans (e.g. covered) with a mouse-level bootstrap CI: ``(share, low, high)``."""
    mice, index = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(mice), np.full(len(mice), 1 / len(mice)), size=n_resamples)[:, index]
    with np.errstate(invalid="ignore"):
        shares = (draws * hits[None, :]).sum(axis=1) / draws.sum(axis=1)
    tail = 100 * (1 - level) / 2
    return (
        float(np.mean(hits)),
        float(np.nanpercentile(shares, tail)),
        float(np.nanpercentile(shares, 100 - tail)),
    )
