"""Nested cross-validation grouped by animal, repeated over seeds, with split-conformal intervals.

Outer folds (grouped K-fold, one shuffle per seed) give the estimate; inside each outer training
fold a grouped hold-out of animals calibrates the conformal intervals and grouped inner folds on
the rest choose hyperparameters. The chosen pipeline is then refitted on the whole outer training
fold for the point predictions. No animal is ever in both the data a step is fitted on and the
data it is scored on.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import GridSearchCV, GroupKFold, GroupShuffleSplit
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from unsupervised_aging.pipelines.model_evaluation.conformal import conformal_quantile, coverage
from unsupervised_aging.pipelines.model_evaluation.model_input import ModelInput
from unsupervised_aging.pipelines.model_evaluation.model_suite import build_model

logger = logging.getLogger(__name__)


def _grouped_kfold(n_splits: int, seed: int) -> GroupKFold:
    """sklearn's GroupKFold with shuffled groups (sklearn >= 1.6) or plain GroupKFold before."""
    try:
        return GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    except TypeError:  # sklearn < 1.6: no shuffle; folds then balance sizes deterministically
        return GroupKFold(n_splits=n_splits)


def outer_splits(names: np.ndarray, groups: np.ndarray, n_folds: int, seeds: list[int]) -> pd.DataFrame:
    """Assign every video to one outer test fold per repeat (one repeat per seed).

    Parameters
    ----------
    names, groups
        ``(n_videos,)`` video names and their animals.
    n_folds
        Outer folds per repeat.
    seeds
        One seed per repeat: it shuffles which animals share a fold.

    Returns
    -------
    pd.DataFrame
        ``n_videos * len(seeds)`` rows: ``row`` (position in the model input), ``name``,
        ``group``, ``repeat``, ``seed``, ``fold``.
    """
    frames = []
    for repeat, seed in enumerate(seeds):
        fold = np.full(len(groups), -1)
        for k, (_, test) in enumerate(_grouped_kfold(n_folds, int(seed)).split(names, groups=groups)):
            fold[test] = k
        frames.append(
            pd.DataFrame(
                {
                    "row": np.arange(len(groups)),
                    "name": names,
                    "group": groups,
                    "repeat": repeat,
                    "seed": seed,
                    "fold": fold,
                }
            )
        )
    splits = pd.concat(frames, ignore_index=True)
    check_no_group_leakage(splits)
    return splits


def check_no_group_leakage(splits: pd.DataFrame) -> None:
    """Raise if any animal has videos in two outer folds of one repeat (so in train and test)."""
    folds_per_group = splits.groupby(["repeat", "group"])["fold"].nunique()
    leaking = folds_per_group[folds_per_group > 1]
    if len(leaking) or (splits["fold"] < 0).any():
        raise AssertionError(f"group leakage in outer folds: {leaking.index.tolist()[:5]}")


@dataclass(frozen=True)
class CVSettings:
    """How one model is evaluated inside each outer fold.

    Attributes
    ----------
    inner_folds
        Grouped folds for the hyperparameter search.
    inner_scoring
        sklearn scorer name used to pick hyperparameters.
    alpha
        Conformal miscoverage (0.1 → 90 % intervals).
    calibration_fraction
        Share of the outer training animals held out to calibrate the intervals; 0 → no intervals.
    preprocessing
        Suite-wide pipeline steps (see ``model_suite.build_model``).
    n_jobs
        Outer folds fitted in parallel (joblib; -1 = all cores).
    """

    inner_folds: int
    inner_scoring: str
    alpha: float
    calibration_fraction: float
    preprocessing: dict[str, Any]
    n_jobs: int


@dataclass(frozen=True)
class _Fold:
    repeat: int
    seed: int
    fold: int
    train: np.ndarray
    test: np.ndarray


def _folds(splits: pd.DataFrame) -> list[_Fold]:
    folds = []
    for (repeat, seed), part in splits.groupby(["repeat", "seed"], sort=True):
        rows = part["row"].to_numpy()
        for fold in sorted(part["fold"].unique()):
            in_test = part["fold"].to_numpy() == fold
            folds.append(
                _Fold(int(repeat), int(seed), int(fold), np.sort(rows[~in_test]), np.sort(rows[in_test]))
            )
    return folds


def _fold_seed(seed: int, fold: int) -> int:
    return int(np.random.default_rng([seed, fold]).integers(2**31 - 1))


def _search(
    pipeline: Any,
    grid: dict,
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    settings: CVSettings,
    seed: int,
) -> dict[str, Any]:
    """Best hyperparameters by grouped inner CV (a grid with one candidate needs no search)."""
    if all(len(values) == 1 for values in grid.values()):
        return {key: values[0] for key, values in grid.items()}
    n_inner = min(settings.inner_folds, len(np.unique(groups)))
    if n_inner < 2:
        raise ValueError(
            "too few animals in an outer training fold for inner cross-validation; lower "
            "model_evaluation.outer_folds or model_evaluation.conformal.calibration_fraction"
        )
    search = GridSearchCV(
        pipeline,
        grid,
        scoring=settings.inner_scoring,
        cv=_grouped_kfold(n_inner, seed),
        refit=False,
        n_jobs=1,
    )
    search.fit(X, y, groups=groups)
    return search.best_params_


def _fit_outer_fold(
    data: ModelInput, y: np.ndarray, fold: _Fold, spec: dict[str, Any], settings: CVSettings, threads: int
) -> dict[str, Any]:
    """Tune, calibrate and refit one model on one outer training fold; predict its test fold.

    BLAS and OpenMP pools (HistGradientBoosting) are capped at ``threads``: on small folds idle
    OpenMP threads spinning on busy cores otherwise cost more than the fits themselves.
    """
    with threadpool_limits(limits=threads):
        return _fit_outer_fold_limited(data, y, fold, spec, settings, threads)


def _check_disjoint(first: np.ndarray, second: np.ndarray, fold: _Fold, what: str) -> None:
    if np.intersect1d(first, second).size:
        raise AssertionError(
            f"group leakage: repeat {fold.repeat} fold {fold.fold} shares animals between {what}"
        )


def _fit_outer_fold_limited(
    data: ModelInput, y: np.ndarray, fold: _Fold, spec: dict[str, Any], settings: CVSettings, threads: int
) -> dict[str, Any]:
    started = time.perf_counter()
    X, groups = data.X, data.groups
    train, test = fold.train, fold.test
    _check_disjoint(groups[train], groups[test], fold, "train and test")
    pipeline, grid = build_model(spec, settings.preprocessing, threads)
    seed = _fold_seed(fold.seed, fold.fold)

    proper, calibration = train, np.array([], dtype=int)
    if settings.calibration_fraction > 0:
        holdout = GroupShuffleSplit(n_splits=1, test_size=settings.calibration_fraction, random_state=seed)
        proper_pos, calibration_pos = next(holdout.split(X[train], groups=groups[train]))
        proper, calibration = train[proper_pos], train[calibration_pos]
        _check_disjoint(groups[proper], groups[calibration], fold, "fit and calibration")

    best = _search(pipeline, grid, X[proper], y[proper], groups[proper], settings, seed)
    half_width = np.nan
    if len(calibration):
        calibrated = clone(pipeline).set_params(**best).fit(X[proper], y[proper])
        half_width = conformal_quantile(
            np.abs(y[calibration] - calibrated.predict(X[calibration])), settings.alpha
        )
    final = clone(pipeline).set_params(**best).fit(X[train], y[train])
    predicted = final.predict(X[test])
    return {
        "fold": fold,
        "predicted": np.asarray(predicted, dtype=float),
        "half_width": half_width,
        "best_params": best,
        "n_calibration": len(calibration),
        "fit_seconds": time.perf_counter() - started,
    }


def _threads(n_jobs: int, n_tasks: int) -> int:
    """Threads per regressor: one when folds already run in parallel, else all requested cores."""
    workers = joblib.effective_n_jobs(n_jobs)
    return 1 if workers > 1 and n_tasks > 1 else max(1, workers)


def evaluate_model(
    data: ModelInput,
    splits: pd.DataFrame,
    model: str,
    spec: dict[str, Any],
    settings: CVSettings,
    y: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nested grouped CV of one model over every outer fold of every repeat.

    Parameters
    ----------
    data
        Validated model input.
    splits
        Outer fold of each video per repeat (``outer_splits``).
    model
        Name written into the outputs.
    spec
        The model's YAML entry.
    settings
        Inner CV, conformal and parallelism settings.
    y
        ``(n_videos,)`` target to use instead of ``data.y`` (the shuffled control).

    Returns
    -------
    predictions
        One row per video, repeat and model: ``name``, ``group``, ``repeat``, ``fold``, ``model``,
        ``true``, ``predicted``, ``interval_low``, ``interval_high``.
    folds
        One row per outer fold: ``model``, ``repeat``, ``seed``, ``fold``, ``n_train``, ``n_test``,
        ``n_calibration``, ``interval_half_width``, ``best_params`` (JSON), ``fit_seconds``.
    """
    y = data.y if y is None else np.asarray(y, dtype=float)
    folds = _folds(splits)
    threads = _threads(settings.n_jobs, len(folds))
    jobs = (joblib.delayed(_fit_outer_fold)(data, y, fold, spec, settings, threads) for fold in folds)
    runner = joblib.Parallel(n_jobs=settings.n_jobs, return_as="generator")
    results = list(tqdm(runner(jobs), total=len(folds), desc=f"nested CV {model}", leave=False))

    prediction_frames, fold_rows = [], []
    for result in results:
        fold: _Fold = result["fold"]
        predicted, half = result["predicted"], result["half_width"]
        prediction_frames.append(
            pd.DataFrame(
                {
                    "name": data.names[fold.test],
                    "group": data.groups[fold.test],
                    "repeat": fold.repeat,
                    "fold": fold.fold,
                    "model": model,
                    "true": y[fold.test],
                    "predicted": predicted,
                    "interval_low": predicted - half,
                    "interval_high": predicted + half,
                }
            )
        )
        fold_rows.append(
            {
                "model": model,
                "repeat": fold.repeat,
                "seed": fold.seed,
                "fold": fold.fold,
                "n_train": len(fold.train),
                "n_test": len(fold.test),
                "n_calibration": result["n_calibration"],
                "interval_half_width": half,
                "best_params": json.dumps(result["best_params"], sort_keys=True, default=str),
                "fit_seconds": round(result["fit_seconds"], 3),
            }
        )
    fold_table = pd.DataFrame(fold_rows)
    logger.info(
        "Model '%s': %d outer folds in %.1f s of fitting", model, len(folds), fold_table["fit_seconds"].sum()
    )
    return pd.concat(prediction_frames, ignore_index=True), fold_table


def fold_metrics(predictions: pd.DataFrame, folds: pd.DataFrame) -> pd.DataFrame:
    """R², MAE, RMSE and conformal coverage per model, repeat and outer fold.

    Parameters
    ----------
    predictions
        Rows as ``evaluate_model`` returns them (several models allowed).
    folds
        Matching fold rows.

    Returns
    -------
    pd.DataFrame
        ``folds`` plus ``r2``, ``mae``, ``rmse``, ``coverage``.
    """
    rows = []
    for (model, repeat, fold), part in predictions.groupby(["model", "repeat", "fold"], sort=False):
        true, predicted = part["true"].to_numpy(), part["predicted"].to_numpy()
        rows.append(
            {
                "model": model,
                "repeat": repeat,
                "fold": fold,
                "r2": r2_score(true, predicted) if len(part) > 1 and np.ptp(true) > 0 else np.nan,
                "mae": mean_absolute_error(true, predicted),
                "rmse": float(np.sqrt(mean_squared_error(true, predicted))),
                "coverage": coverage(true, part["interval_low"].to_numpy(), part["interval_high"].to_numpy()),
            }
        )
    return folds.merge(pd.DataFrame(rows), on=["model", "repeat", "fold"], how="left")


def shuffled_target(y: np.ndarray, groups: np.ndarray, seed: int) -> np.ndarray:
    """Permute the target across animals, keeping each animal's videos together.

    Every animal receives the labels of another (random) animal, in random order; an animal with
    more videos than its donor reuses the donor's labels cyclically. Labels stay shared within an
    animal (as in the real data) but no longer relate to that animal's behaviour.

    Parameters
    ----------
    y, groups
        ``(n_videos,)`` target and animal of each video.
    seed
        Permutation seed.

    Returns
    -------
    np.ndarray
        ``(n_videos,)`` shuffled target.
    """
    rng = np.random.default_rng(seed)
    unique = np.unique(groups)
    donors = dict(zip(unique, rng.permutation(unique), strict=True))
    shuffled = np.empty_like(y, dtype=float)
    for group in unique:
        rows = np.flatnonzero(groups == group)
        labels = rng.permutation(y[groups == donors[group]])
        shuffled[rows] = labels[np.arange(len(rows)) % len(labels)]
    return shuffled


_SCORERS = {
    "neg_mean_absolute_error": lambda y, p: -np.mean(np.abs(y - p), axis=-1),
    "neg_root_mean_squared_error": lambda y, p: -np.sqrt(np.mean((y - p) ** 2, axis=-1)),
    "r2": lambda y, p: 1 - np.sum((y - p) ** 2, axis=-1) / np.sum((y - np.mean(y)) ** 2),
}


def permutation_scores(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    scoring: str,
    n_repeats: int,
    seed: int,
    max_cells: int = 5_000_000,
) -> np.ndarray:
    """Permutation importance with one ``predict`` call per block of features.

    Same quantity as ``sklearn.inspection.permutation_importance`` (score drop when one column
    is shuffled, averaged over ``n_repeats`` shuffles), but every shuffled copy of the test
    videos is stacked and predicted at once: with hundreds of features and a handful of test
    videos per fold, per-call overhead otherwise dominates.

    Parameters
    ----------
    model
        Fitted regressor.
    X, y
        ``(n_test, n_features)`` test features and ``(n_test,)`` target.
    scoring
        ``neg_mean_absolute_error``, ``neg_root_mean_squared_error`` or ``r2``.
    n_repeats
        Shuffles per feature.
    seed
        Seed of the shuffles.
    max_cells
        Most values in one stacked matrix (bounds memory: 5e6 floats are 40 MB).

    Returns
    -------
    np.ndarray
        ``(n_features,)`` mean score drop.
    """
    if scoring not in _SCORERS:
        raise ValueError(f"model_evaluation.importance.scoring: use one of {list(_SCORERS)}, not {scoring!r}")
    score = _SCORERS[scoring]
    rng = np.random.default_rng(seed)
    n, n_features = X.shape
    baseline = score(y, model.predict(X))
    drops = np.empty(n_features)
    per_block = max(1, max_cells // max(1, n * n_repeats * n_features))
    for start in range(0, n_features, per_block):
        columns = range(start, min(start + per_block, n_features))
        stacked = np.tile(X, (len(columns) * n_repeats, 1))
        for c, column in enumerate(columns):
            for r in range(n_repeats):
                rows = slice((c * n_repeats + r) * n, (c * n_repeats + r + 1) * n)
                stacked[rows, column] = X[rng.permutation(n), column]
        predicted = model.predict(stacked).reshape(len(columns), n_repeats, n)
        drops[start : start + len(columns)] = baseline - score(y, predicted).mean(axis=1)
    return drops


def _fold_importance(
    data: ModelInput,
    fold: _Fold,
    spec: dict[str, Any],
    best: dict[str, Any],
    settings: CVSettings,
    options: dict,
) -> np.ndarray:
    pipeline, _ = build_model(spec, settings.preprocessing, threads=1)
    with threadpool_limits(limits=1):
        fitted = clone(pipeline).set_params(**best).fit(data.X[fold.train], data.y[fold.train])
        return permutation_scores(
            fitted,
            data.X[fold.test],
            data.y[fold.test],
            scoring=str(options.get("scoring", "neg_mean_absolute_error")),
            n_repeats=int(options.get("n_repeats", 5)),
            seed=_fold_seed(fold.seed, fold.fold),
        )


def feature_importance(
    data: ModelInput,
    splits: pd.DataFrame,
    folds: pd.DataFrame,
    spec: dict[str, Any],
    settings: CVSettings,
    options: dict[str, Any],
) -> pd.DataFrame:
    """Permutation importance of one model on its outer test folds.

    The model is refitted on each outer training fold with the hyperparameters the nested CV
    chose there, and its features are permuted in that fold's test videos only.

    Parameters
    ----------
    data, splits, spec, settings
        As for ``evaluate_model``.
    folds
        That model's fold rows (``best_params`` per repeat and fold).
    options
        ``scoring`` (see ``permutation_scores``), ``n_repeats`` (permutations per feature),
        ``cv_repeats`` (how many CV repeats to use; null = all), ``top``.

    Returns
    -------
    pd.DataFrame
        The ``top`` features by mean importance: ``rank``, ``feature``, ``importance_mean``,
        ``importance_std`` (across folds), ``n_folds``.
    """
    cv_repeats = options.get("cv_repeats")
    chosen = [f for f in _folds(splits) if cv_repeats is None or f.repeat < int(cv_repeats)]
    best = {(r.repeat, r.fold): json.loads(r.best_params) for r in folds.itertuples()}
    jobs = (
        joblib.delayed(_fold_importance)(data, f, spec, best[(f.repeat, f.fold)], settings, options)
        for f in chosen
    )
    runner = joblib.Parallel(n_jobs=settings.n_jobs, return_as="generator")
    per_fold = np.vstack(
        list(tqdm(runner(jobs), total=len(chosen), desc="permutation importance", leave=False))
    )
    table = pd.DataFrame(
        {
            "feature": data.feature_names,
            "importance_mean": per_fold.mean(axis=0),
            "importance_std": per_fold.std(axis=0, ddof=1) if len(per_fold) > 1 else np.nan,
            "n_folds": len(per_fold),
        }
    )
    table = table.sort_values("importance_mean", ascending=False).head(int(options.get("top", 20)))
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)
