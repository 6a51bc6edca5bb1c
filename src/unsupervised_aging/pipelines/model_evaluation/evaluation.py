"""One CV repeat, or one chunk of permutations, of every target: the work of the heavy nodes.

Per target and outer fold (``procedure.run_fold``) the variants are:

- ``behaviour``: the whole suite on the behaviour features; its headline ``selected`` and one row
  per model (``model``/``baseline`` rows, chosen after the fact when compared with each other);
- for targets other than the covariate (``age``): the age-only baselines (each fitted on age
  alone) and ``selected_plus_age`` (the headline procedure on behaviour features plus age);
- ``set_<name>`` per feature set: the headline procedure restricted to ``feature_sets.models``.

The permutation chunks run only the headline procedure (behaviour variant), on targets permuted
between mice, on the first ``permutation.cv_repeats`` repeats' folds.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from unsupervised_aging.pipelines.model_evaluation import procedure
from unsupervised_aging.pipelines.model_evaluation.model_input import ModelInput
from unsupervised_aging.pipelines.model_evaluation.nested_cv import Fold, fold_seed, folds_of
from unsupervised_aging.pipelines.model_evaluation.permutation import permute_between_mice
from unsupervised_aging.pipelines.model_evaluation.settings import Settings

logger = logging.getLogger(__name__)

SELECTED_PLUS_AGE = "selected_plus_age"
#: ``role`` of each kind of row in predictions, metrics and summary.
ROLES = ("headline", "model", "baseline", "age_baseline", "behaviour_plus_age", "feature_set")


@dataclass(frozen=True)
class Variant:
    """One way of predicting a target: its features, candidate suite and what to keep."""

    name: str
    columns: np.ndarray | None  # indices into X; None: covariate only
    suite: dict[str, dict[str, Any]]
    selectable: frozenset[str]
    per_model: bool
    intervals: bool
    with_covariate: bool = False


def variants(data: ModelInput, settings: Settings) -> list[Variant]:
    """The variants evaluated for ``data``'s target (see the module docstring)."""
    everything = np.arange(data.X.shape[1])
    suite = settings.suite
    out = [
        Variant("behaviour", everything, settings.models, frozenset(suite), True, True),
    ]
    if data.target != settings.covariate:
        if np.isnan(data.covariate).any():
            logger.warning(
                "Target '%s': %d videos have no '%s'; the age-only baselines are skipped",
                data.target,
                int(np.isnan(data.covariate).sum()),
                settings.covariate,
            )
        else:
            out.append(
                Variant(
                    "age_only", None, settings.age_baselines, frozenset(settings.age_baselines), True, True
                )
            )
            out.append(
                Variant(
                    "behaviour_plus_age",
                    everything,
                    suite,
                    frozenset(suite),
                    False,
                    True,
                    with_covariate=True,
                )
            )
    set_suite = settings.feature_set_suite()
    for name, columns in data.feature_sets.items():
        out.append(Variant(f"set_{name}", columns, set_suite, frozenset(set_suite), False, False))
    return out


def design(data: ModelInput, variant: Variant) -> np.ndarray:
    if variant.columns is None:
        return data.covariate[:, None]
    X = data.X[:, variant.columns]
    return np.hstack([X, data.covariate[:, None]]) if variant.with_covariate else X


def _row_name(variant: Variant, name: str) -> tuple[str, str]:
    """``(model, role)`` of a result of ``variant`` (``name`` is a model or ``SELECTED``)."""
    if variant.name == "behaviour":
        if name == procedure.SELECTED:
            return name, "headline"
        return name, "baseline" if name not in variant.selectable else "model"
    if variant.name == "age_only":
        return name, "age_baseline"
    if variant.name == "behaviour_plus_age":
        return SELECTED_PLUS_AGE, "behaviour_plus_age"
    return variant.name, "feature_set"


def _task(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    fold: Fold,
    variant: Variant,
    settings: Settings,
    threads: int,
) -> procedure.FoldResult:
    pool = procedure.candidates(variant.suite, settings.preprocessing, threads)
    return procedure.run_fold(
        X,
        y,
        groups,
        fold.train,
        fold.test,
        pool,
        metric=settings.selection_metric,
        inner_folds=settings.inner_folds,
        seed=fold_seed(fold.seed, fold.fold),
        selectable=set(variant.selectable),
        per_model=variant.per_model,
        alpha=settings.alpha if variant.intervals else None,
        threads=threads,
    )


def _run(jobs: list, n_jobs: int, desc: str) -> list:
    workers = joblib.effective_n_jobs(n_jobs)
    threads = 1 if workers > 1 and len(jobs) > 1 else max(1, workers)
    calls = (joblib.delayed(_task)(*job, threads) for job in jobs)
    runner = joblib.Parallel(n_jobs=n_jobs, return_as="generator")
    return list(tqdm(runner(calls), total=len(jobs), desc=desc, leave=False))


def evaluate_repeat(
    inputs: dict[str, ModelInput], splits: pd.DataFrame, settings: Settings, repeat: int
) -> dict[str, pd.DataFrame]:
    """Every variant of every target on the outer folds of one CV repeat.

    Parameters
    ----------
    inputs
        Target -> validated model input.
    splits
        The ``cv_splits`` table (``target``, ``row``, ``repeat``, ``seed``, ``fold``, ...).
    settings
        The model_evaluation settings.
    repeat
        Which repeat (index into ``settings.seeds``).

    Returns
    -------
    dict
        ``predictions`` (outer test videos), ``train_predictions`` (the same refitted models on
        their outer training videos: an over-fitting check) and ``folds`` (one row per target,
        model, fold: the chosen model and parameters, the inner loss, timings).
    """
    jobs, keys = [], []
    for target, data in inputs.items():
        part = splits[(splits["target"] == target) & (splits["repeat"] == repeat)]
        for variant in variants(data, settings):
            X = design(data, variant)
            for fold in folds_of(part):
                jobs.append((X, data.y, data.groups, fold, variant, settings))
                keys.append((target, variant, fold))
    results = _run(jobs, settings.n_jobs, f"nested CV, repeat {repeat}")
    test_rows, train_rows, fold_rows = [], [], []
    for (target, variant, fold), result in zip(keys, results, strict=True):
        data = inputs[target]
        for name, predicted in result.test.items():
            if variant.name == "age_only" and name == procedure.SELECTED:
                continue  # each age-only baseline is reported on its own
            model, role = _row_name(variant, name)
            common = {"target": target, "role": role, "model": model, "repeat": repeat, "fold": fold.fold}
            low = result.low.get(name, np.full(len(fold.test), np.nan))
            high = result.high.get(name, np.full(len(fold.test), np.nan))
            test_rows.append(
                pd.DataFrame(
                    common
                    | {
                        "name": data.names[fold.test],
                        "group": data.groups[fold.test],
                        "covariate": data.covariate[fold.test],
                        "true": data.y[fold.test],
                        "predicted": predicted,
                        "interval_low": low,
                        "interval_high": high,
                    }
                )
            )
            train_rows.append(
                pd.DataFrame(
                    common
                    | {
                        "name": data.names[fold.train],
                        "group": data.groups[fold.train],
                        "true": data.y[fold.train],
                        "predicted": result.train[name],
                    }
                )
            )
            candidate = result.chosen[name]
            fold_rows.append(
                common
                | {
                    "seed": fold.seed,
                    "n_train": len(fold.train),
                    "n_test": len(fold.test),
                    "n_calibration_mice": result.n_calibration_mice if name in result.low else 0,
                    "chosen_model": candidate.model,
                    "chosen_params": json.dumps(candidate.params, sort_keys=True, default=str),
                    "inner_loss": result.inner_loss[name],
                    "fold_seconds": round(result.fit_seconds, 3),
                }
            )
    return {
        "predictions": pd.concat(test_rows, ignore_index=True),
        "train_predictions": pd.concat(train_rows, ignore_index=True),
        "folds": pd.DataFrame(fold_rows),
    }


def pooled_losses(true: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Pooled MAE, RMSE and R² of ``(n,)`` out-of-fold predictions."""
    error = true - predicted
    return {
        "mae": float(np.mean(np.abs(error))),
        "rmse": float(np.sqrt(np.mean(error**2))),
        "r2": float(1 - np.sum(error**2) / np.sum((true - true.mean()) ** 2)),
    }


def permutation_null(
    inputs: dict[str, ModelInput], splits: pd.DataFrame, settings: Settings, chunk: int
) -> pd.DataFrame:
    """The headline procedure's pooled scores on targets permuted between mice (one chunk).

    Permutation ``i`` uses ``default_rng([permutation.seed, i])``, so chunks can run anywhere in
    any order and give the same null distribution.

    Returns
    -------
    pd.DataFrame
        ``target``, ``permutation``, ``mae``, ``rmse``, ``r2`` (pooled per repeat, averaged over
        the first ``permutation.cv_repeats`` repeats).
    """
    indices = settings.permutation.chunk(chunk)
    jobs, keys = [], []
    for target, data in inputs.items():
        variant = variants(data, settings)[0]
        suite_only = Variant("behaviour", variant.columns, settings.suite, variant.selectable, False, False)
        for index in indices:
            y = permute_between_mice(
                data.y, data.groups, np.random.default_rng([settings.permutation.seed, index])
            )
            for repeat in range(settings.permutation.cv_repeats):
                part = splits[(splits["target"] == target) & (splits["repeat"] == repeat)]
                for fold in folds_of(part):
                    jobs.append((data.X, y, data.groups, fold, suite_only, settings))
                    keys.append((target, index, repeat, fold, y))
    results = _run(jobs, settings.n_jobs, f"permutations, chunk {chunk}")
    collected: dict[tuple[str, int, int], list[tuple[np.ndarray, np.ndarray]]] = {}
    for (target, index, repeat, fold, y), result in zip(keys, results, strict=True):
        collected.setdefault((target, index, repeat), []).append(
            (y[fold.test], result.test[procedure.SELECTED])
        )
    rows: dict[tuple[str, int], list[dict[str, float]]] = {}
    for (target, index, _), parts in collected.items():
        true = np.concatenate([t for t, _ in parts])
        predicted = np.concatenate([p for _, p in parts])
        rows.setdefault((target, index), []).append(pooled_losses(true, predicted))
    table = [
        {"target": target, "permutation": index} | pd.DataFrame(scores).mean().to_dict()
        for (target, index), scores in rows.items()
    ]
    return pd.DataFrame(table, columns=["target", "permutation", "mae", "rmse", "r2"])
