"""Figures of the model evaluation (matplotlib ``Figure`` objects, saved by FigureDataset).

Each figure has one row of panels per target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from unsupervised_aging.pipelines.model_evaluation.procedure import SELECTED

METRICS = ("r2", "mae", "rmse")
LABELS = {"r2": "R²", "mae": "MAE", "rmse": "RMSE"}
_ROLE_COLOURS = {
    "headline": "tab:green",
    "behaviour_plus_age": "tab:olive",
    "age_baseline": "tab:orange",
    "baseline": "tab:red",
    "model": "tab:blue",
    "feature_set": "tab:purple",
}
#: Panels of ``predicted_vs_true``: the headline and what it is judged against.
_SCATTER_ROLES = ("headline", "behaviour_plus_age", "age_baseline", "baseline")


def _targets(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["target"]))


def predicted_vs_true(predictions: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Per target, one panel per headline / baseline row: out-of-fold predictions against the truth."""
    shown = summary[summary["role"].isin(_SCATTER_ROLES)]
    targets = _targets(shown)
    columns = max(int(shown.groupby("target").size().max()), 1) if len(shown) else 1
    fig = Figure(figsize=(3.2 * columns, 3.2 * max(len(targets), 1)), layout="constrained")
    axes = fig.subplots(max(len(targets), 1), columns, squeeze=False)
    for r, target in enumerate(targets):
        rows = shown[shown["target"] == target]
        for c in range(columns):
            ax = axes[r, c]
            if c >= len(rows):
                ax.set_visible(False)
                continue
            row = rows.iloc[c]
            part = predictions[(predictions["target"] == target) & (predictions["model"] == row["model"])]
            ax.scatter(part["true"], part["predicted"], s=10, alpha=0.5, color=_ROLE_COLOURS[row["role"]])
            low, high = (
                float(part[["true", "predicted"]].min().min()),
                float(part[["true", "predicted"]].max().max()),
            )
            ax.plot([low, high], [low, high], "k--", lw=0.8)
            ax.set_title(f"{row['model']}\nR² {row['r2']:.2f}, MAE {row['mae']:.3g}", fontsize=9)
            ax.set_xlabel(f"true {target}")
            ax.set_ylabel(f"predicted {target}")
    return fig


def metric_bars(summary: pd.DataFrame) -> Figure:
    """Per target: pooled R², MAE, RMSE per model, error bars at the mouse-bootstrap 95 % CI."""
    targets = _targets(summary)
    height = max(summary.groupby("target").size().max(), 1)
    fig = Figure(figsize=(4 * len(METRICS), (0.4 * height + 1.2) * len(targets)), layout="constrained")
    axes = fig.subplots(len(targets), len(METRICS), squeeze=False)
    for r, target in enumerate(targets):
        part = summary[summary["target"] == target]
        positions = np.arange(len(part))
        colours = [_ROLE_COLOURS[role] for role in part["role"]]
        for ax, metric in zip(axes[r], METRICS, strict=True):
            mean = part[metric].to_numpy()
            errors = np.vstack([mean - part[f"{metric}_ci_low"], part[f"{metric}_ci_high"] - mean])
            ax.barh(positions, mean, xerr=np.clip(np.nan_to_num(errors), 0, None), color=colours, capsize=3)
            ax.set_xlabel(f"{target}: pooled {LABELS[metric]} (95 % CI)")
            ax.axvline(0, color="k", lw=0.6)
            ax.set_yticks(positions, part["model"] if metric == METRICS[0] else [""] * len(part))
            ax.invert_yaxis()
    return fig


def metric_pairs(metrics: pd.DataFrame) -> Figure:
    """R² vs MAE, R² vs RMSE and MAE vs RMSE per target: one point per model, repeat and outer fold."""
    pairs = [("r2", "mae"), ("r2", "rmse"), ("mae", "rmse")]
    targets = _targets(metrics)
    fig = Figure(figsize=(13, 4 * len(targets)), layout="constrained")
    axes = fig.subplots(len(targets), len(pairs), squeeze=False)
    for r, target in enumerate(targets):
        part = metrics[metrics["target"] == target]
        for ax, (x, y) in zip(axes[r], pairs, strict=True):
            for model, rows in part.groupby("model", sort=False):
                ax.scatter(rows[x], rows[y], s=14, alpha=0.7, label=model)
            ax.set_xlabel(f"{target}: {LABELS[x]}")
            ax.set_ylabel(LABELS[y])
        axes[r, -1].legend(fontsize=6, loc="best")
    return fig


def permutation_null(null: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Per target: histogram of the headline's pooled MAE on permuted labels, the observed MAE marked."""
    headline = summary[summary["model"] == SELECTED].set_index("target")
    targets = list(headline.index)
    fig = Figure(figsize=(5 * max(len(targets), 1), 3.4), layout="constrained")
    axes = fig.subplots(1, max(len(targets), 1), squeeze=False)[0]
    for ax, target in zip(axes, targets, strict=False):
        values = null.loc[null["target"] == target, "mae"]
        if len(values):
            ax.hist(values, bins=min(30, max(5, len(values) // 3)), color="tab:grey")
        row = headline.loc[target]
        ax.axvline(row["mae"], color="tab:green", lw=2, label="observed (all repeats)")
        ax.set_title(
            f"{target}: p = {row['p_value']:.3g} ({int(row['n_permutations'])} permutations)", fontsize=9
        )
        ax.set_xlabel("pooled MAE of the headline procedure")
        ax.legend(fontsize=7)
    return fig


def feature_sets(summary: pd.DataFrame) -> Figure:
    """Per target: pooled MAE of each feature set with its mouse-bootstrap 95 % CI, headline dashed."""
    sets = summary[summary["role"] == "feature_set"]
    targets = _targets(sets) or _targets(summary)
    fig = Figure(figsize=(5 * max(len(targets), 1), 0.45 * max(len(sets), 2) + 1.5), layout="constrained")
    axes = fig.subplots(1, max(len(targets), 1), squeeze=False)[0]
    for ax, target in zip(axes, targets, strict=False):
        part = sets[sets["target"] == target]
        positions = np.arange(len(part))
        errors = np.vstack([part["mae"] - part["mae_ci_low"], part["mae_ci_high"] - part["mae"]])
        ax.barh(
            positions,
            part["mae"],
            xerr=np.clip(np.nan_to_num(errors), 0, None),
            color="tab:purple",
            capsize=3,
        )
        ax.set_yticks(positions, [m.removeprefix("set_") for m in part["model"]])
        ax.invert_yaxis()
        headline = summary[(summary["target"] == target) & (summary["model"] == SELECTED)]
        if len(headline):
            ax.axvline(headline["mae"].iloc[0], color="tab:green", ls="--", label="headline (full suite)")
            ax.legend(fontsize=7)
        ax.set_xlabel(f"{target}: pooled MAE (95 % CI)")
    return fig


def importance_bars(importance: pd.DataFrame) -> Figure:
    """Per target: top features by permutation importance (mean over outer test folds, ± SD)."""
    targets = _targets(importance)
    height = max(importance.groupby("target").size().max(), 1) if len(importance) else 1
    fig = Figure(figsize=(6 * max(len(targets), 1), 0.3 * height + 1.2), layout="constrained")
    axes = fig.subplots(1, max(len(targets), 1), squeeze=False)[0]
    for ax, target in zip(axes, targets, strict=False):
        part = importance[importance["target"] == target]
        positions = np.arange(len(part))
        ax.barh(positions, part["importance_mean"], xerr=part["importance_std"].fillna(0), capsize=2)
        ax.set_yticks(positions, part["feature"])
        ax.invert_yaxis()
        ax.axvline(0, color="k", lw=0.6)
        ax.set_xlabel("permutation importance (score drop on outer test folds)")
        ax.set_title(f"{target}: headline's top {len(part)} features", fontsize=10)
    return fig
