"""Kedro datasets for pose files and keypoint-moseq artefacts."""

from unsupervised_aging.datasets.atomic import atomic_path
from unsupervised_aging.datasets.kpms_results import KpmsResults, KpmsResultsDataset
from unsupervised_aging.datasets.pose_file import PoseFileDataset
from unsupervised_aging.datasets.pose_dataset import PoseDataset

__all__ = ["KpmsResults", "KpmsResultsDataset", "PoseDataset", "PoseFileDataset", "atomic_path"]
