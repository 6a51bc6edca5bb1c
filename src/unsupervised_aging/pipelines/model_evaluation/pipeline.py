"""Wire the model_evaluation pipeline: one node per CV repeat and per permutation chunk, then reports.

The fan-out (seeds, permutation chunks, whether a feature catalogue is read) is read from the
project's parameters when the pipeline is created (``config_values.load_parameters``), so
kedro-viz shows it and the SlurmRunner can send the heavy nodes (tag ``HEAVY``) to a cluster.
"""

from __future__ import annotations

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from unsupervised_aging.config_values import load_parameters
from unsupervised_aging.pipelines.model_evaluation import nodes
from unsupervised_aging.pipelines.model_evaluation.settings import load_settings
from unsupervised_aging.pipelines.report import prediction

PARAMS = "params:model_evaluation"
#: Tag of the nodes that do the fitting (a SlurmRunner profile in conf/study/slurm.yml).
HEAVY = "model_evaluation_heavy"


def _bound(func, **kwargs):
    return update_wrapper(partial(func, **kwargs), func)


def create_pipeline(
    seeds: list[int] | None = None, n_chunks: int | None = None, use_catalogue: bool | None = None, **kwargs
) -> Pipeline:
    """Build the pipeline; its shape comes from the project's parameters unless given here.

    Parameters
    ----------
    seeds
        One ``evaluate_repeat_seed<seed>`` node each (default: ``model_evaluation.seeds``).
    n_chunks
        ``run_permutations_<i>`` nodes (default: from ``model_evaluation.permutation``).
    use_catalogue
        Read the ``feature_catalogue`` for family-based feature sets (default:
        ``model_evaluation.feature_sets.use_catalogue``).

    Returns
    -------
    Pipeline
        Inputs ``features`` (and ``feature_catalogue``) and ``params:model_evaluation``; outputs
        ``cv_splits``, ``evaluation_plan``, ``predictions``, ``train_predictions``, ``metrics``,
        ``permutation_null``, ``summary``, ``model_comparisons``, ``coverage_by_age``,
        ``feature_importance`` and six plots.
    """
    if seeds is None or n_chunks is None or use_catalogue is None:
        settings = load_settings(load_parameters()["model_evaluation"])
        seeds = list(settings.seeds) if seeds is None else seeds
        n_chunks = settings.permutation.n_chunks if n_chunks is None else n_chunks
        use_catalogue = settings.use_feature_catalogue if use_catalogue is None else use_catalogue
    shared = ["evaluation_input", "cv_splits", PARAMS]
    repeats = [f"evaluation_repeat_{seed}" for seed in seeds]
    chunks = [f"permutation_chunk_{i}" for i in range(n_chunks)]
    heavy = [
        Node(
            _bound(nodes.evaluate_repeat, repeat=repeat),
            shared,
            output,
            name=f"evaluate_repeat_seed{seed}",
            tags=[HEAVY],
        )
        for repeat, (seed, output) in enumerate(zip(seeds, repeats, strict=True))
    ] + [
        Node(
            _bound(nodes.run_permutations, chunk=i),
            shared,
            output,
            name=f"run_permutations_{i}",
            tags=[HEAVY],
        )
        for i, output in enumerate(chunks)
    ]
    prepare_inputs = ["features", PARAMS, *(["feature_catalogue"] if use_catalogue else [])]
    return Pipeline(
        [
            Node(nodes.prepare_inputs, prepare_inputs, "evaluation_input", name="prepare_model_input"),
            Node(
                nodes.plan_evaluation,
                ["evaluation_input", PARAMS],
                ["cv_splits", "evaluation_plan"],
                name="plan_evaluation",
            ),
            *heavy,
            Node(
                nodes.collect_results,
                repeats,
                ["predictions", "train_predictions", "metrics"],
                name="collect_results",
            ),
            Node(nodes.collect_permutations, chunks or None, "permutation_null", name="collect_permutations"),
            Node(
                nodes.summarise_results,
                ["predictions", "train_predictions", "metrics", "permutation_null", PARAMS],
                ["summary", "model_comparisons", "coverage_by_age"],
                name="summarise_results",
            ),
            Node(
                nodes.compute_feature_importance,
                ["evaluation_input", "cv_splits", "metrics", PARAMS],
                "feature_importance",
                name="compute_feature_importance",
                tags=[HEAVY],
            ),
            Node(
                nodes.plot_predicted_vs_true,
                ["predictions", "summary"],
                "predicted_vs_true_plot",
                name="plot_predicted_vs_true",
            ),
            Node(nodes.plot_metric_bars, "summary", "metric_bars_plot", name="plot_metric_bars"),
            Node(nodes.plot_metric_pairs, "metrics", "metric_pairs_plot", name="plot_metric_pairs"),
            Node(
                nodes.plot_permutation_null,
                ["permutation_null", "summary"],
                "permutation_null_plot",
                name="plot_permutation_null",
            ),
            Node(nodes.plot_feature_sets, "summary", "feature_set_plot", name="plot_feature_sets"),
            Node(
                nodes.plot_feature_importance,
                "feature_importance",
                "feature_importance_plot",
                name="plot_feature_importance",
            ),
            Node(
                prediction.page,
                {
                    "summary": "summary",
                    "comparisons": "model_comparisons",
                    "coverage": "coverage_by_age",
                    "importance": "feature_importance",
                    **{name: name for name in prediction.FIGURES},
                },
                "prediction_report",
                name="build_prediction_report",
            ),
        ],
        tags=["model_evaluation"],
    )
