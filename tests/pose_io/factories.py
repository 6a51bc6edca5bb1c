"""Tiny pose files written by the formats' own tools (sleap-io, pandas as DeepLabCut writes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import sleap_io as sio
from sleap_io.io.jabs import JABS_DEFAULT_SKELETON

JABS_NAMES = [node.name for node in JABS_DEFAULT_SKELETON.nodes]


def track_array(n_frames: int, n_tracks: int, n_keypoints: int, seed: int = 0) -> np.ndarray:
    """Whole-pixel ``(T, N, K, 3)`` array of x, y (x ≠ y, so a swap shows) and confidence, a few NaNs."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(20, 600, size=(n_frames, n_tracks, n_keypoints, 2)).astype(np.float64)
    xy[..., 1] = xy[..., 0] // 3 + 7  # y differs from x everywhere
    conf = rng.uniform(0.3, 1.0, size=(n_frames, n_tracks, n_keypoints))
    arr = np.concatenate([xy, conf[..., None]], axis=-1)
    arr[1, :, 2, :] = np.nan  # one missing keypoint in frame 1
    return arr


def sleap_labels(arr: np.ndarray, video: Path, skeleton: sio.Skeleton | None = None) -> sio.Labels:
    """``Labels`` of predicted instances, one track per second axis of ``arr``."""
    skeleton = skeleton or JABS_DEFAULT_SKELETON
    tracks = [sio.Track(f"animal{i}") for i in range(arr.shape[1])]
    return sio.Labels.from_numpy(
        arr,
        videos=[sio.Video(filename=str(video))],
        skeletons=skeleton,
        tracks=tracks,
        return_confidence=True,
    )


def dlc_frame(
    arr: np.ndarray, bodyparts: list[str], scorer: str, individuals: list[str] | None
) -> pd.DataFrame:
    """DeepLabCut's prediction table: columns (scorer, [individuals,] bodyparts, coords)."""
    n_frames = arr.shape[0]
    if individuals is None:
        columns = pd.MultiIndex.from_product(
            [[scorer], bodyparts, ["x", "y", "likelihood"]], names=["scorer", "bodyparts", "coords"]
        )
        return pd.DataFrame(arr[:, 0].reshape(n_frames, -1), columns=columns)
    columns = pd.MultiIndex.from_product(
        [[scorer], individuals, bodyparts, ["x", "y", "likelihood"]],
        names=["scorer", "individuals", "bodyparts", "coords"],
    )
    return pd.DataFrame(arr.reshape(n_frames, -1), columns=columns)


def write_dlc(path: Path, df: pd.DataFrame) -> Path:
    """Write as DeepLabCut does: ``to_hdf(key="df_with_missing", format="table")`` or ``to_csv``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".h5":
        df.to_hdf(path, key="df_with_missing", format="table", mode="w")
    else:
        df.to_csv(path)
    return path
