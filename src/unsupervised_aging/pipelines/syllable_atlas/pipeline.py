"""Wiring of the syllable_atlas pipeline (see ``README.md`` in this folder)."""

from __future__ import annotations

from typing import Any

from kedro.pipeline import Node, Pipeline

from unsupervised_aging.pipelines.syllable_atlas import nodes


def create_pipeline(**kwargs: Any) -> Pipeline:
    """Names table, then trajectories, dendrogram, grid movies and state plots of the selected model."""
    params = "params:syllable_atlas"
    return Pipeline(
        [
            Node(
                nodes.update_syllable_names,
                ["feature_vocabulary", "syllable_names", "kpms_syll_info", "kpms_selected_model"],
                "syllable_names_prefilled",
                name="update_syllable_names",
            ),
            Node(
                nodes.sample_atlas_recordings,
                ["kpms_results", "poses", "kpms_config", "raw_videos", params],
                "syllable_atlas_recordings",
                name="sample_atlas_recordings",
            ),
            Node(
                nodes.plot_syllable_trajectories,
                ["syllable_atlas_recordings", "feature_vocabulary", "syllable_names_prefilled", params],
                ["syllable_trajectory_plots", "syllable_trajectories_plot", "syllable_dendrogram_plot"],
                name="plot_syllable_trajectories",
            ),
            Node(
                nodes.make_grid_movies,
                ["syllable_atlas_recordings", "feature_vocabulary", params],
                ["syllable_grid_movies", "syllable_grid_movie_index"],
                name="make_grid_movies",
            ),
            Node(
                nodes.plot_state_usage_by_age,
                ["features", params],
                "state_usage_by_age_plot",
                name="plot_state_usage_by_age",
            ),
            Node(
                nodes.plot_state_emissions,
                ["behavioural_state_model", "feature_vocabulary", "syllable_names_prefilled"],
                "state_emissions_plot",
                name="plot_state_emissions",
            ),
        ],
        tags="syllable_atlas",
    )
