"""keypoint-moseq's syllable labels (``<project>/<model>/syll_info.csv``) for every model of a project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError


class KpmsSyllInfoDataset(AbstractDataset[None, dict[str, pd.DataFrame]]):
    """Read-only ``{model name: syll_info table}`` of the ``syll_info.csv`` files in a project.

    keypoint-moseq's labelling widget (``kpms.label_syllables``) writes them with columns
    ``syllable``, ``label``, ``short_description`` (and ``movie_path``). No file loads as ``{}``
    (kedro-datasets' ``PartitionedDataset`` fails on an empty folder).

    Parameters
    ----------
    project_dir
        keypoint-moseq's project folder.
    """

    def __init__(self, project_dir: str, metadata: dict[str, Any] | None = None) -> None:
        self._project_dir = Path(project_dir)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"project_dir": str(self._project_dir)}

    def _exists(self) -> bool:
        return True

    def load(self) -> dict[str, pd.DataFrame]:
        tables = {}
        for path in sorted(self._project_dir.glob("*/syll_info.csv")):
            try:
                tables[path.parent.name] = pd.read_csv(path, keep_default_na=False)
            except (OSError, ValueError) as err:
                raise DatasetError(f"{path}: not a readable CSV ({err}); fix or delete it") from err
        return tables

    def save(self, data: dict[str, pd.DataFrame]) -> None:
        raise DatasetError(f"{self._project_dir}: syll_info.csv is written by keypoint-moseq's widget")
