"""Pipeline ``synthetic_cohort``: write the demo cohort's JABS pose files and metadata into data/01_raw."""

from unsupervised_aging.pipelines.synthetic_cohort.pipeline import create_pipeline

__all__ = ["create_pipeline"]
