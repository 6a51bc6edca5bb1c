"""kpms_inference: apply the selected keypoint-moseq model to every video, batch by batch.

See docs/architecture.md#inference.
"""

from unsupervised_aging.pipelines.kpms_inference.pipeline import create_pipeline

__all__ = ["create_pipeline"]
