"""Movies: encoded movie files kept as bytes, and a read-only listing of raw videos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from unsupervised_aging.datasets.atomic import atomic_path
from unsupervised_aging.datasets.file_dataset import FileDataset


class MovieDataset(FileDataset[bytes, bytes]):
    """An encoded movie (e.g. H.264 MP4, animated GIF) saved and loaded as its file's bytes.

    Nodes encode movies with keypoint-moseq's own writers and pass the bytes on, so a report can
    embed them and a browser can play the file. kedro-datasets' ``video.VideoDataset`` re-encodes
    frames with OpenCV's ``mp4v``, which browsers do not play. Writes atomically.

    Parameters
    ----------
    filepath
        Path of the movie file.
    """

    def load(self) -> bytes:
        return self._filepath.read_bytes()

    def save(self, data: bytes) -> None:
        if not isinstance(data, bytes | bytearray) or not data:
            raise DatasetError(
                f"{self._filepath}: expected the movie's encoded bytes, got {type(data).__name__}"
            )
        with atomic_path(self._filepath) as tmp:
            tmp.write_bytes(bytes(data))


class VideoFolderDataset(AbstractDataset[None, dict[str, str]]):
    """Read-only ``{name: path}`` of the videos in a folder (``<name><extension>``), for grid movies.

    A missing folder loads as ``{}`` (pose files without videos: grid movies are drawn from
    keypoints only). Point ``path`` at a lab share in ``conf/local/catalog.yml`` to use videos kept
    elsewhere.

    Parameters
    ----------
    path
        Folder of the videos; searched recursively.
    extensions
        File endings that count as videos, e.g. ``[".mp4", ".avi"]``.
    """

    def __init__(self, path: str, extensions: list[str], metadata: dict[str, Any] | None = None) -> None:
        self._path = Path(path)
        self._extensions = tuple(str(e).lower() for e in extensions)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "extensions": list(self._extensions)}

    def _exists(self) -> bool:
        return True

    def load(self) -> dict[str, str]:
        if not self._path.is_dir():
            return {}
        videos: dict[str, str] = {}
        for file in sorted(self._path.rglob("*")):
            if file.is_file() and file.suffix.lower() in self._extensions:
                name = file.name[: -len(file.suffix)]
                if name in videos:
                    raise DatasetError(
                        f"{self._path}: two videos named {name!r} ({videos[name]}, {file}); keep one"
                    )
                videos[name] = str(file)
        return videos

    def save(self, data: dict[str, str]) -> None:
        raise DatasetError(f"{self._path}: the raw video listing is read-only")
