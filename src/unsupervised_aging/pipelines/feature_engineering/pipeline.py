"""Wiring of the feature_engineering pipeline (``catalogue.py`` says what each column means)."""

from kedro.pipeline import Node, Pipeline

from unsupervised_aging.pipelines.feature_engineering import nodes


def create_pipeline(**kwargs) -> Pipeline:
    """Vocabulary and state model from the training videos, then features of every video."""
    params = "params:feature_engineering"
    return Pipeline(
        [
            Node(
                nodes.select_vocabulary,
                ["kpms_results", "training_set", "syllable_mapping", params],
                "feature_vocabulary",
                name="select_feature_vocabulary",
            ),
            Node(
                nodes.fit_behavioural_states,
                ["kpms_results", "training_set", "metadata", "feature_vocabulary", params],
                "behavioural_state_model",
                name="fit_behavioural_states",
            ),
            Node(
                nodes.extract_video_features,
                ["kpms_results", "metadata", "feature_vocabulary", "behavioural_state_model", params],
                ["video_features", "mutual_information_curves"],
                name="extract_video_features",
            ),
            Node(
                nodes.assemble_features_table,
                ["metadata", "video_features", "supervised_features", params],
                ["features", "feature_catalogue"],
                name="assemble_features_table",
            ),
            Node(
                nodes.plot_mutual_information,
                "mutual_information_curves",
                "mutual_information_plot",
                name="plot_mutual_information",
            ),
        ],
        tags="feature_engineering",
    )
