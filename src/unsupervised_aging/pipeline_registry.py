"""Project pipelines."""

from __future__ import annotations

import importlib

from kedro.pipeline import Pipeline

#: The analysis stages, in workflow order.
STAGES = (
    "preprocessing",
    "kpms_training",
    "kpms_inference",
    "feature_engineering",
    "syllable_atlas",
    "model_evaluation",
)


def _create(name: str) -> Pipeline:
    return importlib.import_module(f"unsupervised_aging.pipelines.{name}.pipeline").create_pipeline()


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Pipelines are listed explicitly rather than with ``find_pipelines``: Kedro 1.7's
    ``find_pipelines`` only imports the folder named by ``--pipeline``, so composite pipelines
    (``analysis``) would not be found.

    Returns
    -------
    dict[str, Pipeline]
        Each stage, ``synthetic_cohort`` and ``report``; ``analysis`` (all stages and the report,
        on whatever ``data/01_raw`` holds) and ``__default__`` (the demo cohort, then ``analysis``).
    """
    pipelines = {name: _create(name) for name in ("synthetic_cohort", *STAGES, "report")}
    analysis = sum((pipelines[name] for name in (*STAGES, "report")), start=Pipeline([]))
    pipelines["analysis"] = analysis
    pipelines["__default__"] = pipelines["synthetic_cohort"] + analysis
    return pipelines
