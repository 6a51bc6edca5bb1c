"""The HTML report embeds every plot, escapes user text and groups ages honestly."""

import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from unsupervised_aging.pipelines.report.nodes import age_groups, build_report, plot_syllable_usage_by_age


def _png(colour: str) -> bytes:
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.set_facecolor(colour)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _features(n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    age = np.linspace(8, 150, n)
    usage = rng.dirichlet(np.ones(3), size=n)
    return pd.DataFrame(
        {
            "name": [f"video <{i}>" for i in range(n)],
            "mouse_id": np.arange(n) // 2,
            "age": age,
            "usage_s00": usage[:, 0],
            "usage_s01": usage[:, 1],
            "usage_s02": usage[:, 2],
        }
    )


def _summary() -> pd.DataFrame:
    """model_evaluation's summary shape: a headline and a dummy row for one target."""
    row = {
        "target": "age", "r2_ci_low": 0.5, "r2_ci_high": 0.9, "mae": 10.0, "mae_ci_low": 8.0,
        "mae_ci_high": 12.0, "rmse": 12.0, "rmse_ci_low": 9.0, "rmse_ci_high": 15.0, "p_value": 0.05,
        "n_permutations": 19,
        "coverage": 0.8, "coverage_nominal": 0.8, "too_few_calibration_mice": False, "fold_seconds": 3.0,
    }  # fmt: skip
    return pd.DataFrame(
        [
            row | {"model": "selected", "role": "headline", "r2": 0.8},
            row | {"model": "dummy_mean", "role": "baseline", "r2": -0.1},
        ]
    )


def test_report_embeds_all_plots_and_escapes_names() -> None:
    features = _features()
    qc = pd.DataFrame({"name": ["<script>alert(1)</script>", "b"], "flagged": [True, False]})
    figures = {"qc_plot": _png("red"), "kpms_kappa_scan_plot": _png("blue"), "metric_bars_plot": _png("k")}
    page = build_report(
        features=features,
        qc_report=qc,
        kappa_scan=pd.DataFrame({"kappa": [1e3, 1e4], "median_duration_ms": [200.0, 420.0]}),
        model_comparison={"selected": "m1", "models": [{"model_name": "m1", "score": 1.0}]},
        summary=_summary(),
        feature_importance=pd.DataFrame({"target": ["age"], "feature": ["usage_s00"], "importance": [0.2]}),
        syllable_section="<p>the syllable atlas</p>",
        params={"title": "Demo & test"},
        model_comparisons=pd.DataFrame(columns=["target", "comparison"]),
        coverage_by_age=pd.DataFrame(columns=["target"]),
        **figures,
    )
    assert page.count("data:image/png;base64,") == len(figures)
    for png in figures.values():
        assert base64.b64encode(png).decode() in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Demo &amp; test" in page and "Predicting age" in page and "dummy_mean" in page
    assert "videos flagged by QC" in page
    assert "<p>the syllable atlas</p>" in page


def test_age_groups_split_by_quantiles() -> None:
    groups = age_groups(pd.Series(np.arange(9, dtype=float)), 3)
    assert groups.nunique() == 3
    assert groups.value_counts().tolist() == [3, 3, 3]


def test_usage_plot_draws_one_bar_per_syllable_and_group() -> None:
    fig = plot_syllable_usage_by_age(_features(), {"n_age_groups": 3})
    assert len(fig.axes[0].patches) == 3 * 3
    plt.close(fig)


def test_report_says_when_no_video_is_flagged_and_keeps_summary_readable() -> None:
    page = build_report(
        features=_features(),
        qc_report=pd.DataFrame({"name": ["a", "b"], "flagged": [False, False]}),
        kappa_scan=pd.DataFrame({"kappa": [1e4]}),
        model_comparison={"models": []},
        summary=_summary(),
        feature_importance=pd.DataFrame(),
        syllable_section="",
        params={},
        model_comparisons=pd.DataFrame(columns=["target", "comparison"]),
        coverage_by_age=pd.DataFrame(columns=["target"]),
    )
    assert "No video is flagged." in page
    assert "fold_seconds" not in page and "pooled R²" in page
