"""NWB files with ndx-pose ``PoseEstimation`` objects (as keypoint-moseq's ``_nwb_loader`` reads them).

Series may be sampled at a fixed ``rate`` or carry ``timestamps`` of only the frames where the
keypoint was found (sleap-io writes them so); both are placed on one frame grid, NaN elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from unsupervised_aging.pose import Pose
from unsupervised_aging.pose_io.naming import animal_names, plain_name

DEFAULT_FPS = 30.0


def _series_times(series) -> np.ndarray:
    """Times in seconds of each sample of one ``PoseEstimationSeries``, ``(n,)``."""
    if series.timestamps is not None:
        return np.asarray(series.timestamps[()], dtype=np.float64)
    return series.starting_time + np.arange(len(series.data)) / series.rate


def _frame_rate(all_series: list) -> float:
    rates = [s.rate for s in all_series if s.rate]
    if rates:
        return float(rates[0])
    steps = np.diff(np.unique(np.concatenate([_series_times(s) for s in all_series])))
    return float(1.0 / np.min(steps)) if steps.size else DEFAULT_FPS


def _read_estimation(obj) -> tuple[list[str], np.ndarray, np.ndarray, float]:
    """``(bodyparts, coords (T, K, 2), confidences (T, K), frame rate)`` of one ``PoseEstimation``."""
    series = obj.pose_estimation_series
    bodyparts = [str(n) for n in obj.skeleton.nodes[:]] if obj.skeleton is not None else list(series)
    ordered = [series[bp] for bp in bodyparts]
    rate = _frame_rate(ordered)
    start = min(float(_series_times(s)[0]) for s in ordered if len(s.data))
    frames = [np.rint((_series_times(s) - start) * rate).astype(int) for s in ordered]
    n_frames = max(int(f.max()) + 1 for f in frames if f.size)
    coords = np.full((n_frames, len(bodyparts), 2), np.nan, dtype=np.float32)
    conf = np.zeros((n_frames, len(bodyparts)), dtype=np.float32)
    for k, (s, idx) in enumerate(zip(ordered, frames, strict=True)):
        coords[idx, k] = np.asarray(s.data[()], dtype=np.float32)[:, :2]
        conf[idx, k] = 1.0 if s.confidence is None else np.asarray(s.confidence[()], dtype=np.float32)
    missing = np.isnan(coords).any(-1) | np.isnan(conf)
    coords[missing] = np.nan
    conf[missing] = 0.0
    return bodyparts, coords, conf, rate


def read_nwb(path: str | Path, fps: float | None = None) -> dict[str, Pose]:
    """Read every ``PoseEstimation`` of an NWB file, one pose per object (animal).

    Parameters
    ----------
    path
        ``.nwb`` file.
    fps
        Frame rate to record in the poses; default the series' own rate.

    Returns
    -------
    dict[str, Pose]
        ``{<stem>: pose}`` for one object, else ``{<stem>_track<i>: pose}`` with objects in name order.
    """
    from ndx_pose import PoseEstimation
    from pynwb import NWBHDF5IO

    path = Path(path)
    poses = {}
    with NWBHDF5IO(str(path), mode="r", load_namespaces=True) as io:
        objects = sorted(
            (o for o in io.read().all_children() if isinstance(o, PoseEstimation)), key=lambda o: o.name
        )
        if not objects:
            raise ValueError("no ndx-pose PoseEstimation object; write the poses with ndx-pose")
        names = animal_names(plain_name(path), [str(i) for i in range(len(objects))], "track")
        for name, obj in zip(names, objects, strict=True):
            bodyparts, coords, conf, rate = _read_estimation(obj)
            poses[name] = Pose(coords, conf, bodyparts, fps=fps or rate, source=str(path))
    return poses
