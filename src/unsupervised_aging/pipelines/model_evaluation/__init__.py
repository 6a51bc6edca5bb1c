"""model_evaluation: a regression suite in nested, animal-grouped cross-validation, with reports."""

from unsupervised_aging.pipelines.model_evaluation.pipeline import create_pipeline

__all__ = ["create_pipeline"]
