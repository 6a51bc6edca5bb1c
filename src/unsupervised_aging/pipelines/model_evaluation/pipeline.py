"""Wire the model_evaluation pipeline: one nested-CV node per model of the suite, then reports."""

from __future__ import annotations

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from unsupervised_aging.config_values import load_parameters
from unsupervised_aging.pipelines.model_evaluation import nodes
from unsupervised_aging.pipelines.model_evaluation.model_suite import model_names

#: Fallback when no project configuration is found (matches conf/base/parameters_model_evaluation.yml).
DEFAULT_MODELS = (
    "dummy_mean",
    "elastic_net",
    "svr",
    "knn",
    "random_forest",
    "hist_gradient_boosting",
    "catboost",
)
PARAMS = "params:model_evaluation"


def create_pipeline(models: list[str] | None = None, **kwargs) -> Pipeline:
    """Build the pipeline; the suite's model names come from the project's parameters.

    Parameters
    ----------
    models
        Model names to evaluate (one node each); default: the keys of
        ``model_evaluation.models`` in conf (base + local), else ``DEFAULT_MODELS``.

    Returns
    -------
    Pipeline
        Inputs ``features`` and ``params:model_evaluation``; outputs ``cv_splits``,
        ``predictions``, ``metrics``, ``summary``, ``feature_importance`` and four plots.
    """
    if models is None:
        configured = (load_parameters().get("model_evaluation") or {}).get("models")
        models = model_names(configured) if configured else list(DEFAULT_MODELS)
    results = [f"evaluation_result_{name}" for name in models]
    evaluate = [
        Node(
            update_wrapper(partial(nodes.evaluate_model, model=name), nodes.evaluate_model),
            inputs=["evaluation_input", "cv_splits", PARAMS],
            outputs=result,
            name=f"evaluate_{name}",
        )
        for name, result in zip(models, results, strict=True)
    ]
    return Pipeline(
        [
            Node(
                nodes.prepare_model_input,
                ["features", PARAMS],
                "evaluation_input",
                name="prepare_model_input",
            ),
            Node(nodes.make_cv_splits, ["evaluation_input", PARAMS], "cv_splits", name="make_cv_splits"),
            *evaluate,
            Node(
                nodes.select_best_model, [PARAMS, *results], "evaluation_best_model", name="select_best_model"
            ),
            Node(
                nodes.run_shuffled_control,
                ["evaluation_input", "cv_splits", "evaluation_best_model", PARAMS],
                "shuffled_control_result",
                name="run_shuffled_control",
            ),
            Node(
                nodes.collect_results,
                [*results, "shuffled_control_result"],
                ["predictions", "metrics"],
                name="collect_results",
            ),
            Node(
                nodes.summarise_results,
                ["metrics", "predictions", "evaluation_best_model", PARAMS],
                "summary",
                name="summarise_results",
            ),
            Node(
                nodes.compute_feature_importance,
                ["evaluation_input", "cv_splits", "metrics", "evaluation_best_model", PARAMS],
                "feature_importance",
                name="compute_feature_importance",
            ),
            Node(
                nodes.plot_predicted_vs_true,
                ["predictions", "summary", PARAMS],
                "predicted_vs_true_plot",
                name="plot_predicted_vs_true",
            ),
            Node(nodes.plot_metric_bars, "summary", "metric_bars_plot", name="plot_metric_bars"),
            Node(nodes.plot_metric_pairs, "metrics", "metric_pairs_plot", name="plot_metric_pairs"),
            Node(
                nodes.plot_feature_importance,
                "feature_importance",
                "feature_importance_plot",
                name="plot_feature_importance",
            ),
        ],
        tags=["model_evaluation"],
    )
