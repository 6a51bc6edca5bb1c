"""What the raw-data folder holds now, so the demo cohort never overwrites someone's own data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError


class RawInventoryDataset(AbstractDataset[None, dict[str, Any]]):
    """Read-only listing of the raw pose folder, the metadata file and the demo cohort's manifest.

    ``load`` returns ``{"poses_dir": str, "pose_files": [relative POSIX paths of every file under
    poses_dir, hidden ones included], "metadata_file": file name or None when absent,
    "manifest": the manifest's JSON content or None when absent}``. It never writes: the manifest
    is saved through its own catalog entry.

    Parameters
    ----------
    poses_dir
        Folder of the raw pose files (``data/01_raw/poses``).
    metadata_path
        The raw metadata CSV (``data/01_raw/metadata.csv``).
    manifest_path
        The demo cohort's manifest (``data/01_raw/demo_cohort_manifest.json``).
    """

    def __init__(
        self, poses_dir: str, metadata_path: str, manifest_path: str, metadata: dict[str, Any] | None = None
    ) -> None:
        self._poses_dir = Path(poses_dir)
        self._metadata_path = Path(metadata_path)
        self._manifest_path = Path(manifest_path)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {
            "poses_dir": str(self._poses_dir),
            "metadata_path": str(self._metadata_path),
            "manifest_path": str(self._manifest_path),
        }

    def _exists(self) -> bool:
        return True

    def load(self) -> dict[str, Any]:
        files = []
        if self._poses_dir.exists():
            files = sorted(
                p.relative_to(self._poses_dir).as_posix()
                for p in self._poses_dir.rglob("*")
                if not p.is_dir()
            )
        manifest = None
        if self._manifest_path.is_file():
            try:
                manifest = json.loads(self._manifest_path.read_text())
            except (OSError, ValueError) as err:
                raise DatasetError(
                    f"{self._manifest_path}: unreadable demo cohort manifest ({err}); delete it and empty "
                    f"{self._poses_dir} to regenerate the demo"
                ) from err
        return {
            "poses_dir": str(self._poses_dir),
            "pose_files": files,
            "metadata_file": self._metadata_path.name if self._metadata_path.exists() else None,
            "manifest": manifest,
        }

    def save(self, data: dict[str, Any]) -> None:
        raise DatasetError(f"{self._poses_dir}: the raw data inventory is read-only")
