"""A matplotlib figure saved as PNG, loadable as bytes (for the HTML report and notebooks)."""

from __future__ import annotations

import base64
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from unsupervised_aging.datasets.atomic import atomic_path
from unsupervised_aging.datasets.file_dataset import FileDataset


class FigureDataset(FileDataset[Figure, bytes]):
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
        super().__init__(filepath, metadata)
        self._dpi = dpi

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "dpi": self._dpi}

    def load(self) -> bytes:
        return self._filepath.read_bytes()

    def save(self, data: Figure) -> None:
        with atomic_path(self._filepath) as tmp:
            data.savefig(tmp, format="png", dpi=self._dpi, bbox_inches="tight")
        plt.close(data)

    def preview(self) -> str:
        """Base64 PNG for kedro-viz's image preview."""
        return base64.b64encode(self.load()).decode("utf-8")
