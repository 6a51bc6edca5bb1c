"""The canonical in-memory pose of one video (docs/architecture.md#pose, keypoint-moseq's convention)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Pose:
    """Keypoints of one animal in one video.

    Attributes
    ----------
    coordinates
        ``(T, K, 2)`` float32, ``(x, y)`` in pixels; NaN where a keypoint is missing.
    confidences
        ``(T, K)`` float32 in ``[0, 1]``; 0 where a keypoint is missing.
    bodyparts
        ``K`` keypoint names, in the order of the second axis.
    fps
        Frames per second of the video.
    cm_per_pixel
        Scale of the arena when the pose file records it (JABS v5+), else ``None``.
    source
        The raw file(s) this pose was read from, for error messages and QC.
    """

    coordinates: np.ndarray
    confidences: np.ndarray
    bodyparts: list[str]
    fps: float
    cm_per_pixel: float | None = None
    source: str = ""
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.coordinates = np.asarray(self.coordinates, dtype=np.float32)
        self.confidences = np.asarray(self.confidences, dtype=np.float32)
        self.bodyparts = [str(b) for b in self.bodyparts]
        t, k, d = self.coordinates.shape
        if d != 2 or self.confidences.shape != (t, k) or len(self.bodyparts) != k:
            raise ValueError(
                f"{self.source or 'pose'}: inconsistent shapes: coordinates {self.coordinates.shape}, "
                f"confidences {self.confidences.shape}, {len(self.bodyparts)} bodyparts"
            )

    @property
    def n_frames(self) -> int:
        """Number of frames ``T``."""
        return int(self.coordinates.shape[0])
