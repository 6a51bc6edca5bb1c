"""Wiring of the ``synthetic_cohort`` pipeline."""

from kedro.pipeline import Pipeline, node

from unsupervised_aging.pipelines.synthetic_cohort.nodes import write_demo_cohort


def create_pipeline(**kwargs) -> Pipeline:
    """One node: check ``data/01_raw`` holds only demo files, then write the demo cohort there."""
    return Pipeline(
        [
            node(
                write_demo_cohort,
                inputs=["raw_inventory", "params:synthetic_cohort"],
                outputs=["demo_cohort_manifest", "raw_poses", "raw_metadata"],
                name="write_demo_cohort",
            )
        ]
    )
