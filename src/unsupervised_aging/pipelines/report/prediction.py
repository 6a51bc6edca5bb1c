"""The report's prediction sections: one per target, then the evaluation's plots.

Each target's section leads with the selection-aware headline (pooled R², MAE, RMSE with
mouse-bootstrap CIs, the permutation p-value), then the baselines it is judged against, the paired
tests, the feature-set comparison, the interval coverage per age group and the per-model rows
(chosen after the fact, so flagged as such).
"""

from __future__ import annotations

import pandas as pd

from unsupervised_aging.pipelines.model_evaluation.permutation import EVIDENCE_LEVEL, smallest_p_value
from unsupervised_aging.pipelines.report import html

#: Plots of model_evaluation embedded in the prediction section, in reading order.
FIGURES = (
    "predicted_vs_true_plot",
    "metric_bars_plot",
    "permutation_null_plot",
    "feature_set_plot",
    "metric_pairs_plot",
    "feature_importance_plot",
)
_POOLED = [
    "model", "role", "r2", "r2_ci_low", "r2_ci_high", "mae", "mae_ci_low", "mae_ci_high",
    "rmse", "rmse_ci_low", "rmse_ci_high", "p_value", "coverage", "coverage_nominal", "train_mae",
]  # fmt: skip
_JUDGED_AGAINST = ("headline", "behaviour_plus_age", "age_baseline", "baseline")


def _ci(row: pd.Series, metric: str) -> str:
    return f"{row[metric]:.3g} [{row[f'{metric}_ci_low']:.3g}, {row[f'{metric}_ci_high']:.3g}]"


def _columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[[c for c in columns if c in frame.columns]]


def _headline(row: pd.Series) -> str:
    p = (
        "not run"
        if not row["n_permutations"]
        else f"{row['p_value']:.3g} ({int(row['n_permutations'])} permutations)"
    )
    items = {
        "pooled R² [95 % CI]": _ci(row, "r2"),
        "MAE [95 % CI]": _ci(row, "mae"),
        "RMSE [95 % CI]": _ci(row, "rmse"),
        "permutation p": p,
        f"coverage of {row['coverage_nominal']:.0%} intervals": f"{row['coverage']:.0%}",
    }
    notes = []
    if row["too_few_calibration_mice"]:
        notes.append(
            "Too few calibration mice per fold for the requested interval level: some intervals are "
            "unbounded."
        )
    n_permutations = int(row["n_permutations"])
    if n_permutations and smallest_p_value(n_permutations) > EVIDENCE_LEVEL:
        notes.append(
            f"With {n_permutations} permutations the smallest possible p-value is "
            f"{smallest_p_value(n_permutations):.2g}: raise model_evaluation.permutation.n_permutations "
            "(conf/study uses 1000) before reading it as evidence."
        )
    return html.facts(items) + "".join(f'<p class="note">{note}</p>' for note in notes)


def target_section(
    target: str,
    summary: pd.DataFrame,
    comparisons: pd.DataFrame,
    coverage: pd.DataFrame,
    importance: pd.DataFrame,
) -> tuple[str, str]:
    """``(heading, html)`` of one target's prediction section."""
    rows = summary[summary["target"] == target]
    headline = rows[rows["role"] == "headline"]
    body = (
        "<p>The headline is a <b>procedure</b>: inside every outer training fold, grouped inner folds "
        "choose one model and its hyperparameters from the whole suite, and only then is the outer "
        "test fold predicted; its scores are pooled over all out-of-fold videos (CIs: mice resampled "
        "with replacement). The p-value permutes labels between mice and reruns the whole procedure. "
        "No mouse is ever in both training and test data.</p>"
    )
    if len(headline):
        body += _headline(headline.iloc[0])
    body += "<h3>Against baselines</h3>" + html.table(
        _columns(rows[rows["role"].isin(_JUDGED_AGAINST)], _POOLED)
    )
    tests = comparisons[(comparisons["target"] == target) & (comparisons["comparison"] != "feature sets")]
    if len(tests):
        body += (
            '<p class="note">Paired corrected resampled t-tests (Nadeau–Bengio) on the outer folds: '
            "<code>difference</code> is the MAE of <code>versus</code> minus that of <code>model</code> "
            "(positive: <code>model</code> is better). <i>behaviour gain over age</i> compares behaviour "
            "+ age with age alone.</p>" + html.table(tests.drop(columns=["target"]))
        )
    sets = rows[rows["role"] == "feature_set"]
    if len(sets):
        set_tests = comparisons[
            (comparisons["target"] == target) & (comparisons["comparison"] == "feature sets")
        ]
        body += (
            "<h3>Feature sets</h3>"
            + html.table(_columns(sets, _POOLED))
            + html.table(set_tests.drop(columns=["target"]))
        )
    by_age = coverage[coverage["target"] == target]
    if len(by_age):
        body += "<h3>Interval coverage per age group</h3>" + html.table(by_age.drop(columns=["target"]))
    models = rows[rows["role"] == "model"]
    if len(models):
        body += (
            '<h3>Each model on its own (chosen after the fact)</h3><p class="note">Each model\'s own '
            "nested CV. Picking the best of these rows afterwards is optimistic: quote the headline.</p>"
            + html.table(_columns(models, _POOLED))
        )
    top = importance[importance["target"] == target] if "target" in importance else importance.head(0)
    if len(top):
        body += "<h3>Top features of the headline</h3>" + html.table(top.drop(columns=["target"]), 20)
    return f"Predicting {target}", body


def sections(
    summary: pd.DataFrame,
    comparisons: pd.DataFrame,
    coverage: pd.DataFrame,
    importance: pd.DataFrame,
    figures: dict[str, bytes],
) -> list[tuple[str, str]]:
    """The prediction sections of the report: one per target of ``summary``, then the plots.

    Parameters
    ----------
    summary, comparisons, coverage, importance
        model_evaluation's ``summary``, ``model_comparisons``, ``coverage_by_age`` and
        ``feature_importance`` tables.
    figures
        PNG bytes by catalog name (those of ``FIGURES`` present are embedded).
    """
    targets = list(dict.fromkeys(summary["target"])) if "target" in summary else []
    out = [target_section(t, summary, comparisons, coverage, importance) for t in targets]
    plots = "".join(html.figure(figures[name], name.replace("_", " ")) for name in FIGURES if name in figures)
    out.append(
        (
            "Prediction plots",
            plots + '<p class="note">All tables are in data/08_reporting/ (summary.csv, …).</p>',
        )
    )
    return out


def page(
    summary: pd.DataFrame,
    comparisons: pd.DataFrame,
    coverage: pd.DataFrame,
    importance: pd.DataFrame,
    **figures: bytes,
) -> str:
    """The prediction sections alone, as one self-contained HTML page.

    ``kedro run --pipeline model_evaluation`` writes it for a features table of any origin (the run
    report needs every stage); the arguments are those of :func:`sections`, figures by catalog name.
    """
    targets = ", ".join(dict.fromkeys(summary["target"])) if "target" in summary else "no target"
    return html.page(
        f"Unsupervised Aging: prediction of {targets}",
        sections(summary, comparisons, coverage, importance, figures),
    )
