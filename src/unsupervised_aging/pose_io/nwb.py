"""NWB files with ndx-pose ``PoseEstimation`` objects (as keypoint-moseq's ``_nwb_loader`` reads them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from unsupervised_aging.pose import Pose
from unsupervised_aging.pose_io.naming import animal_names, plain_name

DEFAULT_FPS = 30.0


def _series_fps(series) -> float | None:
    if getattr(series, "rate", None):
        return float(series.rate)
    timestamps = getattr(series, "timestamps", None)
    if timestamps is not None and len(timestamps) > 1:
        return float(1.0 / np.median(np.diff(np.asarray(timestamps[: min(len(timestamps), 1000)]))))
    return None


def read_nwb(path: str | Path, fps: float | None = None) -> dict[str, Pose]:
    """Read every ``PoseEstimation`` of an NWB file, one pose per object (animal).

    Parameters
    ----------
    path
        ``.nwb`` file.
    fps
        Frame rate; default from the series' ``rate`` or timestamps.

    Returns
    -------
    dict[str, Pose]
        ``{<stem>: pose}`` for one object, else ``{<stem>_<object name>: pose}``.
    """
    from ndx_pose import PoseEstimation
    from pynwb import NWBHDF5IO

    path = Path(path)
    poses = {}
    with NWBHDF5IO(str(path), mode="r", load_namespaces=True) as io:
        objects = [o for o in io.read().all_children() if isinstance(o, PoseEstimation)]
        if not objects:
            raise ValueError("no ndx-pose PoseEstimation object; write the poses with ndx-pose")
        names = animal_names(plain_name(path), [o.name for o in objects], "")
        for name, obj in zip(names, objects, strict=True):
            series = obj.pose_estimation_series
            bodyparts = [str(n) for n in obj.skeleton.nodes[:]] if obj.skeleton is not None else list(series)
            first = series[bodyparts[0]]
            coords = np.stack([np.asarray(series[bp].data[()], np.float32)[:, :2] for bp in bodyparts], 1)
            if first.confidence is not None:
                conf = np.stack([np.asarray(series[bp].confidence[()], np.float32) for bp in bodyparts], 1)
            else:
                conf = np.ones(coords.shape[:2], dtype=np.float32)
            missing = np.isnan(coords).any(-1) | np.isnan(conf)
            coords[missing] = np.nan
            conf = np.where(missing, 0.0, conf).astype(np.float32)
            poses[name] = Pose(
                coords, conf, bodyparts, fps=fps or _series_fps(first) or DEFAULT_FPS, source=str(path)
            )
    return poses
