"""Outer folds grouped by animal (one CV repeat per seed), their metrics, and permutation importance.

Outer folds (grouped K-fold, one shuffle of the mice per seed) give the estimate; what happens
inside each outer fold is ``procedure.run_fold``. No animal is ever in both the data a step is
fitted on and the data it is scored on (asserted here and there).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.base import clone
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from unsupervised_aging.pipelines.model_evaluation.conformal import covered
from unsupervised_aging.pipelines.model_evaluation.model_input import ModelInput
from unsupervised_aging.pipelines.model_evaluation.model_suite import build_model
from unsupervised_aging.pipelines.model_evaluation.procedure import grouped_kfold

logger = logging.getLogger(__name__)


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
        for k, (_, test) in enumerate(grouped_kfold(n_folds, int(seed)).split(names, groups=groups)):
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
class Fold:
    """One outer fold: its repeat, seed, index and ``(n,)`` training and test row indices."""

    repeat: int
    seed: int
    fold: int
    train: np.ndarray
    test: np.ndarray


def folds_of(splits: pd.DataFrame) -> list[Fold]:
    """The outer folds of (part of) a ``cv_splits`` table, in repeat and fold order."""
    folds = []
    for (repeat, seed), part in splits.groupby(["repeat", "seed"], sort=True):
        rows = part["row"].to_numpy()
        for fold in sorted(part["fold"].unique()):
            in_test = part["fold"].to_numpy() == fold
            folds.append(
                Fold(int(repeat), int(seed), int(fold), np.sort(rows[~in_test]), np.sort(rows[in_test]))
            )
    return folds


def fold_seed(seed: int, fold: int) -> int:
    """Seed of everything random inside outer fold ``fold`` of the repeat seeded ``seed``."""
    return int(np.random.default_rng([seed, fold]).integers(2**31 - 1))


def fold_metrics(predictions: pd.DataFrame, folds: pd.DataFrame) -> pd.DataFrame:
    """Per-fold R², MAE, RMSE and interval coverage, joined to the fold rows.

    Parameters
    ----------
    predictions
        Out-of-fold rows (``target``, ``model``, ``repeat``, ``fold``, ``true``, ``predicted``,
        ``interval_low``, ``interval_high``).
    folds
        Matching fold rows (``evaluation.evaluate_repeat``).

    Returns
    -------
    pd.DataFrame
        ``folds`` plus ``r2`` (scored against the fold's own mean: noisy with few mice per fold),
        ``mae``, ``rmse``, ``coverage``.
    """
    keys = ["target", "model", "repeat", "fold"]
    rows = []
    for key, part in predictions.groupby(keys, sort=False):
        true, predicted = part["true"].to_numpy(), part["predicted"].to_numpy()
        error = true - predicted
        spread = np.sum((true - true.mean()) ** 2)
        low, high = part["interval_low"].to_numpy(), part["interval_high"].to_numpy()
        rows.append(
            dict(zip(keys, key, strict=True))
            | {
                "r2": 1 - np.sum(error**2) / spread if spread > 0 else np.nan,
                "mae": float(np.mean(np.abs(error))),
                "rmse": float(np.sqrt(np.mean(error**2))),
                "coverage": float(covered(true, low, high).mean()) if not np.isnan(low).all() else np.nan,
            }
        )
    return folds.merge(pd.DataFrame(rows), on=keys, how="left")


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
    fold: Fold,
    spec: dict[str, Any],
    params: dict[str, Any],
    preprocessing: dict,
    options: dict,
) -> np.ndarray:
    pipeline, _ = build_model(spec, preprocessing, threads=1)
    with threadpool_limits(limits=1):
        fitted = clone(pipeline).set_params(**params).fit(data.X[fold.train], data.y[fold.train])
        return permutation_scores(
            fitted,
            data.X[fold.test],
            data.y[fold.test],
            scoring=str(options["scoring"]),
            n_repeats=int(options["n_repeats"]),
            seed=fold_seed(fold.seed, fold.fold),
        )


def feature_importance(
    data: ModelInput,
    splits: pd.DataFrame,
    chosen: pd.DataFrame,
    models: dict[str, dict[str, Any]],
    preprocessing: dict[str, Any],
    options: dict[str, Any],
    n_jobs: int,
) -> pd.DataFrame:
    """Permutation importance of the headline procedure on its outer test folds.

    In each outer fold the candidate the procedure chose there (model and parameters) is refitted on
    the outer training fold and its features are permuted in that fold's test videos only.

    Parameters
    ----------
    data
        Model input of one target.
    splits
        Its outer folds (``cv_splits`` rows of the target).
    chosen
        The headline's fold rows (``repeat``, ``fold``, ``chosen_model``, ``chosen_params``).
    models
        The suite's YAML entries.
    preprocessing
        Suite-wide preprocessing.
    options
        ``scoring`` (see ``permutation_scores``), ``n_repeats`` (permutations per feature),
        ``cv_repeats`` (CV repeats used), ``top``.
    n_jobs
        Folds in parallel.

    Returns
    -------
    pd.DataFrame
        The ``top`` features by mean importance: ``rank``, ``feature``, ``importance_mean``,
        ``importance_std`` (across folds), ``n_folds``.
    """
    picked = [f for f in folds_of(splits) if f.repeat < int(options["cv_repeats"])]
    by_fold = {(r.repeat, r.fold): r for r in chosen.itertuples()}
    jobs = []
    for f in picked:
        row = by_fold[(f.repeat, f.fold)]
        spec = models[row.chosen_model]
        jobs.append(
            joblib.delayed(_fold_importance)(
                data, f, spec, json.loads(row.chosen_params), preprocessing, options
            )
        )
    runner = joblib.Parallel(n_jobs=n_jobs, return_as="generator")
    per_fold = np.vstack(
        list(tqdm(runner(jobs), total=len(jobs), desc="permutation importance", leave=False))
    )
    table = pd.DataFrame(
        {
            "feature": data.feature_names,
            "importance_mean": per_fold.mean(axis=0),
            "importance_std": per_fold.std(axis=0, ddof=1) if len(per_fold) > 1 else np.nan,
            "n_folds": len(per_fold),
        }
    )
    table = table.sort_values("importance_mean", ascending=False).head(int(options["top"]))
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)
