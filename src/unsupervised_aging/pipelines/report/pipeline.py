"""Wiring of the report: the last node of the default run."""

from __future__ import annotations

from typing import Any

from kedro.pipeline import Pipeline, node

from unsupervised_aging.pipelines.kpms_training.pipeline import model_seeds
from unsupervised_aging.pipelines.report.nodes import build_report, plot_syllable_usage_by_age
from unsupervised_aging.pipelines.report.prediction import FIGURES as PREDICTION_FIGURES
from unsupervised_aging.pipelines.report.syllables import build_syllable_section

#: Plots embedded in the report, in reading order (each is a FigureDataset in the catalog).
FIGURES = (
    "qc_plot",
    "kpms_kappa_scan_plot",
    "kpms_model_comparison_plot",
    "syllable_usage_by_age_plot",
    "mutual_information_plot",
    *PREDICTION_FIGURES,
)


def create_pipeline(**kwargs: Any) -> Pipeline:
    """Build the report pipeline (needs the outputs of every stage)."""
    progress = tuple(f"kpms_fit_progress_plot_{seed}" for seed in model_seeds())
    figures = FIGURES[:3] + progress + FIGURES[3:]
    return Pipeline(
        [
            node(
                plot_syllable_usage_by_age,
                inputs=["features", "params:report"],
                outputs="syllable_usage_by_age_plot",
                name="plot_syllable_usage_by_age",
            ),
            node(
                build_syllable_section,
                inputs={
                    "syllable_names": "syllable_names_prefilled",
                    "vocabulary": "feature_vocabulary",
                    "features": "features",
                    "trajectory_plots": "syllable_trajectory_plots",
                    "grid_movies": "syllable_grid_movies",
                    "dendrogram": "syllable_dendrogram_plot",
                    "state_usage_by_age": "state_usage_by_age_plot",
                    "state_emissions": "state_emissions_plot",
                    "params": "params:report",
                },
                outputs="report_syllable_section",
                name="build_syllable_section",
            ),
            node(
                build_report,
                inputs={
                    "features": "features",
                    "qc_report": "qc_report",
                    "kappa_scan": "kpms_kappa_scan",
                    "model_comparison": "kpms_model_comparison",
                    "summary": "summary",
                    "feature_importance": "feature_importance",
                    "syllable_section": "report_syllable_section",
                    "model_comparisons": "model_comparisons",
                    "coverage_by_age": "coverage_by_age",
                    "params": "params:report",
                    **{name: name for name in figures},
                },
                outputs="report",
                name="build_report",
            ),
        ],
        tags="report",
    )
