"""Summary tables: the selection-aware headline per target, baselines, paired tests, coverage by age.

Which number is the headline: ``r2``, ``mae``, ``rmse`` of the ``headline`` row (the procedure
that chooses its model inside every outer training fold), pooled over all out-of-fold
predictions of a repeat and averaged over repeats, with mouse-bootstrap CIs, and its permutation
``p_value``. ``r2_fold_mean`` (per-fold R², each fold scored against its own mean) is secondary.
Rows of role ``model`` are each model's own nested CV: comparing them and picking the best is a
choice made after the fact (``chosen_after_the_fact``), so their best is optimistic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from unsupervised_aging.pipelines.model_evaluation.conformal import covered, required_mice
from unsupervised_aging.pipelines.model_evaluation.evaluation import SELECTED_PLUS_AGE
from unsupervised_aging.pipelines.model_evaluation.permutation import p_value
from unsupervised_aging.pipelines.model_evaluation.procedure import SELECTED
from unsupervised_aging.pipelines.model_evaluation.settings import Settings
from unsupervised_aging.pipelines.model_evaluation.uncertainty import (
    bootstrap_share,
    corrected_interval,
    corrected_paired_test,
    mouse_bootstrap,
)

_ORDER = {
    "headline": 0,
    "behaviour_plus_age": 1,
    "age_baseline": 2,
    "baseline": 3,
    "model": 4,
    "feature_set": 5,
}


def observed_statistic(predictions: pd.DataFrame, target: str, cv_repeats: int) -> dict[str, float]:
    """The headline's pooled MAE, RMSE, R² on the repeats the permutation test uses."""
    part = predictions[
        (predictions["target"] == target)
        & (predictions["model"] == SELECTED)
        & (predictions["repeat"] < cv_repeats)
    ]
    scores = []
    for _, rep in part.groupby("repeat"):
        error = rep["true"] - rep["predicted"]
        spread = ((rep["true"] - rep["true"].mean()) ** 2).sum()
        scores.append(
            {
                "mae": error.abs().mean(),
                "rmse": np.sqrt((error**2).mean()),
                "r2": 1 - (error**2).sum() / spread,
            }
        )
    return pd.DataFrame(scores).mean().to_dict()


def summarise(
    predictions: pd.DataFrame,
    train_predictions: pd.DataFrame,
    metrics: pd.DataFrame,
    null: pd.DataFrame,
    settings: Settings,
) -> pd.DataFrame:
    """One row per target and model (see the module docstring for which number is the headline).

    Returns
    -------
    pd.DataFrame
        ``target``, ``model``, ``role``, ``chosen_after_the_fact``, ``n_videos``, ``n_mice``,
        ``n_folds``; ``r2``, ``mae``, ``rmse`` (pooled) each with ``_ci_low``/``_ci_high`` (mouse
        bootstrap); ``r2_fold_mean`` with its corrected CI; ``train_mae`` (refitted models on their
        own training videos: far below ``mae`` means over-fitting); ``coverage`` with a bootstrap
        CI, ``coverage_nominal``, ``interval_width_mean``, ``too_few_calibration_mice``;
        ``p_value`` and ``n_permutations`` (headline rows); ``most_chosen`` (headline rows: the
        model chosen in most outer folds).
    """
    level, n_boot, seed = settings.confidence_level, settings.bootstrap_resamples, settings.bootstrap_seed
    rows = []
    for (target, model), part in predictions.groupby(["target", "model"], sort=False):
        fold_rows = metrics[(metrics["target"] == target) & (metrics["model"] == model)]
        role = str(part["role"].iloc[0])
        ratio = float((fold_rows["n_test"] / fold_rows["n_train"]).mean())
        r2_fold, r2_fold_low, r2_fold_high = corrected_interval(fold_rows["r2"].to_numpy(), ratio, level)
        row: dict[str, object] = {
            "target": target,
            "model": model,
            "role": role,
            "chosen_after_the_fact": role in ("model", "baseline"),
            "n_videos": int(part.groupby("repeat").size().iloc[0]),
            "n_mice": int(part["group"].nunique()),
            "n_folds": len(fold_rows),
        }
        row |= mouse_bootstrap(part, n_boot, seed, level)
        row |= {
            "r2_fold_mean": r2_fold,
            "r2_fold_ci_low": r2_fold_low,
            "r2_fold_ci_high": min(r2_fold_high, 1.0),
        }
        train = train_predictions[
            (train_predictions["target"] == target) & (train_predictions["model"] == model)
        ]
        row["train_mae"] = float((train["true"] - train["predicted"]).abs().mean())
        has_intervals = part["interval_low"].notna().all()
        if has_intervals:
            hits = covered(part["true"], part["interval_low"], part["interval_high"])
            share, low, high = bootstrap_share(hits, part["group"].to_numpy(), n_boot, seed, level)
            width = (part["interval_high"] - part["interval_low"]).replace(np.inf, np.nan).mean()
            too_few = bool((fold_rows["n_calibration_mice"] < required_mice(settings.alpha)).any())
        else:
            share = low = high = width = np.nan
            too_few = False
        row |= {
            "coverage": share,
            "coverage_ci_low": low,
            "coverage_ci_high": high,
            "coverage_nominal": 1 - settings.alpha if has_intervals else np.nan,
            "interval_width_mean": width,
            "too_few_calibration_mice": too_few,
            "p_value": np.nan,
            "n_permutations": 0,
            "most_chosen": fold_rows["chosen_model"].mode().iloc[0] if role != "model" else model,
        }
        if model == SELECTED:
            target_null = null[null["target"] == target]
            if len(target_null):
                observed = observed_statistic(predictions, target, settings.permutation.cv_repeats)
                row["p_value"] = p_value(
                    observed["mae"], target_null["mae"].to_numpy()
                )  # statistic: pooled MAE
                row["n_permutations"] = len(target_null)
        rows.append(row)
    table = pd.DataFrame(rows)
    table["_order"] = table["role"].map(_ORDER)
    table["_target"] = table["target"].map({t: i for i, t in enumerate(settings.targets)})
    return (
        table.sort_values(["_target", "_order", "mae"])
        .drop(columns=["_order", "_target"])
        .reset_index(drop=True)
    )


def _paired(metrics: pd.DataFrame, target: str, a: str, b: str, level: float) -> dict[str, object] | None:
    """MAE of ``b`` minus MAE of ``a`` on the same folds (positive: ``a`` is better)."""
    keys = ["repeat", "fold"]
    first = metrics[(metrics["target"] == target) & (metrics["model"] == a)].set_index(keys)
    second = metrics[(metrics["target"] == target) & (metrics["model"] == b)].set_index(keys)
    if first.empty or second.empty:
        return None
    joined = first[["mae", "n_test", "n_train"]].join(second[["mae"]].add_suffix("_b"), how="inner")
    ratio = float((joined["n_test"] / joined["n_train"]).mean())
    test = corrected_paired_test((joined["mae_b"] - joined["mae"]).to_numpy(), ratio, level)
    return {"target": target, "model": a, "versus": b, "metric": "mae"} | {
        f"{key}": value for key, value in test.items()
    }


def comparisons(metrics: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Paired corrected resampled t-tests (Nadeau–Bengio) on the outer folds.

    Per target: the headline against each baseline (the dummy) and each age-only baseline;
    ``selected_plus_age`` against each age-only baseline (the gain of behaviour over age); every pair
    of feature sets.

    Returns
    -------
    pd.DataFrame
        ``target``, ``comparison``, ``model``, ``versus``, ``metric`` (``mae``), ``difference``
        (MAE of ``versus`` minus MAE of ``model``: positive means ``model`` is better), ``ci_low``,
        ``ci_high``, ``t``, ``p_value``.
    """
    level = settings.confidence_level
    rows = []
    for target, part in metrics.groupby("target", sort=False):
        roles = part.groupby("model")["role"].first()
        baselines = roles.index[roles == "baseline"].tolist()
        age = roles.index[roles == "age_baseline"].tolist()
        sets = roles.index[roles == "feature_set"].tolist()
        pairs = [("headline vs baseline", SELECTED, b) for b in baselines]
        pairs += [("headline vs age only", SELECTED, b) for b in age]
        pairs += [("behaviour gain over age", SELECTED_PLUS_AGE, b) for b in age]
        pairs += [
            ("feature sets", sets[i], sets[j]) for i in range(len(sets)) for j in range(i + 1, len(sets))
        ]
        for kind, a, b in pairs:
            result = _paired(metrics, target, a, b, level)
            if result is not None:
                rows.append({"comparison": kind} | result)
    columns = [
        "target",
        "comparison",
        "model",
        "versus",
        "metric",
        "difference",
        "ci_low",
        "ci_high",
        "t",
        "p_value",
    ]
    return pd.DataFrame(rows, columns=columns)


#: Rows whose coverage per age group is reported (the per-model rows are in the summary only).
COVERAGE_ROLES = ("headline", "behaviour_plus_age", "age_baseline", "baseline")


def coverage_by_age(predictions: pd.DataFrame, settings: Settings, n_groups: int = 3) -> pd.DataFrame:
    """Interval coverage per age tercile (of the covariate) of the headline and its baselines.

    Returns
    -------
    pd.DataFrame
        ``target``, ``model``, ``age_group`` (e.g. ``"8–52"``), ``n_videos``, ``coverage``,
        ``ci_low``, ``ci_high`` (mouse bootstrap), ``coverage_nominal``, ``interval_width_mean``.
    """
    with_intervals = predictions[
        predictions["role"].isin(COVERAGE_ROLES)
        & predictions["interval_low"].notna()
        & predictions["covariate"].notna()
    ]
    rows = []
    for (target, model), part in with_intervals.groupby(["target", "model"], sort=False):
        bins = pd.qcut(part["covariate"], q=n_groups, duplicates="drop")
        for interval, group in part.groupby(bins, observed=True):
            hits = covered(group["true"], group["interval_low"], group["interval_high"])
            share, low, high = bootstrap_share(
                hits,
                group["group"].to_numpy(),
                settings.bootstrap_resamples,
                settings.bootstrap_seed,
                settings.confidence_level,
            )
            rows.append(
                {
                    "target": target,
                    "model": model,
                    "age_group": f"{interval.left:.0f}–{interval.right:.0f}",
                    "n_videos": len(group),
                    "coverage": share,
                    "ci_low": low,
                    "ci_high": high,
                    "coverage_nominal": 1 - settings.alpha,
                    "interval_width_mean": (group["interval_high"] - group["interval_low"])
                    .replace(np.inf, np.nan)
                    .mean(),
                }
            )
    columns = [
        "target",
        "model",
        "age_group",
        "n_videos",
        "coverage",
        "ci_low",
        "ci_high",
        "coverage_nominal",
        "interval_width_mean",
    ]
    return pd.DataFrame(rows, columns=columns)
