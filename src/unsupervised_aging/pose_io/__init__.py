"""Raw pose files of any supported format in, canonical :class:`~unsupervised_aging.pose.Pose` out.

``read_pose_file`` detects the format (JABS, DeepLabCut h5/csv, SLEAP slp/analysis h5, NWB) and
turns every failure into one line naming the file and what to fix; ``write_jabs`` writes a JABS v5
file (the demo cohort's format).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np

from unsupervised_aging.pose import Pose
from unsupervised_aging.pose_io.deeplabcut import is_deeplabcut_csv, read_deeplabcut
from unsupervised_aging.pose_io.jabs import JABS_KEYPOINTS, is_jabs, read_jabs, write_jabs
from unsupervised_aging.pose_io.nwb import read_nwb
from unsupervised_aging.pose_io.sleap import is_sleap_analysis, read_sleap_analysis, read_slp

__all__ = [
    "JABS_KEYPOINTS",
    "POSE_SUFFIXES",
    "PoseFileError",
    "detect_format",
    "read_pose_file",
    "write_jabs",
]

logger = logging.getLogger(__name__)

SUPPORTED = (
    "JABS <video>_pose_est_v<N>.h5, DeepLabCut .h5/.csv, SLEAP .slp or analysis .h5, NWB .nwb (ndx-pose)"
)
#: File name endings a pose file may have (lower case); other files are not pose files.
POSE_SUFFIXES = (".h5", ".hdf5", ".slp", ".nwb", ".csv")
_READERS: dict[str, Callable[..., dict[str, Pose]]] = {
    "jabs": read_jabs,
    "deeplabcut": read_deeplabcut,
    "slp": read_slp,
    "sleap_analysis": read_sleap_analysis,
    "nwb": read_nwb,
}


class PoseFileError(ValueError):
    """A raw pose file that cannot be used; the message names the file and what to fix."""


def _detect_h5(path: Path) -> str:
    if path.stat().st_size == 0:
        raise PoseFileError(f"{path}: empty file (0 bytes); re-export it from the pose estimator")
    try:
        with h5py.File(path, "r") as f:
            if is_jabs(f):
                return "jabs"
            if is_sleap_analysis(f):
                return "sleap_analysis"
            if "pandas_type" in str(dict(f.attrs)) or any(
                "pandas_type" in f[key].attrs for key in f if isinstance(f[key], h5py.Group)
            ):
                return "deeplabcut"
            keys = list(f.keys())
    except OSError as err:
        raise PoseFileError(
            f"{path}: not a readable HDF5 file (corrupt or truncated: {err}); re-export it"
        ) from err
    if not keys:
        raise PoseFileError(f"{path}: HDF5 file holds no data; re-export it from the pose estimator")
    raise PoseFileError(f"{path}: unknown HDF5 layout (top-level keys {keys[:5]}); supported: {SUPPORTED}")


def detect_format(path: str | Path) -> str:
    """Name the format of a pose file: ``jabs``, ``deeplabcut``, ``slp``, ``sleap_analysis`` or ``nwb``.

    Raises
    ------
    PoseFileError
        For an empty, corrupt or unknown file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in POSE_SUFFIXES[:2]:
        return _detect_h5(path)
    if suffix == ".slp":
        return "slp"
    if suffix == ".nwb":
        return "nwb"
    if suffix == ".csv":
        if path.stat().st_size > 0 and is_deeplabcut_csv(path):
            return "deeplabcut"
        raise PoseFileError(
            f"{path}: CSV without DeepLabCut's scorer/bodyparts/coords header rows; supported: {SUPPORTED}"
        )
    raise PoseFileError(f"{path}: unknown pose file format '{suffix}'; supported: {SUPPORTED}")


def read_pose_file(path: str | Path, fps: float | None = None) -> dict[str, Pose]:
    """Read one raw pose file into canonical poses, one per animal.

    Parameters
    ----------
    path
        Pose file of any supported format.
    fps
        Frame rate when the file does not record it (default 30 for JABS and DeepLabCut).

    Returns
    -------
    dict[str, Pose]
        ``{name: pose}``: the file's stem less the format's suffix, with ``_track<i>`` /
        ``_mouse<id>`` / ``_<individual>`` per animal in multi-animal files. Coordinates
        ``(T, K, 2)`` are ``(x, y)`` pixels, NaN where missing; confidences ``(T, K)``.

    Raises
    ------
    PoseFileError
        One line naming the file and what to fix: unknown format, empty or corrupt file, a
        file whose every frame is missing.
    """
    path = Path(path)
    fmt = detect_format(path)
    try:
        poses = _READERS[fmt](path, fps=fps)
    except PoseFileError:
        raise
    except Exception as err:  # readers of third-party formats fail in many ways; name the file once
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise PoseFileError(f"{path}: cannot read as {fmt} ({message}); re-export it") from err
    empty = [name for name, pose in poses.items() if pose.n_frames == 0 or np.isnan(pose.coordinates).all()]
    if not poses or len(empty) == len(poses):
        raise PoseFileError(f"{path}: every frame is missing (no tracked points); re-run the pose estimator")
    for name in empty:
        logger.warning("%s: animal %r has no tracked point in any frame; left out", path, name)
        del poses[name]
    return poses
