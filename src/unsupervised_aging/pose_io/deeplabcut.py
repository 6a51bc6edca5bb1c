"""DeepLabCut prediction files (``<video>DLC_<scorer>.h5`` / ``.csv``), single- and multi-animal.

Read with pandas, as DeepLabCut writes them and as keypoint-moseq's ``_deeplabcut_loader`` reads
them, but selecting columns by their labels so bodypart order is kept and a missing ``likelihood``
does not shift columns. Multi-animal files give ``<video>_<individual>``; the ``single``
individual (unique, non-animal bodyparts) is left out, as keypoint-moseq does, and logged.
"""

from __future__ import annotations

import logging
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from unsupervised_aging.pose import Pose
from unsupervised_aging.pose_io.naming import deeplabcut_name

logger = logging.getLogger(__name__)

_LEVELS_SINGLE = ["scorer", "bodyparts", "coords"]
_LEVELS_MULTI = ["scorer", "individuals", "bodyparts", "coords"]
DEFAULT_FPS = 30.0


def is_deeplabcut_csv(path: str | Path) -> bool:
    """Whether a CSV starts with DeepLabCut's ``scorer`` / ``bodyparts`` / ``coords`` header rows."""
    with open(path, encoding="utf-8", errors="replace") as f:
        head = [line.split(",", 1)[0].strip().lower() for line in islice(f, 4)]
    return len(head) >= 3 and head[0] == "scorer" and "bodyparts" in head[1:3] and "coords" in head[2:4]


def _read_frame(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".csv":
        with open(path, encoding="utf-8") as f:
            multi = next(islice(f, 1, 2), "").lower().startswith("individuals")
        df = pd.read_csv(path, header=[0, 1, 2, 3] if multi else [0, 1, 2], index_col=0)
    else:
        df = pd.read_hdf(path)
    if not isinstance(df, pd.DataFrame) or df.columns.nlevels not in (3, 4):
        raise ValueError("not a DeepLabCut table (expected scorer/[individuals/]bodyparts/coords columns)")
    df.columns = df.columns.set_names(_LEVELS_MULTI if df.columns.nlevels == 4 else _LEVELS_SINGLE)
    return df


def _unique(values: pd.Index) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values))


def _animal_arrays(df: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(bodyparts, coords (T, K, 2), confidences (T, K))`` of a one-animal table."""
    bodyparts = _unique(df.columns.get_level_values("bodyparts"))
    coords_present = set(df.columns.get_level_values("coords"))
    flat = df.droplevel("scorer", axis=1) if "scorer" in df.columns.names else df
    xy = np.stack([flat.loc[:, (bodyparts, c)].to_numpy(np.float32) for c in ("x", "y")], axis=-1)
    if "likelihood" in coords_present:
        conf = flat.loc[:, (bodyparts, "likelihood")].to_numpy(np.float32)
    else:
        conf = np.ones(xy.shape[:2], dtype=np.float32)
    missing = np.isnan(xy).any(-1) | np.isnan(conf)
    xy[missing] = np.nan
    conf = np.where(missing, 0.0, conf).astype(np.float32)
    return bodyparts, xy, conf


def read_deeplabcut(path: str | Path, fps: float | None = None) -> dict[str, Pose]:
    """Read a DeepLabCut prediction file.

    Parameters
    ----------
    path
        ``.h5`` (pandas HDF, as DeepLabCut writes it) or ``.csv``.
    fps
        Frame rate; DeepLabCut files do not record it (default 30).

    Returns
    -------
    dict[str, Pose]
        ``{<video>: pose}`` or, multi-animal, ``{<video>_<individual>: pose}``; coordinates
        ``(T, K, 2)`` (x, y), NaN and confidence 0 where a point is missing.
    """
    path = Path(path)
    df = _read_frame(path)
    scorer = str(df.columns.get_level_values("scorer")[0])
    video = deeplabcut_name(path, scorer)
    tables: dict[str, pd.DataFrame] = {}
    if "individuals" in df.columns.names:
        for individual in _unique(df.columns.get_level_values("individuals")):
            if individual == "single":
                logger.info("%s: leaving out the 'single' individual (non-animal bodyparts)", path.name)
                continue
            tables[f"{video}_{individual}"] = df.xs(individual, level="individuals", axis=1)
    else:
        tables[video] = df
    poses = {}
    for name, table in tables.items():
        bodyparts, xy, conf = _animal_arrays(table)
        poses[name] = Pose(xy, conf, bodyparts, fps=fps or DEFAULT_FPS, source=str(path))
    return poses
