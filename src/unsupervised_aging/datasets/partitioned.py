"""A folder of files, one per partition, replaced as a whole, with errors that say what is wrong with it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from kedro_datasets.partitions import PartitionedDataset

from unsupervised_aging.datasets.errors import InputFileError


class AtomicPartitionedDataset(PartitionedDataset):
    """kedro-datasets' ``PartitionedDataset``, plus a whole-folder atomic save and one-line load errors.

    Saving with ``overwrite: true`` writes every partition into a hidden staging folder beside
    ``path``, then swaps it in with two renames: a run that fails while writing (one video's file
    cannot be built, the disk fills up) leaves the previous folder as it was, never a mix of
    old and new files. ``overwrite: false`` adds partitions in place, each written atomically by
    its own dataset.

    Loading a local folder tells apart a folder that does not exist, an empty folder and a
    broken symbolic link inside it, each in one line with ``missing_hint`` (what to do), where
    kedro-datasets answers ``No partitions found`` or ``[Errno 2]``.

    Parameters
    ----------
    path, dataset, filename_suffix, overwrite, load_args, metadata
        As in :class:`kedro_datasets.partitions.PartitionedDataset`.
    missing_hint
        What to do when the folder is missing or empty, e.g. ``"run the preprocessing pipeline"``.
    """

    def __init__(self, *, missing_hint: str = "run the pipeline that writes it", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._missing_hint = missing_hint

    def _local_folder(self) -> Path | None:
        return Path(self._path) if self._protocol == "file" else None

    def load(self) -> dict[str, Any]:
        folder = self._local_folder()
        if folder is not None:
            self._check_folder(folder)
        return super().load()

    def _check_folder(self, folder: Path) -> None:
        if not folder.is_dir():
            what = "is a file, not a folder" if folder.exists() else "does not exist"
            raise InputFileError(f"{folder}: folder {what}; {self._missing_hint}")
        files = [p for p in folder.rglob("*") if not p.is_dir() or p.is_symlink()]
        broken = [p for p in files if p.is_symlink() and not p.exists()]
        if broken:
            listed = ", ".join(f"{p} -> {os.readlink(p)}" for p in broken[:5])
            more = f" and {len(broken) - 5} more" if len(broken) > 5 else ""
            raise InputFileError(
                f"{folder}: broken symbolic link(s) {listed}{more}; "
                "point them at existing files or remove them"
            )
        suffix = self._filename_suffix
        if not [p for p in files if p.name.endswith(suffix) and not p.name.startswith(".")]:
            kind = f"no '*{suffix}' file" if suffix and files else "empty folder"
            raise InputFileError(f"{folder}: {kind}; {self._missing_hint}")

    def save(self, data: dict[str, Any]) -> None:
        folder = self._local_folder()
        if folder is None or not self._overwrite:
            super().save(data)
            return
        folder = folder.absolute()
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
        path = self._path
        try:
            self._path = str(staging)
            super().save(data)  # overwrite: empties the (new, empty) staging folder, then fills it
            staging.mkdir(exist_ok=True)  # no partition to save: an empty folder
            old = staging.with_suffix(".old")
            if folder.exists():
                os.replace(folder, old)
            os.replace(staging, folder)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            self._path = path
            shutil.rmtree(staging, ignore_errors=True)
            self._invalidate_caches()
