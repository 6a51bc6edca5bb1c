"""A matplotlib figure saved as PNG, loadable as bytes (for the HTML report and notebooks)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from kedro.io import AbstractDataset
from matplotlib.figure import Figure

from unsupervised_aging.datasets.atomic import atomic_path


class FigureDataset(AbstractDataset[Figure, bytes]):
    """Save a :class:`~matplotlib.figure.Figure` as a PNG file; load it back as PNG bytes.

    kedro-datasets' ``MatplotlibDataset`` cannot load, so a report node could not embed its
    plots; this one can, writes atomically and shows the image in kedro-viz's preview.

    Parameters
    ----------
    filepath
        Path of the ``.png`` file.
    dpi
        Resolution of the saved image.
    """

    def __init__(self, filepath: str, dpi: int = 110, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = Path(filepath)
        self._dpi = dpi
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "dpi": self._dpi}

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def load(self) -> bytes:
        return self._filepath.read_bytes()

    def save(self, data: Figure) -> None:
        with atomic_path(self._filepath) as tmp:
            data.savefig(tmp, format="png", dpi=self._dpi, bbox_inches="tight")
        plt.close(data)

    def preview(self) -> str:
        """Base64 PNG for kedro-viz's image preview."""
        return base64.b64encode(self.load()).decode("utf-8")
