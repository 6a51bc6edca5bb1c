"""Atomic drop-ins for kedro-datasets' CSV, JSON, pickle and text datasets.

kedro-datasets opens the target file and writes into it, so a run killed mid-write leaves a
half-written file that the next run loads as if it were whole. These write to a temporary file
beside the target and rename it into place (``atomic_path``), so the target is either the old file
or the new one. Same ``load_args`` / ``save_args`` as kedro-datasets; local files only, no versioning.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

import pandas as pd
from kedro_datasets._typing import TablePreview

from unsupervised_aging.datasets.atomic import atomic_path
from unsupervised_aging.datasets.file_dataset import FileDataset


class AtomicCSVDataset(FileDataset[pd.DataFrame, pd.DataFrame]):
    """A CSV file as a DataFrame (``pd.read_csv(**load_args)``, ``to_csv(**save_args)``), written atomically.

    Parameters
    ----------
    filepath
        Path of the CSV file.
    load_args, save_args
        Passed to :func:`pandas.read_csv` and :meth:`pandas.DataFrame.to_csv`, as in kedro-datasets
        (``save_args`` defaults to ``{"index": False}``).
    """

    def __init__(
        self,
        filepath: str,
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(filepath, metadata)
        self._load_args = dict(load_args or {})
        self._save_args = {"index": False, **(save_args or {})}

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "load_args": self._load_args, "save_args": self._save_args}

    def load(self) -> pd.DataFrame:
        return pd.read_csv(self._filepath, **self._load_args)

    def save(self, data: pd.DataFrame) -> None:
        with atomic_path(self._filepath) as tmp:
            data.to_csv(tmp, **self._save_args)

    def preview(self, nrows: int = 5) -> TablePreview:
        """The first rows, in the table form kedro-viz shows."""
        table = pd.read_csv(self._filepath, nrows=nrows, **self._load_args)
        return TablePreview(table.to_dict(orient="split"))


class AtomicJSONDataset(FileDataset[Any, Any]):
    """A JSON file (``json.dump(**save_args)``, UTF-8), written atomically.

    Parameters
    ----------
    filepath
        Path of the JSON file.
    save_args
        Passed to :func:`json.dump` (e.g. ``indent: 2``).
    """

    def __init__(
        self, filepath: str, save_args: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None
    ) -> None:
        super().__init__(filepath, metadata)
        self._save_args = dict(save_args or {})

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "save_args": self._save_args}

    def load(self) -> Any:
        return json.loads(self._filepath.read_text(encoding="utf-8"))

    def save(self, data: Any) -> None:
        with atomic_path(self._filepath) as tmp, tmp.open("w", encoding="utf-8") as f:
            json.dump(data, f, **self._save_args)


class AtomicPickleDataset(FileDataset[Any, Any]):
    """Any Python object pickled with ``backend`` (``pickle``, ``joblib``, ``dill``, …), written atomically.

    Parameters
    ----------
    filepath
        Path of the file.
    backend
        A module with ``load(file, **load_args)`` and ``dump(obj, file, **save_args)``, as in
        kedro-datasets' ``PickleDataset``.
    load_args, save_args
        Passed to the backend.
    """

    def __init__(
        self,
        filepath: str,
        backend: str = "pickle",
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(filepath, metadata)
        self._backend = backend
        self._load_args = dict(load_args or {})
        self._save_args = dict(save_args or {})

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "backend": self._backend}

    def load(self) -> Any:
        with self._filepath.open("rb") as f:
            return importlib.import_module(self._backend).load(f, **self._load_args)

    def save(self, data: Any) -> None:
        with atomic_path(self._filepath) as tmp, tmp.open("wb") as f:
            importlib.import_module(self._backend).dump(data, f, **self._save_args)


class AtomicTextDataset(FileDataset[str, str]):
    """A UTF-8 text file (an HTML report), written atomically; drop-in for ``text.TextDataset``.

    Parameters
    ----------
    filepath
        Path of the file.
    """

    def load(self) -> str:
        return self._filepath.read_text(encoding="utf-8")

    def save(self, data: str) -> None:
        with atomic_path(self._filepath) as tmp, tmp.open("w", encoding="utf-8") as f:
            f.write(data)
