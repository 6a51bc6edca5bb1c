"""The run report: one self-contained HTML file that a lab can open and share."""

from unsupervised_aging.pipelines.report.pipeline import create_pipeline

__all__ = ["create_pipeline"]
