"""Figures of the feature_engineering pipeline (catalog files; see catalog_feature_engineering.yml)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure


def plot_mutual_information(mi_curves: pd.DataFrame) -> Figure:
    """Median (and interquartile band) across videos of the real and surrogate MI curves.

    Parameters
    ----------
    mi_curves
        Long format: ``name``, ``lag_s``, ``mi_bits``, ``mi_surrogate_bits``.
    """
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for column, label, colour in (
        ("mi_bits", "syllables", "C0"),
        ("mi_surrogate_bits", "Markov surrogate", "C1"),
    ):
        grouped = mi_curves.groupby("lag_s")[column]
        quartiles = grouped.quantile([0.25, 0.5, 0.75]).unstack()
        ax.plot(quartiles.index, quartiles[0.5], color=colour, label=label)
        ax.fill_between(quartiles.index, quartiles[0.25], quartiles[0.75], color=colour, alpha=0.25)
    ax.set_xscale("log")
    ax.set_xlabel("lag (s)")
    ax.set_ylabel("mutual information (bits)")
    ax.set_title(f"Lagged mutual information, {mi_curves['name'].nunique()} videos (median, IQR)")
    ax.legend()
    fig.tight_layout()
    return fig
