"""The selection-aware procedure inside one outer fold: inner CV over the whole suite, refit, CV+.

Inside one outer training fold, grouped inner folds (by mouse) score every candidate — every
model of the suite with every point of its grid — on the same out-of-fold predictions. The
headline ("selected") is the candidate with the best inner score; each model's own best candidate
gives the per-model rows (chosen after the fact when compared across models). The chosen candidates
are refitted on the whole outer training fold for the point predictions; their grouped CV+
intervals (``conformal.cv_plus``) reuse the inner fold models, so no data is set aside.
Nothing here ever sees the outer test fold except ``predict``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, ParameterGrid
from threadpoolctl import threadpool_limits

from unsupervised_aging.pipelines.model_evaluation.conformal import cv_plus
from unsupervised_aging.pipelines.model_evaluation.model_suite import build_model

#: Name of the headline procedure's rows in every output.
SELECTED = "selected"


@dataclass(frozen=True)
class Candidate:
    """One model of the suite at one point of its grid (``params`` use pipeline-level keys)."""

    model: str
    params: dict[str, Any]
    pipeline: Any


def candidates(
    suite: dict[str, dict[str, Any]], preprocessing: dict[str, Any], threads: int
) -> list[Candidate]:
    """Every (model, grid point) of ``suite``, as unfitted pipelines."""
    out = []
    for name, spec in suite.items():
        pipeline, grid = build_model(spec, preprocessing, threads)
        for params in ParameterGrid(grid):
            out.append(Candidate(name, dict(params), clone(pipeline).set_params(**params)))
    return out


def grouped_kfold(n_splits: int, seed: int) -> GroupKFold:
    """sklearn's GroupKFold with groups shuffled by ``seed``."""
    return GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)


def score(true: np.ndarray, predicted: np.ndarray, metric: str) -> float:
    """``metric`` (mae, rmse or r2) of ``(n,)`` predictions, as a loss: lower is better."""
    error = true - predicted
    if metric == "mae":
        return float(np.mean(np.abs(error)))
    if metric == "rmse":
        return float(np.sqrt(np.mean(error**2)))
    return float(np.sum(error**2) / np.sum((true - true.mean()) ** 2)) - 1.0  # -R²


@dataclass
class FoldResult:
    """What one outer fold yields, per model name (``SELECTED`` for the headline).

    ``test``/``train`` hold ``(n_test,)``/``(n_train,)`` predictions of the refitted models,
    ``low``/``high`` the ``(n_test,)`` CV+ bounds (absent without intervals).
    """

    chosen: dict[str, Candidate]
    inner_loss: dict[str, float]
    test: dict[str, np.ndarray] = field(default_factory=dict)
    train: dict[str, np.ndarray] = field(default_factory=dict)
    low: dict[str, np.ndarray] = field(default_factory=dict)
    high: dict[str, np.ndarray] = field(default_factory=dict)
    n_calibration_mice: int = 0
    fit_seconds: float = 0.0


def run_fold(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    pool: list[Candidate],
    *,
    metric: str,
    inner_folds: int,
    seed: int,
    selectable: set[str],
    per_model: bool,
    alpha: float | None,
    threads: int = 1,
) -> FoldResult:
    """Choose, refit and predict inside one outer fold.

    Parameters
    ----------
    X, y, groups
        ``(n_videos, n_features)``, ``(n_videos,)``, ``(n_videos,)`` for the whole table.
    train, test
        Row indices of the outer fold (disjoint in mice: asserted).
    pool
        The candidates (``candidates``).
    metric
        Inner-CV loss choosing the candidate (``score``).
    inner_folds
        Grouped inner folds (fewer when the training fold has fewer mice).
    seed
        Shuffles the mice of the inner folds.
    selectable
        Models the headline may choose (baselines excluded).
    per_model
        Also refit each model's own best candidate (the per-model rows); else only the headline.
    alpha
        CV+ miscoverage, or None for no intervals.
    threads
        BLAS/OpenMP threads of the fits.
    """
    if np.intersect1d(groups[train], groups[test]).size:
        raise AssertionError("group leakage: an outer training and test fold share a mouse")
    started = time.perf_counter()
    with threadpool_limits(limits=threads):
        n_inner = min(inner_folds, len(np.unique(groups[train])))
        if n_inner < 2:
            raise ValueError(
                "an outer training fold has fewer than 2 mice; lower model_evaluation.outer_folds"
            )
        oof = np.empty((len(train), len(pool)))
        at_test = np.empty((n_inner, len(test), len(pool)))
        inner_fold = np.empty(len(train), dtype=int)
        splitter = grouped_kfold(n_inner, seed)
        for k, (fit_pos, held_pos) in enumerate(splitter.split(X[train], groups=groups[train])):
            inner_fold[held_pos] = k
            fit_rows, held_rows = train[fit_pos], train[held_pos]
            for c, candidate in enumerate(pool):
                model = clone(candidate.pipeline).fit(X[fit_rows], y[fit_rows])
                oof[held_pos, c] = model.predict(X[held_rows])
                at_test[k, :, c] = model.predict(X[test])
        losses = np.array([score(y[train], oof[:, c], metric) for c in range(len(pool))])
        best: dict[str, int] = {}
        for c, candidate in enumerate(pool):
            if candidate.model not in best or losses[c] < losses[best[candidate.model]]:
                best[candidate.model] = c
        choosable = [c for c in best.values() if pool[c].model in selectable]
        headline = min(choosable, key=lambda c: losses[c])
        chosen = {SELECTED: headline} | (best if per_model else {})
        result = FoldResult(
            chosen={name: pool[c] for name, c in chosen.items()},
            inner_loss={name: float(losses[c]) for name, c in chosen.items()},
            n_calibration_mice=len(np.unique(groups[train])),
        )
        refits: dict[int, Any] = {}
        for name, c in chosen.items():
            if c not in refits:
                refits[c] = clone(pool[c].pipeline).fit(X[train], y[train])
            result.test[name] = np.asarray(refits[c].predict(X[test]), dtype=float)
            result.train[name] = np.asarray(refits[c].predict(X[train]), dtype=float)
            if alpha is not None:
                result.low[name], result.high[name] = cv_plus(
                    at_test[:, :, c], inner_fold, np.abs(y[train] - oof[:, c]), groups[train], alpha
                )
    result.fit_seconds = time.perf_counter() - started
    return result
