"""Preprocessing pipeline: read and validate raw poses and metadata, QC, training set, inference batches."""

from unsupervised_aging.pipelines.preprocessing.pipeline import create_pipeline

__all__ = ["create_pipeline"]
