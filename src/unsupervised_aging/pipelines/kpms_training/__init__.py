"""kpms_training: keypoint-moseq project, PCA, kappa calibration, model fits per seed and selection."""

from unsupervised_aging.pipelines.kpms_training.pipeline import create_pipeline

__all__ = ["create_pipeline"]
