"""keypoint-moseq's ``results.h5``, read one recording at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from kedro.io import DatasetError

from unsupervised_aging.datasets.atomic import atomic_path
from unsupervised_aging.datasets.file_dataset import FileDataset


class KpmsResults(Mapping[str, dict[str, np.ndarray]]):
    """Read-only, lazy view of a keypoint-moseq results file.

    ``results[name]`` reads one recording (``syllable`` ``(T,)`` int, ``latent_state``
    ``(T, D)``, ``centroid`` ``(T, 2)``, ``heading`` ``(T,)``, and anything else stored) from
    disk at each access, so memory does not grow with the number of recordings.

    Attributes
    ----------
    path
        The results file.
    attrs
        File-level attributes, e.g. ``model_name`` of the model that made the results.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with h5py.File(self.path, "r") as f:
            self._names = list(f.keys())
            self.attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        self._name_set = set(self._names)

    def __getitem__(self, name: str) -> dict[str, np.ndarray]:
        return self.read(name)

    def read(self, name: str, keys: Iterable[str] | None = None) -> dict[str, np.ndarray]:
        """Read one recording, only ``keys`` (e.g. ``("syllable",)``) when given, all otherwise."""
        if name not in self:
            raise KeyError(name)
        with h5py.File(self.path, "r") as f:
            group = f[name]
            return {key: group[key][()] for key in (group.keys() if keys is None else keys)}

    def __contains__(self, name: object) -> bool:  # Mapping's default would read the recording
        return name in self._name_set

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class ResultsDict(dict):
    """A plain ``{recording: {key: array}}`` dict that also carries file-level ``attrs``."""

    def __init__(self, *args: Any, attrs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attrs = dict(attrs or {})


class KpmsResultsDataset(FileDataset[Mapping[str, Mapping[str, np.ndarray]], KpmsResults]):
    """keypoint-moseq results in its own format, so ``kpms.load_results`` reads them.

    ``load`` returns a lazy :class:`KpmsResults`. ``save`` takes any mapping
    ``{recording: {key: array}}`` (a :class:`KpmsResults` or :class:`ResultsDict` passes its
    ``attrs`` on) and writes it atomically: a crash never leaves a half-written file.

    Parameters
    ----------
    filepath
        Path of ``results.h5``.
    missing_ok
        Load a missing file as an empty :class:`ResultsDict` instead of failing (for reading the
        results of a previous run, which the first run does not have).
    """

    def __init__(
        self, filepath: str, missing_ok: bool = False, metadata: dict[str, Any] | None = None
    ) -> None:
        super().__init__(filepath, metadata)
        self._missing_ok = missing_ok

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "missing_ok": self._missing_ok}

    def load(self) -> KpmsResults | ResultsDict:
        if self._missing_ok and not self._filepath.exists():
            return ResultsDict()
        try:
            return KpmsResults(self._filepath)
        except (OSError, KeyError) as err:
            raise DatasetError(
                f"{self._filepath}: not a readable keypoint-moseq results file ({err}); "
                "delete it and rerun kpms_inference"
            ) from err

    def save(self, data: Mapping[str, Mapping[str, np.ndarray]]) -> None:
        with atomic_path(self._filepath) as tmp, h5py.File(tmp, "w") as f:
            for key, value in getattr(data, "attrs", {}).items():
                f.attrs[key] = value
            for name in data:  # one recording in memory at a time when data is lazy
                group = f.create_group(name)
                group.attrs["type"] = "dict"  # keypoint-moseq's load_hdf5 needs the pytree type
                for key, array in data[name].items():
                    group.create_dataset(key, data=np.asarray(array))
