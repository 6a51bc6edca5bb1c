"""Plots of feature_engineering's behavioural states: usage by age group and state × syllable emissions."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from unsupervised_aging.pipelines.report.nodes import age_groups

STATE_USAGE = re.compile(r"^state_usage_(\d+)$")


def state_usage_by_age(features: pd.DataFrame, target: str, n_groups: int) -> Figure:
    """Mean share of windows in each behavioural state per age group (bars with the SEM).

    Parameters
    ----------
    features
        One row per video with ``state_usage_<k>`` columns and ``target``.
    target, n_groups
        Grouping column and number of quantile groups.
    """
    columns = sorted((c for c in features.columns if STATE_USAGE.match(c)), key=lambda c: int(c[12:]))
    fig = Figure(figsize=(max(5.0, 1.2 * len(columns)), 3.5))
    ax = fig.subplots()
    if not columns or target not in features:
        ax.text(0.5, 0.5, f"no state_usage_* columns or no '{target}' column", ha="center")
        return fig
    grouped = features[columns].groupby(age_groups(features[target], n_groups), observed=True)
    means, sems = grouped.mean(), grouped.sem().fillna(0.0)
    width = 0.8 / max(len(means), 1)
    x = np.arange(len(columns))
    colours = colormaps["viridis"](np.linspace(0.1, 0.9, len(means)))  # the report's age-group colours
    for i, label in enumerate(means.index):
        bars = means.loc[label]
        ax.bar(x + i * width, bars, width, yerr=sems.loc[label], label=str(label), color=colours[i])
    ax.set_xticks(x + 0.4 - width / 2, [f"state {c.rsplit('_', 1)[1]}" for c in columns])
    ax.set_ylabel("share of windows")
    ax.set_title(f"Behavioural state usage by {target} group (mean ± SEM)")
    ax.legend(title=target, fontsize=8)
    fig.tight_layout()
    return fig


def emission_matrix(emissions: np.ndarray, labels: dict[int, str]) -> Figure:
    """Heatmap of each state's syllable distribution over the vocabulary's syllables.

    Parameters
    ----------
    emissions
        ``(K, S)`` probability of each syllable (frame) in each state.
    labels
        ``{syllable index: tick label}`` of the syllables to show (columns, in this order).
    """
    syllables = [s for s in labels if s < emissions.shape[1]]
    shown = emissions[:, syllables]
    fig = Figure(figsize=(max(6.0, 0.35 * len(syllables) + 2), 1.0 + 0.5 * emissions.shape[0]))
    ax = fig.subplots()
    image = ax.imshow(shown, aspect="auto", cmap="magma")
    ax.set_xticks(np.arange(len(syllables)), [labels[s] for s in syllables], rotation=90, fontsize=8)
    ax.set_yticks(np.arange(emissions.shape[0]), [f"state {k}" for k in range(emissions.shape[0])])
    ax.set_title("Behavioural states: probability of each syllable")
    fig.colorbar(image, ax=ax, label="P(syllable | state)")
    fig.tight_layout()
    return fig
