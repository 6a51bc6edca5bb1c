"""One video's canonical pose as an HDF5 file (the store that preprocessing writes)."""

from __future__ import annotations

import h5py
import numpy as np
from kedro.io import DatasetError

from unsupervised_aging.datasets.atomic import atomic_path
from unsupervised_aging.datasets.file_dataset import FileDataset
from unsupervised_aging.pose import Pose


class PoseDataset(FileDataset[Pose, Pose]):
    """Read and write a :class:`~unsupervised_aging.pose.Pose` as ``<name>.h5``.

    Layout: datasets ``coordinates`` ``(T, K, 2)`` float32 (x, y), ``confidences`` ``(T, K)``
    float32, any extra per-frame arrays under ``extra/``; attributes ``bodyparts``, ``fps``,
    ``cm_per_pixel`` (NaN when unknown) and ``source``. Use it inside a
    ``partitions.PartitionedDataset`` for a folder of videos, so nodes load one video at a time.

    Parameters
    ----------
    filepath
        Path of the ``.h5`` file.
    """

    def load(self) -> Pose:
        try:
            with h5py.File(self._filepath, "r") as f:
                cm = float(f.attrs.get("cm_per_pixel", np.nan))
                return Pose(
                    coordinates=f["coordinates"][()],
                    confidences=f["confidences"][()],
                    bodyparts=[b.decode() if isinstance(b, bytes) else str(b) for b in f.attrs["bodyparts"]],
                    fps=float(f.attrs["fps"]),
                    cm_per_pixel=None if np.isnan(cm) else cm,
                    source=str(f.attrs.get("source", self._filepath)),
                    extra={k: v[()] for k, v in f.get("extra", {}).items()},
                )
        except (OSError, KeyError) as err:
            raise DatasetError(
                f"{self._filepath}: not a canonical pose file ({err}); rerun preprocessing"
            ) from err

    def save(self, data: Pose) -> None:
        with atomic_path(self._filepath) as tmp, h5py.File(tmp, "w") as f:
            f.create_dataset("coordinates", data=data.coordinates, compression="gzip", compression_opts=1)
            f.create_dataset("confidences", data=data.confidences, compression="gzip", compression_opts=1)
            for key, value in data.extra.items():
                f.create_dataset(f"extra/{key}", data=value)
            f.attrs["bodyparts"] = np.array(data.bodyparts, dtype=h5py.string_dtype())
            f.attrs["fps"] = float(data.fps)
            f.attrs["cm_per_pixel"] = np.nan if data.cm_per_pixel is None else float(data.cm_per_pixel)
            f.attrs["source"] = data.source
