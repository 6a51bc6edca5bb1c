"""Video names from pose file names: the stem less the format's suffix (docs/architecture.md#names)."""

from __future__ import annotations

import re
from pathlib import Path

_JABS_SUFFIX = re.compile(r"_pose_est_v\d+$")
_SLEAP_SUFFIXES = (".analysis", ".predictions", ".pkg")


def jabs_name(path: str | Path) -> str:
    """``<video>_pose_est_v5.h5`` → ``<video>``."""
    return _JABS_SUFFIX.sub("", Path(path).stem)


def deeplabcut_name(path: str | Path, scorer: str | None = None) -> str:
    """``<video>DLC_resnet50_<project>shuffle1_100000[_filtered].h5`` → ``<video>``.

    The scorer recorded in the file is cut off where the stem contains it; otherwise
    everything from ``DLC_`` on, as keypoint-moseq matches recordings to videos.
    """
    stem = Path(path).stem
    if scorer and scorer in stem and stem.index(scorer) > 0:
        return stem[: stem.index(scorer)]
    head = stem.split("DLC_")[0]
    return head or stem


def sleap_name(path: str | Path) -> str:
    """``<video>.predictions.slp`` / ``<video>.analysis.h5`` → ``<video>``."""
    stem = Path(path).stem
    while stem.endswith(_SLEAP_SUFFIXES):
        stem = stem.rsplit(".", 1)[0]
    return stem


def plain_name(path: str | Path) -> str:
    """The file's stem (NWB and other formats without a naming convention)."""
    return Path(path).stem


def animal_names(video: str, labels: list[str], prefix: str = "track") -> list[str]:
    """One name per animal: ``<video>`` for a single animal, else ``<video>_<prefix><label>``."""
    if len(labels) == 1:
        return [video]
    return [f"{video}_{prefix}{label}" for label in labels]
