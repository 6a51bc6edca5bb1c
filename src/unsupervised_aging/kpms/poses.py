"""The ``poses`` PartitionedDataset as keypoint-moseq stages see it: lazy loaders keyed by video name."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from unsupervised_aging.pose import Pose

#: What a node gets for the ``poses`` PartitionedDataset: a loader per partition id.
PoseLoaders = Mapping[str, Callable[[], Pose]]


def loaders_by_name(poses: PoseLoaders) -> dict[str, Callable[[], Pose]]:
    """Key the partitions of ``poses`` by video name (partition ids less a ``.h5`` suffix)."""
    return {str(key).removesuffix(".h5"): load for key, load in poses.items()}
