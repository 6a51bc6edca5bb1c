"""Nodes of the model_evaluation pipeline: several targets, a selection-aware headline, its tests.

Every node takes the ``model_evaluation`` parameters dict (``params:model_evaluation``), read once
into the frozen ``settings.Settings`` (a missing key fails loudly); see
``conf/base/parameters_model_evaluation.yml`` for what each entry means and ``README.md`` here
for the method.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from unsupervised_aging.pipelines.model_evaluation import evaluation, nested_cv, plots, summary
from unsupervised_aging.pipelines.model_evaluation.feature_sets import resolve
from unsupervised_aging.pipelines.model_evaluation.model_input import SOURCE, ModelInput, prepare_model_input
from unsupervised_aging.pipelines.model_evaluation.permutation import EVIDENCE_LEVEL, smallest_p_value
from unsupervised_aging.pipelines.model_evaluation.procedure import SELECTED, candidates
from unsupervised_aging.pipelines.model_evaluation.settings import Settings, load_settings

logger = logging.getLogger(__name__)

Inputs = dict[str, ModelInput]


def prepare_inputs(
    features: pd.DataFrame, params: dict[str, Any], feature_catalogue: pd.DataFrame | None = None
) -> Inputs:
    """Validate the features table once per target present in it (see ``model_input``).

    Targets of ``model_evaluation.targets`` that the table lacks are skipped with a warning; none
    present is an error. Every target and the covariate are kept out of the features.

    Returns
    -------
    dict
        Target -> ``ModelInput`` with its feature sets resolved (``feature_sets.resolve``).
    """
    settings = load_settings(params)
    present = [t for t in settings.targets if t in features.columns]
    missing = [t for t in settings.targets if t not in features.columns]
    if not present:
        raise ValueError(
            f"{SOURCE} has none of the target columns {list(settings.targets)}; set model_evaluation.targets"
        )
    if missing:
        logger.warning("%s has no column %s; those targets are skipped", SOURCE, ", ".join(missing))
    inputs = {}
    for target in present:
        data = prepare_model_input(
            features,
            target=target,
            group=settings.group,
            id_column=settings.id_column,
            exclude_columns=[*settings.targets, *settings.exclude_columns],
            min_groups=settings.outer_folds,
            covariate=settings.covariate,
        )
        sets = resolve(data.feature_names, settings.feature_sets, feature_catalogue)
        inputs[target] = replace(data, feature_sets=sets)
    return inputs


def _fits_per_fold(pool: int, models: int, settings: Settings) -> int:
    return pool * settings.inner_folds + models


def plan_evaluation(inputs: Inputs, params: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Outer folds per target and repeat, and the projected cost of the heavy nodes (logged first).

    The cost is projected from one timed fit of each model's first candidate on each target's whole
    table, times the number of fits each node makes (inner folds x candidates + refits per outer
    fold); the fits of smaller training folds are faster, so it is an upper estimate.

    Returns
    -------
    cv_splits
        ``target``, ``row``, ``name``, ``group``, ``repeat``, ``seed``, ``fold``.
    plan
        One row per heavy node: ``node``, ``n_fits``, ``projected_cpu_s``.
    """
    settings = load_settings(params)
    splits = pd.concat(
        [
            nested_cv.outer_splits(
                data.names, data.groups, settings.outer_folds, list(settings.seeds)
            ).assign(target=target)
            for target, data in inputs.items()
        ],
        ignore_index=True,
    )
    seconds: dict[str, float] = {}
    per_repeat = per_permutation = 0.0
    n_repeat_fits = n_permutation_fits = 0
    for data in inputs.values():
        for variant in evaluation.variants(data, settings):
            pool = candidates(variant.suite, settings.preprocessing, threads=1)
            X = evaluation.design(data, variant)
            fit_s = []
            for candidate in pool:
                if candidate.model not in seconds:
                    started = time.process_time()
                    with threadpool_limits(limits=1):
                        clone(candidate.pipeline).fit(X, data.y)
                    seconds[candidate.model] = time.process_time() - started
                fit_s.append(seconds[candidate.model])
            models = len(variant.suite) if variant.per_model else 1
            n = settings.outer_folds * _fits_per_fold(len(pool), models, settings)
            cost = settings.outer_folds * (settings.inner_folds * sum(fit_s) + models * float(np.mean(fit_s)))
            n_repeat_fits += n
            per_repeat += cost
            if variant.name == "behaviour":
                selectable = [s for c, s in zip(pool, fit_s, strict=True) if c.model in variant.selectable]
                n_permutation_fits += settings.outer_folds * _fits_per_fold(len(selectable), 1, settings)
                per_permutation += settings.outer_folds * (
                    settings.inner_folds * sum(selectable) + max(selectable)
                )
    perm = settings.permutation
    rows = [
        {"node": f"evaluate_repeat_seed{seed}", "n_fits": n_repeat_fits, "projected_cpu_s": per_repeat}
        for seed in settings.seeds
    ]
    for chunk in range(perm.n_chunks):
        k = len(perm.chunk(chunk)) * perm.cv_repeats
        rows.append(
            {
                "node": f"run_permutations_{chunk}",
                "n_fits": k * n_permutation_fits,
                "projected_cpu_s": k * per_permutation,
            }
        )
    plan = pd.DataFrame(rows, columns=["node", "n_fits", "projected_cpu_s"])
    logger.info(
        "model_evaluation plan: %d targets, %d CV repeats, %d permutations in %d chunks: %d fits, "
        "projected %.2f CPU hours (largest node %.2f CPU hours)",
        len(inputs),
        len(settings.seeds),
        perm.n_permutations,
        perm.n_chunks,
        int(plan["n_fits"].sum()),
        plan["projected_cpu_s"].sum() / 3600,
        plan["projected_cpu_s"].max() / 3600,
    )
    if perm.n_permutations and smallest_p_value(perm.n_permutations) > EVIDENCE_LEVEL:
        logger.warning(
            "%d permutations: no p-value can be below %.2g; set model_evaluation.permutation.n_permutations "
            ">= 1000 for results you publish (conf/study does)",
            perm.n_permutations,
            smallest_p_value(perm.n_permutations),
        )
    return splits, plan


def evaluate_repeat(inputs: Inputs, cv_splits: pd.DataFrame, params: dict[str, Any], repeat: int) -> dict:
    """One CV repeat of every target and variant (``evaluation.evaluate_repeat``)."""
    return evaluation.evaluate_repeat(inputs, cv_splits, load_settings(params), repeat)


def run_permutations(
    inputs: Inputs, cv_splits: pd.DataFrame, params: dict[str, Any], chunk: int
) -> pd.DataFrame:
    """One chunk of the permutation test of the headline (``evaluation.permutation_null``)."""
    return evaluation.permutation_null(inputs, cv_splits, load_settings(params), chunk)


def collect_results(*repeats: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stack the repeats into the ``predictions``, ``train_predictions`` and ``metrics`` tables.

    Returns
    -------
    predictions
        ``target``, ``role``, ``model``, ``repeat``, ``fold``, ``name``, ``group``, ``covariate``,
        ``true``, ``predicted``, ``interval_low``, ``interval_high``.
    train_predictions
        The same models on their own outer training videos: ``target``, ``role``, ``model``,
        ``repeat``, ``fold``, ``name``, ``group``, ``true``, ``predicted``.
    metrics
        Per target, model, repeat and outer fold: the fold row (``chosen_model``,
        ``chosen_params``, ``inner_loss``, ...) and ``r2``, ``mae``, ``rmse``, ``coverage``.
    """
    predictions = pd.concat([r["predictions"] for r in repeats], ignore_index=True)
    train = pd.concat([r["train_predictions"] for r in repeats], ignore_index=True)
    folds = pd.concat([r["folds"] for r in repeats], ignore_index=True)
    return predictions, train, nested_cv.fold_metrics(predictions, folds)


def collect_permutations(*chunks: pd.DataFrame) -> pd.DataFrame:
    """The null distribution: pooled MAE, RMSE, R² of the headline per target and permutation."""
    if not chunks:
        return pd.DataFrame(columns=["target", "permutation", "mae", "rmse", "r2"])
    return pd.concat(chunks, ignore_index=True).sort_values(["target", "permutation"], ignore_index=True)


def summarise_results(
    predictions: pd.DataFrame,
    train_predictions: pd.DataFrame,
    metrics: pd.DataFrame,
    permutation_null: pd.DataFrame,
    params: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The ``summary``, ``model_comparisons`` and ``coverage_by_age`` tables (see ``summary``)."""
    settings = load_settings(params)
    table = summary.summarise(predictions, train_predictions, metrics, permutation_null, settings)
    tests = summary.comparisons(metrics, settings)
    coverage = summary.coverage_by_age(predictions, settings)
    for row in table[table["role"] == "headline"].itertuples():
        logger.info(
            "%s: selection-aware headline R² %.3f [%.3f, %.3f], MAE %.3g [%.3g, %.3g], "
            "permutation p %.3g (%d)",
            row.target,
            row.r2,
            row.r2_ci_low,
            row.r2_ci_high,
            row.mae,
            row.mae_ci_low,
            row.mae_ci_high,
            row.p_value,
            row.n_permutations,
        )
    return table, tests, coverage


def compute_feature_importance(
    inputs: Inputs, cv_splits: pd.DataFrame, metrics: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """Permutation importance of each target's headline on its outer test folds (``nested_cv``).

    Returns
    -------
    pd.DataFrame
        ``target``, ``rank``, ``feature``, ``importance_mean``, ``importance_std``, ``n_folds``.
    """
    settings = load_settings(params)
    tables = []
    for target, data in inputs.items():
        chosen = metrics[(metrics["target"] == target) & (metrics["model"] == SELECTED)]
        table = nested_cv.feature_importance(
            data,
            cv_splits[cv_splits["target"] == target],
            chosen,
            settings.models,
            settings.preprocessing,
            settings.importance,
            settings.n_jobs,
        )
        tables.append(table.assign(target=target)[["target", *table.columns]])
    return pd.concat(tables, ignore_index=True)


def plot_predicted_vs_true(predictions: pd.DataFrame, summary_table: pd.DataFrame) -> Figure:
    """Predicted against true per target: headline, behaviour + age and the age-only baselines."""
    return plots.predicted_vs_true(predictions, summary_table)


def plot_metric_bars(summary_table: pd.DataFrame) -> Figure:
    """Pooled R², MAE, RMSE per target and model with mouse-bootstrap CIs."""
    return plots.metric_bars(summary_table)


def plot_metric_pairs(metrics: pd.DataFrame) -> Figure:
    """R² vs MAE vs RMSE, one point per model and outer fold."""
    return plots.metric_pairs(metrics)


def plot_permutation_null(permutation_null: pd.DataFrame, summary_table: pd.DataFrame) -> Figure:
    """Null distribution of the headline's pooled MAE per target, the observed value marked."""
    return plots.permutation_null(permutation_null, summary_table)


def plot_feature_sets(summary_table: pd.DataFrame) -> Figure:
    """Pooled MAE per feature set and target with mouse-bootstrap CIs."""
    return plots.feature_sets(summary_table)


def plot_feature_importance(feature_importance: pd.DataFrame) -> Figure:
    """Top permutation importances of each target's headline."""
    return plots.importance_bars(feature_importance)
