"""SLEAP predictions: ``.slp`` (through ``sleap_io.load_slp``) and analysis ``.h5`` exports."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import h5py
import numpy as np

from unsupervised_aging.pose import Pose
from unsupervised_aging.pose_io.naming import animal_names, sleap_name

logger = logging.getLogger(__name__)

DEFAULT_FPS = 30.0
#: Axis order of SLEAP's own (MATLAB-style) analysis export, used when a file stores no ``dims``.
_MATLAB_DIMS = ("track", "xy", "node", "frame")


def is_sleap_analysis(f: h5py.File) -> bool:
    """Whether an open HDF5 file is a SLEAP analysis export."""
    return "tracks" in f and "node_names" in f


def _poses(
    path: Path, tracks: np.ndarray, scores: np.ndarray, bodyparts: list[str], fps: float | None
) -> dict[str, Pose]:
    """Split ``tracks (T, N, K, 2)`` and ``scores (T, N, K)`` into one pose per track."""
    tracks = tracks.astype(np.float32)
    scores = np.nan_to_num(scores.astype(np.float32), nan=0.0)
    missing = np.isnan(tracks).any(-1)
    tracks[missing] = np.nan
    scores[missing] = 0.0
    names = animal_names(sleap_name(path), [str(i) for i in range(tracks.shape[1])], "track")
    return {
        name: Pose(tracks[:, i], scores[:, i], bodyparts, fps=fps or DEFAULT_FPS, source=str(path))
        for i, name in enumerate(names)
    }


def read_slp(path: str | Path, fps: float | None = None) -> dict[str, Pose]:
    """Read a SLEAP ``.slp`` predictions file (one video, one skeleton).

    Returns
    -------
    dict[str, Pose]
        ``{<video>: pose}`` for one track, else ``<video>_track<i>`` (keypoint-moseq's naming);
        untracked files with several instances per frame are read in SLEAP's instance order.
    """
    import sleap_io

    path = Path(path)
    labels = sleap_io.load_slp(str(path))
    if len(labels.skeletons) != 1 or len(labels.videos) != 1:
        raise ValueError(
            f"holds {len(labels.videos)} videos and {len(labels.skeletons)} skeletons; "
            "export one file per video with a single skeleton"
        )
    untracked = len(labels.tracks) == 0
    if untracked and any(len(frame.instances) > 1 for frame in labels.labeled_frames):
        logger.warning(
            "%s: several untracked instances per frame; tracks follow SLEAP's instance order", path
        )
    arr = labels.numpy(return_confidence=True, untracked=untracked)  # (T, N, K, 3)
    return _poses(path, arr[..., :2], arr[..., 2], list(labels.skeletons[0].node_names), fps)


def read_sleap_analysis(path: str | Path, fps: float | None = None) -> dict[str, Pose]:
    """Read a SLEAP analysis HDF5 export (any axis order recorded in its ``dims`` attributes).

    Returns
    -------
    dict[str, Pose]
        As :func:`read_slp`.
    """
    path = Path(path)
    with h5py.File(path, "r") as f:
        dims = tuple(json.loads(f["tracks"].attrs["dims"])) if "dims" in f["tracks"].attrs else _MATLAB_DIMS
        tracks = np.transpose(f["tracks"][()], [dims.index(d) for d in ("frame", "track", "node", "xy")])
        score_dims = [d for d in dims if d != "xy"]
        score_axes = [score_dims.index(d) for d in ("frame", "track", "node")]
        scores = np.transpose(f["point_scores"][()], score_axes)
        bodyparts = [n.decode() if isinstance(n, bytes) else str(n) for n in f["node_names"][()]]
    return _poses(path, tracks, scores, bodyparts, fps)
