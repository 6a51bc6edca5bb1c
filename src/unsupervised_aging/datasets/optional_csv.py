"""A CSV file that the user may or may not provide (e.g. manual overrides)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from unsupervised_aging.datasets.atomic import atomic_path
from unsupervised_aging.datasets.file_dataset import FileDataset


class OptionalCSVDataset(FileDataset[pd.DataFrame, pd.DataFrame]):
    """CSV as a DataFrame; a missing file loads as an empty DataFrame with ``columns``.

    Parameters
    ----------
    filepath
        Path of the CSV file.
    columns
        Columns of the empty DataFrame returned when the file does not exist.
    load_args
        Keyword arguments of ``pandas.read_csv`` (e.g. ``dtype: {name: str}`` so a name such as
        ``0012`` stays text).
    """

    def __init__(
        self,
        filepath: str,
        columns: list[str] | None = None,
        load_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(filepath, metadata)
        self._columns = list(columns or [])
        self._load_args = dict(load_args or {})

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "columns": self._columns, "load_args": self._load_args}

    def _exists(self) -> bool:
        return True

    def load(self) -> pd.DataFrame:
        if not self._filepath.is_file():
            return pd.DataFrame(columns=self._columns)
        return pd.read_csv(self._filepath, **self._load_args)

    def save(self, data: pd.DataFrame) -> None:
        with atomic_path(self._filepath) as tmp:
            data.to_csv(tmp, index=False)
