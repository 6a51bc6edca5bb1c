"""Report nodes: a syllable-usage-by-age plot and the self-contained HTML run report."""

from __future__ import annotations

import logging
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from unsupervised_aging.pipelines.report import html, prediction

logger = logging.getLogger(__name__)

USAGE_PREFIX = "usage_s"


def age_groups(age: pd.Series, n_groups: int) -> pd.Series:
    """Split ages into ``n_groups`` quantile groups labelled by their week range.

    Parameters
    ----------
    age
        ``(n_videos,)`` ages in weeks.
    n_groups
        Number of groups (fewer when ages repeat too much to split).

    Returns
    -------
    pd.Series
        ``(n_videos,)`` categorical labels such as ``"8–40 wk"``.
    """
    codes = pd.qcut(age, q=n_groups, duplicates="drop")
    labels = {c: f"{c.left:.0f}–{c.right:.0f} wk" for c in codes.cat.categories}
    return codes.map(labels)


def plot_syllable_usage_by_age(features: pd.DataFrame, params: dict[str, Any]) -> Figure:
    """Mean syllable usage per age group (young vs old at a glance).

    Parameters
    ----------
    features
        The features table: one row per video with ``usage_sNN`` columns and the target.
    params
        ``target`` (default ``age``), ``n_age_groups`` (default 3).

    Returns
    -------
    Figure
        Grouped bars: syllables on x, mean frame share per age group.
    """
    target = params.get("target", "age")
    usage_cols = [c for c in features.columns if c.startswith(USAGE_PREFIX)]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.45 * len(usage_cols)), 3.6))
    if not usage_cols or target not in features:
        ax.text(0.5, 0.5, f"no {USAGE_PREFIX}* columns or no '{target}' column", ha="center")
        return fig
    groups = age_groups(features[target], int(params.get("n_age_groups", 3)))
    means = features[usage_cols].groupby(groups, observed=True).mean()
    width = 0.8 / max(len(means), 1)
    x = np.arange(len(usage_cols))
    colours = plt.cm.viridis(np.linspace(0.1, 0.9, len(means)))
    for i, (label, row) in enumerate(means.iterrows()):
        ax.bar(x + i * width, row.to_numpy(), width, label=str(label), color=colours[i])
    ax.set_xticks(x + 0.4 - width / 2, [c.removeprefix("usage_") for c in usage_cols], rotation=90)
    ax.set_ylabel("share of frames")
    ax.set_title(f"Syllable usage by {target} group")
    ax.legend(title=target, fontsize=8)
    return fig


def _overview(features: pd.DataFrame, qc_report: pd.DataFrame, target: str, group: str) -> str:
    items: dict[str, object] = {"videos": len(features)}
    if group in features:
        items["animals"] = features[group].nunique()
    if target in features:
        unit = " (weeks)" if target == "age" else ""
        items[f"{target} range{unit}"] = f"{features[target].min():.0f}–{features[target].max():.0f}"
    if "flagged" in qc_report:
        items["videos flagged by QC"] = int(qc_report["flagged"].astype(bool).sum())
    n_features = len([c for c in features.columns if features[c].dtype.kind in "fi"]) - 1
    items["numeric feature columns"] = n_features
    return html.facts(items)


def _comparison_table(comparison: dict[str, Any]) -> pd.DataFrame:
    models = pd.DataFrame(comparison.get("models", []))
    if "model_name" in models and comparison.get("selected") is not None:
        models["selected"] = np.where(models["model_name"] == comparison["selected"], "✔", "")
    return models


def build_report(
    features: pd.DataFrame,
    qc_report: pd.DataFrame,
    kappa_scan: pd.DataFrame,
    model_comparison: dict[str, Any],
    summary: pd.DataFrame,
    feature_importance: pd.DataFrame,
    syllable_section: str,
    params: dict[str, Any],
    model_comparisons: pd.DataFrame,
    coverage_by_age: pd.DataFrame,
    **figures: bytes,
) -> str:
    """Assemble the self-contained HTML report of a run.

    Parameters
    ----------
    features
        The features table (``n_videos`` rows).
    qc_report
        Preprocessing QC table (per video and keypoint, with a ``flagged`` column).
    kappa_scan
        Kappa calibration table from ``kpms_training``.
    model_comparison
        Expected-marginal-likelihood comparison (``{"selected", "models": [...]}``).
    summary, feature_importance, model_comparisons, coverage_by_age
        model_evaluation's tables (see ``prediction.sections``).
    syllable_section
        HTML of the syllable atlas (:func:`~.syllables.build_syllable_section`).
    params
        ``title``, ``target``, ``group``.
    **figures
        PNG bytes by catalog name; names starting with ``qc_``, ``kpms_``, ``syllable_`` or
        ``mutual_``, and the model-evaluation plots, land in their sections.

    Returns
    -------
    str
        One HTML document with every plot embedded.
    """
    target, group = params.get("target", "age"), params.get("group", "mouse_id")

    def plots(*prefixes: str) -> str:
        chosen = [name for name in figures if name.startswith(prefixes)]
        return "".join(html.figure(figures[name], name.replace("_", " ")) for name in chosen)

    flagged = qc_report[qc_report["flagged"].astype(bool)] if "flagged" in qc_report else qc_report.head(0)
    flagged_table = html.table(flagged, 15) if len(flagged) else "<p>No video is flagged.</p>"
    sections = [
        ("Overview", _overview(features, qc_report, target, group)),
        (
            "Pose quality",
            f"<p>{len(flagged)} of {len(qc_report)} QC rows are flagged (missing or low-confidence "
            "keypoints above the threshold in parameters_preprocessing.yml).</p>"
            + flagged_table
            + plots("qc_"),
        ),
        (
            "keypoint-MoSeq training",
            "<p>Kappa calibration (median syllable duration against the target), the models' "
            "expected marginal likelihoods (higher is better) and each fit's progress.</p>"
            + html.table(kappa_scan)
            + html.table(_comparison_table(model_comparison))
            + plots("kpms_"),
        ),
        ("Syllables", syllable_section + plots("syllable_", "mutual_")),
        *prediction.sections(summary, model_comparisons, coverage_by_age, feature_importance, figures),
    ]
    logger.info("Report with %d embedded plots", len(figures))
    return html.page(params.get("title", "Unsupervised Aging: run report"), sections)
