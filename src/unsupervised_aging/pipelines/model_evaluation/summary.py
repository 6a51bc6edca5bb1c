"""Summarise per-fold metrics: means with 95 % confidence intervals corrected for repeated CV."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import r2_score

METRICS = ("r2", "mae", "rmse")


def corrected_interval(
    values: np.ndarray, test_train_ratio: float, level: float = 0.95
) -> tuple[float, float, float]:
    """Mean and confidence interval of a metric over repeated cross-validation folds.

    Folds share training data, so their scores are correlated and the naive ``s / sqrt(n)``
    interval is too narrow. This uses Nadeau & Bengio's corrected variance
    ``(1 / n + n_test / n_train) * s²`` with a t distribution on ``n - 1`` degrees of freedom
    (the "corrected repeated k-fold" interval of Bouckaert & Frank, 2004).

    Parameters
    ----------
    values
        ``(n_folds_total,)`` metric per repeat and fold; NaN values are ignored.
    test_train_ratio
        Mean ratio of test to training videos per fold (``1 / (k - 1)`` for k folds).
    level
        Confidence level.

    Returns
    -------
    tuple of float
        ``(mean, low, high)``; the bounds are NaN with fewer than two values.
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


def summarise(
    metrics: pd.DataFrame, predictions: pd.DataFrame, roles: dict[str, str], alpha: float
) -> pd.DataFrame:
    """One row per model: mean and 95 % CI of R², MAE, RMSE and the conformal coverage.

    Parameters
    ----------
    metrics
        Per-fold rows (``model``, ``n_train``, ``n_test``, ``r2``, ``mae``, ``rmse``,
        ``interval_half_width``).
    predictions
        Per-video rows, for the pooled coverage (share of true values inside their interval).
    roles
        ``model -> role`` (``baseline``, ``model``, ``best``, ``shuffled_control``).
    alpha
        Conformal miscoverage; ``coverage_nominal = 1 - alpha``.

    Returns
    -------
    pd.DataFrame
        ``model``, ``role``, ``n_folds``, ``<metric>_mean``, ``<metric>_ci_low``,
        ``<metric>_ci_high`` for R², MAE, RMSE, then ``r2_pooled`` (R² of all out-of-fold
        predictions of a repeat, averaged over repeats: steadier than per-fold R² when folds hold few
        animals), ``coverage`` (pooled), ``coverage_nominal``, ``interval_width_mean``;
        sorted with the best model first and the control beside it.
    """
    inside = (predictions["true"] >= predictions["interval_low"]) & (
        predictions["true"] <= predictions["interval_high"]
    )
    pooled_coverage = inside.where(predictions["interval_low"].notna()).groupby(predictions["model"]).mean()
    pooled_r2 = (
        predictions.groupby(["model", "repeat"])
        .apply(lambda part: r2_score(part["true"], part["predicted"]), include_groups=False)
        .groupby("model")
        .mean()
    )
    rows = []
    for model, part in metrics.groupby("model", sort=False):
        ratio = float((part["n_test"] / part["n_train"]).mean())
        row: dict[str, object] = {"model": model, "role": roles.get(model, "model"), "n_folds": len(part)}
        for metric in METRICS:
            mean, low, high = corrected_interval(part[metric].to_numpy(), ratio)
            if metric == "r2":
                high = min(high, 1.0)  # R² cannot exceed 1
            row |= {f"{metric}_mean": mean, f"{metric}_ci_low": low, f"{metric}_ci_high": high}
        row |= {
            "r2_pooled": float(pooled_r2.get(model, np.nan)),
            "coverage": float(pooled_coverage.get(model, np.nan)),
            "coverage_nominal": 1 - alpha,
            "interval_width_mean": float(2 * part["interval_half_width"].mean()),
        }
        rows.append(row)
    order = {"best": 0, "shuffled_control": 1, "model": 2, "baseline": 3}
    table = pd.DataFrame(rows)
    table["_order"] = table["role"].map(order)
    return table.sort_values(["_order", "mae_mean"]).drop(columns="_order").reset_index(drop=True)
