"""Figures of kpms_training: kappa scan, fitting progress, model comparison."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def plot_kappa_scan(scan: pd.DataFrame) -> Figure:
    """Median syllable duration against kappa (log x), target line, selected kappa marked."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    rows = scan.sort_values("kappa")
    ax.plot(rows["kappa"], rows["median_duration_ms"], "o-", label="AR-HMM scan fits")
    chosen = rows[rows["selected"].astype(bool)]
    ax.plot(chosen["kappa"], chosen["median_duration_ms"], "r*", markersize=14, label="selected")
    ax.axhline(float(rows["target_ms"].iloc[0]), color="grey", linestyle="--", label="target")
    ax.set(xscale="log", xlabel="kappa", ylabel="median syllable duration (ms)", title="Kappa calibration")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_fit_progress(history: pd.DataFrame) -> Figure:
    """Log-likelihood and median syllable duration per saved iteration, AR and full phases."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for phase, rows in history.groupby("phase", sort=False):
        axes[0].plot(rows["iteration"], rows["log_likelihood"], "o-", label=phase)
        axes[1].plot(rows["iteration"], rows["median_duration_ms"], "o-", label=phase)
    axes[0].set(xlabel="iteration", ylabel="log-likelihood", title="Model log-likelihood")
    axes[1].set(xlabel="iteration", ylabel="median duration (ms)", title="Syllable duration")
    axes[0].legend(frameon=False, title="phase")
    fig.tight_layout()
    return fig


def plot_model_comparison(comparison: dict[str, Any]) -> Figure:
    """Expected marginal likelihood (± standard error) per model; the selected one highlighted."""
    models = comparison["models"]
    names = [m["model_name"] for m in models]
    scores = np.array([np.nan if m["score"] is None else m["score"] for m in models], dtype=float)
    errors = np.array(
        [0.0 if m["standard_error"] is None else m["standard_error"] for m in models], dtype=float
    )
    colors = ["tab:red" if n == comparison["selected"] else "tab:blue" for n in names]
    fig, ax = plt.subplots(figsize=(max(3.5, 1.2 * len(names)), 3.5))
    ax.bar(names, np.nan_to_num(scores), yerr=errors, color=colors)
    ax.set(
        ylabel="expected marginal log-likelihood",
        title=f"Model comparison (selected {comparison['selected']})",
    )
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    return fig
