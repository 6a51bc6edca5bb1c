"""Kedro datasets for pose files and keypoint-moseq artefacts."""

from unsupervised_aging.datasets.atomic import atomic_path
from unsupervised_aging.datasets.atomic_files import (
    AtomicCSVDataset,
    AtomicJSONDataset,
    AtomicPickleDataset,
    AtomicTextDataset,
)
from unsupervised_aging.datasets.figure import FigureDataset
from unsupervised_aging.datasets.kpms_results import KpmsResults, KpmsResultsDataset
from unsupervised_aging.datasets.metadata_csv import MetadataCSVDataset
from unsupervised_aging.datasets.partitioned import AtomicPartitionedDataset
from unsupervised_aging.datasets.pose_dataset import PoseDataset
from unsupervised_aging.datasets.pose_file import PoseFileDataset

__all__ = [
    "AtomicCSVDataset",
    "AtomicJSONDataset",
    "AtomicPartitionedDataset",
    "AtomicPickleDataset",
    "AtomicTextDataset",
    "FigureDataset",
    "KpmsResults",
    "KpmsResultsDataset",
    "MetadataCSVDataset",
    "PoseDataset",
    "PoseFileDataset",
    "atomic_path",
]
