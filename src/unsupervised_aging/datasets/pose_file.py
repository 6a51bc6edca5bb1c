"""A raw pose file of any supported format (JABS, DeepLabCut, SLEAP, NWB)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset

from unsupervised_aging.pose import Pose


class PoseFileDataset(AbstractDataset[Pose, dict[str, Pose]]):
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

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = Path(filepath)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def load(self) -> dict[str, Pose]:
        from unsupervised_aging.pose_io import read_pose_file

        return read_pose_file(self._filepath)

    def save(self, data: Pose) -> None:
        from unsupervised_aging.pose_io import write_jabs

        write_jabs(self._filepath, data)
