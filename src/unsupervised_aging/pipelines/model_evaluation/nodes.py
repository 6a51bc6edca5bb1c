"""Nodes of the model_evaluation pipeline: nested, animal-grouped CV of a regression suite.

Every node takes the ``model_evaluation`` parameters dict (``params:model_evaluation``); see
``conf/base/parameters_model_evaluation.yml`` for what each entry means.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from unsupervised_aging.pipelines.model_evaluation import nested_cv, plots
from unsupervised_aging.pipelines.model_evaluation.model_input import ModelInput
from unsupervised_aging.pipelines.model_evaluation.model_input import prepare_model_input as _prepare
from unsupervised_aging.pipelines.model_evaluation.summary import summarise

logger = logging.getLogger(__name__)

ModelResult = dict[str, pd.DataFrame]  # {"predictions": …, "folds": …}


def _settings(params: dict[str, Any]) -> nested_cv.CVSettings:
    conformal = params.get("conformal") or {}
    return nested_cv.CVSettings(
        inner_folds=int(params.get("inner_folds", 3)),
        inner_scoring=str(params.get("inner_scoring", "neg_mean_absolute_error")),
        alpha=float(conformal.get("alpha", 0.1)),
        calibration_fraction=float(conformal.get("calibration_fraction", 0.25)),
        preprocessing=dict(params.get("preprocessing") or {}),
        n_jobs=int(params.get("n_jobs", 1)),
    )


def _spec(params: dict[str, Any], model: str) -> dict[str, Any]:
    models = params.get("models") or {}
    if model not in models:
        raise ValueError(
            f"model_evaluation.models has no model '{model}' (has: {', '.join(models)}); "
            f"models are read from conf when the pipeline is created, "
            "so edit the YAML rather than passing --params"
        )
    return models[model]


def control_name(model: str) -> str:
    """Name of the shuffled-target control of ``model`` in the outputs."""
    return f"{model}_shuffled"


def prepare_model_input(features: pd.DataFrame, params: dict[str, Any]) -> ModelInput:
    """Validate the features table and pick features, target and groups (see ``model_input``)."""
    return _prepare(
        features,
        target=str(params.get("target", "age")),
        group=str(params.get("group", "mouse_id")),
        id_column=str(params.get("id_column", "name")),
        exclude_columns=list(params.get("exclude_columns") or []),
        min_groups=int(params.get("outer_folds", 5)),
    )


def make_cv_splits(model_input: ModelInput, params: dict[str, Any]) -> pd.DataFrame:
    """Outer test fold of each video for each repeat (one repeat per seed), grouped by animal.

    Returns
    -------
    pd.DataFrame
        ``row``, ``name``, ``group``, ``repeat``, ``seed``, ``fold``.
    """
    seeds = [int(seed) for seed in params.get("seeds", [0])]
    if not seeds:
        raise ValueError("model_evaluation.seeds is empty; give at least one seed (one CV repeat per seed)")
    return nested_cv.outer_splits(
        model_input.names, model_input.groups, int(params.get("outer_folds", 5)), seeds
    )


def evaluate_model(
    model_input: ModelInput, cv_splits: pd.DataFrame, params: dict[str, Any], model: str
) -> ModelResult:
    """Nested CV of one model of the suite: predictions with conformal intervals, and fold details."""
    predictions, folds = nested_cv.evaluate_model(
        model_input, cv_splits, model, _spec(params, model), _settings(params)
    )
    return {"predictions": predictions, "folds": folds}


def _metrics(results: tuple[ModelResult, ...]) -> pd.DataFrame:
    predictions = pd.concat([r["predictions"] for r in results], ignore_index=True)
    folds = pd.concat([r["folds"] for r in results], ignore_index=True)
    return nested_cv.fold_metrics(predictions, folds)


def select_best_model(params: dict[str, Any], *results: ModelResult) -> str:
    """The non-baseline model with the best mean outer-fold ``selection_metric`` (R² highest, errors lowest).

    Choosing the best of several models on the same outer folds flatters it a little; the
    shuffled-target control and the baseline, reported beside it, keep that honest.
    """
    metric = str(params.get("selection_metric", "mae"))
    baselines = {name for name, spec in (params.get("models") or {}).items() if spec.get("baseline")}
    means = _metrics(results).groupby("model")[metric].mean()
    candidates = means.drop(labels=[m for m in baselines if m in means.index]).dropna()
    if candidates.empty:
        candidates = means.dropna()
    best = str(candidates.idxmax() if metric == "r2" else candidates.idxmin())
    logger.info("Best model by mean outer-fold %s: %s (%.3f)", metric, best, means[best])
    return best


def run_shuffled_control(
    model_input: ModelInput, cv_splits: pd.DataFrame, best_model: str, params: dict[str, Any]
) -> ModelResult:
    """The best model's nested CV on a target permuted across animals (one permutation per repeat).

    Same folds, grids and seeds as the real run; only the labels are shuffled (whole animals at a
    time), so its scores are what the pipeline reaches by chance. ``true`` holds the shuffled target.
    """
    seed = int((params.get("shuffled_control") or {}).get("seed", 0))
    spec, settings = _spec(params, best_model), _settings(params)
    predictions, folds = [], []
    for repeat, part in cv_splits.groupby("repeat", sort=True):
        y = nested_cv.shuffled_target(model_input.y, model_input.groups, seed + int(repeat))
        p, f = nested_cv.evaluate_model(model_input, part, control_name(best_model), spec, settings, y=y)
        predictions.append(p)
        folds.append(f)
    return {
        "predictions": pd.concat(predictions, ignore_index=True),
        "folds": pd.concat(folds, ignore_index=True),
    }


def collect_results(*results: ModelResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stack every model's results into the ``predictions`` and ``metrics`` tables.

    Returns
    -------
    predictions
        ``name``, ``group``, ``repeat``, ``fold``, ``model``, ``true``, ``predicted``,
        ``interval_low``, ``interval_high``.
    metrics
        Per model, repeat and fold: ``model``, ``repeat``, ``seed``, ``fold``, ``n_train``,
        ``n_test``, ``n_calibration``, ``r2``, ``mae``, ``rmse``, ``coverage``,
        ``interval_half_width``, ``best_params``, ``fit_seconds``.
    """
    predictions = pd.concat([r["predictions"] for r in results], ignore_index=True)
    metrics = _metrics(results)
    first = [
        "model",
        "repeat",
        "seed",
        "fold",
        "n_train",
        "n_test",
        "n_calibration",
        "r2",
        "mae",
        "rmse",
        "coverage",
    ]
    return predictions, metrics[first + [c for c in metrics.columns if c not in first]]


def _roles(params: dict[str, Any], best_model: str) -> dict[str, str]:
    roles = {
        name: ("baseline" if spec.get("baseline") else "model") for name, spec in params["models"].items()
    }
    return roles | {best_model: "best", control_name(best_model): "shuffled_control"}


def summarise_results(
    metrics: pd.DataFrame, predictions: pd.DataFrame, best_model: str, params: dict[str, Any]
) -> pd.DataFrame:
    """Mean and 95 % CI of R², MAE, RMSE per model, plus conformal coverage (see ``summary.summarise``)."""
    table = summarise(metrics, predictions, _roles(params, best_model), _settings(params).alpha)
    best, control = table.iloc[0], table[table["role"] == "shuffled_control"]
    logger.info(
        "Best model %s: R² %.3f [%.3f, %.3f], MAE %.3g; shuffled control R² %s",
        best["model"],
        best["r2_mean"],
        best["r2_ci_low"],
        best["r2_ci_high"],
        best["mae_mean"],
        f"{control['r2_mean'].iloc[0]:.3f}" if len(control) else "n/a",
    )
    return table


def compute_feature_importance(
    model_input: ModelInput,
    cv_splits: pd.DataFrame,
    metrics: pd.DataFrame,
    best_model: str,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Permutation importance of the best model on its outer test folds (top features; see ``nested_cv``)."""
    options = dict(params.get("importance") or {})
    folds = metrics[metrics["model"] == best_model]
    table = nested_cv.feature_importance(
        model_input, cv_splits, folds, _spec(params, best_model), _settings(params), options
    )
    table.insert(1, "model", best_model)
    return table


def plot_predicted_vs_true(
    predictions: pd.DataFrame, summary: pd.DataFrame, params: dict[str, Any]
) -> Figure:
    """Predicted against true target, one panel per model (best first, control beside it)."""
    return plots.predicted_vs_true(predictions, summary, str(params.get("target", "age")))


def plot_metric_bars(summary: pd.DataFrame) -> Figure:
    """R², MAE, RMSE per model with 95 % CIs."""
    return plots.metric_bars(summary)


def plot_metric_pairs(metrics: pd.DataFrame) -> Figure:
    """R² vs MAE vs RMSE, one point per model and outer fold."""
    return plots.metric_pairs(metrics)


def plot_feature_importance(feature_importance: pd.DataFrame) -> Figure:
    """Bar chart of the top permutation importances of the best model."""
    model = str(feature_importance["model"].iloc[0]) if len(feature_importance) else ""
    return plots.importance_bars(feature_importance, model)
