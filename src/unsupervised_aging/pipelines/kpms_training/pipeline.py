"""Wiring of kpms_training: one independent ``gpu`` fitting node per seed in the parameters."""

from __future__ import annotations

from functools import partial
from typing import Any

from kedro.pipeline import Pipeline, node

from unsupervised_aging.config_values import load_parameters
from unsupervised_aging.kpms.watchdog import WATCHED_TAG
from unsupervised_aging.pipelines.kpms_training.merging import build_syllable_mapping
from unsupervised_aging.pipelines.kpms_training.nodes import (
    build_kpms_config,
    calibrate_kappa,
    compare_models,
    fit_kpms_model,
    fit_pca,
)
from unsupervised_aging.pipelines.kpms_training.plots import (
    plot_fit_progress,
    plot_kappa_scan,
    plot_model_comparison,
)
from unsupervised_aging.pipelines.kpms_training.settings import PARAMETERS_FILE, parse_seeds

PARAMS = "params:kpms_training"


def model_seeds(parameters: dict[str, Any] | None = None) -> list[int]:
    """Seeds to fit, from ``kpms_training.seeds`` in the project's parameters.

    Raises
    ------
    ValueError
        If ``kpms_training.seeds`` is missing, empty or has duplicates.
    """
    parameters = load_parameters() if parameters is None else parameters
    if "seeds" not in (parameters.get("kpms_training") or {}):
        raise ValueError(
            f"kpms_training.seeds is missing from the parameters ({PARAMETERS_FILE} sets it); restore it"
        )
    return list(parse_seeds(parameters["kpms_training"]["seeds"]))


def create_pipeline(**kwargs: Any) -> Pipeline:
    """Build kpms_training with one fitting node per seed (fan-out read from the parameters)."""
    seeds = model_seeds()
    fits = []
    for seed in seeds:
        fits += [
            node(
                partial(fit_kpms_model, seed=seed),
                inputs={
                    "poses": "poses",
                    "training_set": "training_set",
                    "config": "kpms_config",
                    "pca": "kpms_pca",
                    "kappa_scan": "kpms_kappa_scan",
                    "workspace": f"kpms_fit_workspace_{seed}",
                    "params": PARAMS,
                },
                outputs=[f"kpms_model_{seed}", f"kpms_fit_history_{seed}"],
                name=f"fit_kpms_model_seed{seed}",
                tags=["gpu", WATCHED_TAG],
            ),
            node(
                plot_fit_progress,
                f"kpms_fit_history_{seed}",
                f"kpms_fit_progress_plot_{seed}",
                name=f"plot_fit_progress_seed{seed}",
            ),
        ]
    models = [f"kpms_model_{seed}" for seed in seeds]
    return Pipeline(
        [
            node(
                build_kpms_config,
                ["poses", "metadata", "training_set", PARAMS],
                "kpms_config_draft",
                name="build_kpms_config",
            ),
            node(
                fit_pca,
                ["poses", "training_set", "kpms_config_draft", PARAMS],
                ["kpms_pca", "kpms_config_pca", "kpms_pca_variance"],
                name="fit_kpms_pca",
            ),
            node(
                calibrate_kappa,
                ["poses", "training_set", "kpms_config_pca", "kpms_pca", PARAMS],
                ["kpms_kappa_scan", "kpms_config"],
                name="calibrate_kappa",
                tags=[WATCHED_TAG],
            ),
            node(plot_kappa_scan, "kpms_kappa_scan", "kpms_kappa_scan_plot", name="plot_kappa_scan"),
            *fits,
            node(
                compare_models,
                models,
                ["kpms_model_comparison", "kpms_selected_model"],
                name="compare_kpms_models",
            ),
            node(
                plot_model_comparison,
                "kpms_model_comparison",
                "kpms_model_comparison_plot",
                name="plot_model_comparison",
            ),
            node(
                build_syllable_mapping,
                [
                    "kpms_model_comparison",
                    "poses",
                    "kpms_config",
                    "syllable_merge_overrides",
                    PARAMS,
                    *models,
                ],
                "syllable_mapping",
                name="build_syllable_mapping",
            ),
        ],
        tags=["kpms_training"],
    )
