"""The common part of the project's single-file datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from kedro.io import AbstractDataset

_DI = TypeVar("_DI")
_DO = TypeVar("_DO")


class FileDataset(AbstractDataset[_DI, _DO]):
    """A dataset stored in one local file: keeps the path and catalog metadata, exists if the file does.

    Subclasses implement ``load`` and ``save`` and may extend ``_describe`` or override ``_exists``.

    Parameters
    ----------
    filepath
        Path of the file.
    metadata
        Free-form catalog metadata (kedro-viz layer, description).
    """

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = Path(filepath)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}

    def _exists(self) -> bool:
        return self._filepath.is_file()
