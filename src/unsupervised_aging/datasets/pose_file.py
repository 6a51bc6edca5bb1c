"""A raw pose file of any supported format (JABS, DeepLabCut, SLEAP, NWB)."""

from __future__ import annotations

from unsupervised_aging.datasets.file_dataset import FileDataset
from unsupervised_aging.pose import Pose


class PoseFileDataset(FileDataset[Pose, dict[str, Pose]]):
    """Read one raw pose file into canonical poses; write the demo cohort as JABS.

    ``load`` detects the format and returns ``{name: Pose}`` (several entries for
    multi-animal files). ``save`` writes one :class:`Pose` as a JABS v5 pose file, the format
    of the synthetic demo cohort. Use it inside a ``partitions.PartitionedDataset`` over
    ``data/01_raw/poses``.

    Parameters
    ----------
    filepath
        Path of the pose file.
    """

    def load(self) -> dict[str, Pose]:
        from unsupervised_aging.pose_io import read_pose_file

        return read_pose_file(self._filepath)

    def save(self, data: Pose) -> None:
        from unsupervised_aging.pose_io import write_jabs

        write_jabs(self._filepath, data)
