"""Project pipelines."""

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

#: The five analysis stages, in workflow order. ``analysis`` runs them on whatever
#: ``data/01_raw`` holds; ``__default__`` first writes the synthetic demo cohort there.
STAGES = ("preprocessing", "kpms_training", "kpms_inference", "feature_engineering", "model_evaluation")


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Returns
    -------
    dict[str, Pipeline]
        One entry per folder in ``pipelines/``, plus ``analysis`` (all stages, and the
        report when present) and ``__default__`` (the demo cohort followed by ``analysis``).
    """
    pipelines = find_pipelines(raise_errors=True)
    analysis = sum((pipelines[name] for name in STAGES if name in pipelines), start=Pipeline([]))
    if "report" in pipelines:
        analysis += pipelines["report"]
    pipelines["analysis"] = analysis
    pipelines["__default__"] = pipelines.get("synthetic_cohort", Pipeline([])) + analysis
    return pipelines
