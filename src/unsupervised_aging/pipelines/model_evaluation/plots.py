"""Figures of the model evaluation (matplotlib ``Figure`` objects, saved by FigureDataset)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from unsupervised_aging.pipelines.model_evaluation.summary import METRICS

LABELS = {"r2": "R²", "mae": "MAE", "rmse": "RMSE"}
_ROLE_COLOURS = {
    "best": "tab:green",
    "shuffled_control": "tab:grey",
    "baseline": "tab:red",
    "model": "tab:blue",
}


def predicted_vs_true(predictions: pd.DataFrame, summary: pd.DataFrame, target: str) -> Figure:
    """One panel per model: every outer-fold prediction against the truth, identity line dashed.

    Parameters
    ----------
    predictions
        Per-video rows (``model``, ``true``, ``predicted``).
    summary
        Per-model summary (panel order and mean R² / MAE in the titles).
    target
        Target name for the axis labels.
    """
    models = summary["model"].tolist()
    columns = min(4, len(models))
    rows = math.ceil(len(models) / columns)
    fig = Figure(figsize=(3.2 * columns, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    low = float(np.nanmin(predictions[["true", "predicted"]].to_numpy()))
    high = float(np.nanmax(predictions[["true", "predicted"]].to_numpy()))
    for ax, row in zip(axes, summary.itertuples(), strict=False):
        part = predictions[predictions["model"] == row.model]
        ax.scatter(
            part["true"], part["predicted"], s=10, alpha=0.5, color=_ROLE_COLOURS.get(row.role, "tab:blue")
        )
        ax.plot([low, high], [low, high], "k--", lw=0.8)
        ax.set_title(f"{row.model}\nR² {row.r2_mean:.2f}, MAE {row.mae_mean:.3g}", fontsize=9)
        ax.set_xlabel(f"true {target}")
        ax.set_ylabel(f"predicted {target}")
    for ax in axes[len(models) :]:
        ax.set_visible(False)
    return fig


def metric_bars(summary: pd.DataFrame) -> Figure:
    """R², MAE and RMSE per model: bars at the mean, error bars at the 95 % CI."""
    fig = Figure(figsize=(4 * len(METRICS), 0.45 * len(summary) + 1.5), layout="constrained")
    axes = fig.subplots(1, len(METRICS), sharey=True)
    positions = np.arange(len(summary))
    colours = [_ROLE_COLOURS.get(role, "tab:blue") for role in summary["role"]]
    for ax, metric in zip(axes, METRICS, strict=True):
        mean = summary[f"{metric}_mean"].to_numpy()
        errors = np.vstack([mean - summary[f"{metric}_ci_low"], summary[f"{metric}_ci_high"] - mean])
        ax.barh(positions, mean, xerr=np.nan_to_num(errors), color=colours, capsize=3)
        ax.set_xlabel(f"{LABELS[metric]} (mean, 95 % CI)")
        ax.axvline(0, color="k", lw=0.6)
    axes[0].set_yticks(positions, summary["model"])
    axes[0].invert_yaxis()
    return fig


def metric_pairs(metrics: pd.DataFrame) -> Figure:
    """R² vs MAE, R² vs RMSE and MAE vs RMSE: one point per model, repeat and outer fold."""
    pairs = [("r2", "mae"), ("r2", "rmse"), ("mae", "rmse")]
    fig = Figure(figsize=(13, 4), layout="constrained")
    axes = fig.subplots(1, len(pairs))
    for ax, (x, y) in zip(axes, pairs, strict=True):
        for model, part in metrics.groupby("model", sort=False):
            ax.scatter(part[x], part[y], s=14, alpha=0.7, label=model)
        ax.set_xlabel(LABELS[x])
        ax.set_ylabel(LABELS[y])
    axes[-1].legend(fontsize=7, loc="best")
    return fig


def importance_bars(importance: pd.DataFrame, model: str) -> Figure:
    """Top features by permutation importance (mean over outer test folds, ± SD across folds)."""
    fig = Figure(figsize=(6, 0.3 * len(importance) + 1.2), layout="constrained")
    ax = fig.subplots()
    positions = np.arange(len(importance))
    ax.barh(positions, importance["importance_mean"], xerr=importance["importance_std"].fillna(0), capsize=2)
    ax.set_yticks(positions, importance["feature"])
    ax.invert_yaxis()
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel("permutation importance (score drop on outer test folds)")
    ax.set_title(f"{model}: top {len(importance)} features", fontsize=10)
    return fig
