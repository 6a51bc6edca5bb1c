"""The videos the atlas draws from: a seeded sample, with keypoints matched to their results.

keypoint-moseq's plotting functions take ``coordinates`` and ``results`` dicts covering the same
recordings with the same frame counts; they hold every frame in memory, so the atlas uses at most
``max_videos`` videos (one-hour videos: ~10 MB of keypoints each).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from unsupervised_aging.pose import Pose

logger = logging.getLogger(__name__)

#: What the atlas reads of each recording's results.
RESULT_KEYS = ("syllable", "centroid", "heading")


@dataclass(frozen=True)
class AtlasRecordings:
    """Keypoints and results of the sampled videos, in keypoint-moseq's dict conventions.

    Attributes
    ----------
    coordinates
        ``{name: (T, K, 2) float}`` pixels (x, y), all ``bodyparts``; NaN gaps interpolated.
    results
        ``{name: {"syllable" (T,), "centroid" (T, 2), "heading" (T,)}}``.
    bodyparts, use_bodyparts, skeleton
        From the keypoint-moseq config (``use_bodyparts`` are the modelled keypoints).
    fps
        Frame rate of the model (keypoint-moseq config).
    video_paths
        ``{name: video file}`` of the sampled videos; empty when they have none (keypoints only).
    """

    coordinates: dict[str, np.ndarray]
    results: dict[str, dict[str, np.ndarray]]
    bodyparts: list[str]
    use_bodyparts: list[str]
    skeleton: list[list[str]]
    fps: float
    video_paths: dict[str, str]


def sample_names(names: list[str], videos: dict[str, str], max_videos: int, seed: int) -> list[str]:
    """At most ``max_videos`` of ``names``, drawn without replacement with ``seed``, sorted.

    When some videos exist, only names with a video are drawn (grid movies then show the videos).
    """
    with_video = [name for name in names if name in videos]
    if videos and not with_video:
        logger.warning(
            "None of the %d raw videos matches a video of kpms_results: keypoints only", len(videos)
        )
    elif with_video and len(with_video) < len(names):
        logger.info("%d of %d videos have a raw video; the atlas uses those", len(with_video), len(names))
    pool = sorted(with_video or names)
    if len(pool) <= max_videos:
        return pool
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(pool, size=max_videos, replace=False).tolist())


def _interpolated(coordinates: np.ndarray) -> np.ndarray:
    """Fill NaN keypoints by linear interpolation over time (keypoint-moseq's own helper)."""
    from keypoint_moseq.util import interpolate_keypoints

    return np.asarray(interpolate_keypoints(coordinates, np.isnan(coordinates).any(-1)), dtype=np.float32)


def load_recordings(
    names: list[str],
    poses: Mapping[str, Callable[[], Pose]],
    read_results: Callable[[str], dict[str, np.ndarray]],
    config: dict[str, Any],
    videos: dict[str, str],
) -> AtlasRecordings:
    """Load keypoints and results of ``names``, one video at a time.

    Parameters
    ----------
    names
        The sampled videos.
    poses
        ``{name: loader}`` of canonical poses.
    read_results
        Reads ``RESULT_KEYS`` of one recording.
    config
        keypoint-moseq config (``bodyparts``, ``use_bodyparts``, ``skeleton``, ``fps``).
    videos
        ``{name: video file}`` of the raw videos (may be empty).

    Raises
    ------
    ValueError
        When a video's keypoints and results differ in length, or it has no pose file.
    """
    coordinates, results = {}, {}
    for name in names:
        if name not in poses:
            raise ValueError(f"poses: no canonical pose file for {name!r}; rerun preprocessing")
        pose = poses[name]()
        record = read_results(name)
        if pose.n_frames != len(record["syllable"]):
            raise ValueError(
                f"{name}: {pose.n_frames} pose frames but {len(record['syllable'])} in kpms_results; "
                "rerun kpms_inference"
            )
        coordinates[name] = _interpolated(pose.coordinates)
        results[name] = {key: np.asarray(record[key]) for key in RESULT_KEYS}
    n_frames = sum(map(len, coordinates.values()))
    logger.info("Syllable atlas draws from %d video(s), %d frames", len(names), n_frames)
    return AtlasRecordings(
        coordinates=coordinates,
        results=results,
        bodyparts=list(config["bodyparts"]),
        use_bodyparts=list(config["use_bodyparts"]),
        skeleton=[list(edge) for edge in config["skeleton"]],
        fps=float(config["fps"]),
        video_paths={name: videos[name] for name in names if name in videos},
    )
