"""Training poses in keypoint-moseq's input format, with the checks that give clear errors."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from unsupervised_aging.kpms.poses import PoseLoaders, loaders_by_name
from unsupervised_aging.pose import Pose

logger = logging.getLogger(__name__)


def training_names(training_set: pd.DataFrame, poses: PoseLoaders) -> list[str]:
    """Sorted names of the training videos, checked against the available poses.

    Raises
    ------
    ValueError
        If ``training_set`` has no ``name`` column, is empty, or names videos without poses.
    """
    if "name" not in training_set.columns:
        raise ValueError("training_set: no 'name' column; rerun preprocessing to rebuild training_set.csv")
    names = sorted(dict.fromkeys(training_set["name"].astype(str)))
    if not names:
        raise ValueError("training_set: no videos to train on; check preprocessing's sampling parameters")
    missing = sorted(set(names) - set(loaders_by_name(poses)))
    if missing:
        raise ValueError(
            f"training_set names {len(missing)} video(s) without a pose file in 'poses' "
            f"(first: {missing[:3]}); rerun preprocessing"
        )
    return names


def training_fps(metadata: pd.DataFrame, names: list[str]) -> float:
    """Frame rate of the training videos from ``metadata`` (the most common one if they differ)."""
    if "fps" not in metadata.columns:
        raise ValueError("metadata: no 'fps' column; rerun preprocessing (it adds fps per video)")
    rows = metadata[metadata["name"].astype(str).isin(names)]
    missing = sorted(set(names) - set(rows["name"].astype(str)))
    if missing:
        raise ValueError(f"metadata has no row for training video(s) {missing[:3]}; rerun preprocessing")
    fps = rows["fps"].astype(float)
    if fps.isna().any() or (fps <= 0).any():
        bad = rows.loc[fps.isna() | (fps <= 0), "name"].tolist()
        raise ValueError(f"metadata: missing or non-positive fps for {bad[:3]}; fix the 'fps' column")
    counts = fps.value_counts()
    if len(counts) > 1:
        logger.warning(
            "Training videos have different frame rates %s; syllable durations use the most common, %.3g fps",
            counts.to_dict(),
            counts.index[0],
        )
    return float(counts.index[0])


def load_training_poses(
    poses: PoseLoaders,
    names: list[str],
    bodyparts: list[str],
    use_bodyparts: list[str],
    max_frames: int | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Load the training videos as keypoint-moseq ``coordinates`` and ``confidences`` dicts.

    Videos whose modelled keypoints are all NaN are left out with a warning.

    Parameters
    ----------
    poses
        Lazy loaders per video (the ``poses`` PartitionedDataset).
    names
        Training videos.
    bodyparts
        Expected keypoints, in the order of the files' keypoint axis.
    use_bodyparts
        Keypoints the model uses.
    max_frames
        Train on the first ``max_frames`` frames of each video (all when ``None``).

    Returns
    -------
    coordinates, confidences
        ``{name: (T, K, 2)}`` and ``{name: (T, K)}`` float arrays over all ``bodyparts``.

    Raises
    ------
    ValueError
        If a video's keypoints differ from ``bodyparts`` or every training video is all-NaN.
    """
    loaders = loaders_by_name(poses)
    use_idx = [bodyparts.index(b) for b in use_bodyparts]
    coordinates: dict[str, np.ndarray] = {}
    confidences: dict[str, np.ndarray] = {}
    for name in names:
        pose = loaders[name]()
        if max_frames is not None and pose.n_frames > max_frames:
            pose = Pose(
                pose.coordinates[:max_frames], pose.confidences[:max_frames], pose.bodyparts, pose.fps
            )
        if pose.bodyparts != bodyparts:
            raise ValueError(
                f"{pose.source or name}: keypoints {pose.bodyparts} differ from the training set's "
                f"{bodyparts}; train on videos tracked with one skeleton"
            )
        if np.isnan(pose.coordinates[:, use_idx]).all():
            logger.warning("%s: every modelled keypoint is NaN; left out of kpms training", name)
            continue
        coordinates[name] = pose.coordinates.astype(np.float64)
        confidences[name] = pose.confidences.astype(np.float64)
    if not coordinates:
        raise ValueError(
            f"All {len(names)} training videos have only NaN for the keypoints {use_bodyparts}; "
            "check the pose files or use_bodyparts in parameters_kpms_training.yml"
        )
    return coordinates, confidences


def format_training_data(
    poses: PoseLoaders, training_set: pd.DataFrame, config: dict[str, Any], max_frames: int | None = None
) -> tuple[dict[str, Any], tuple, list[str]]:
    """Training videos (first ``max_frames`` frames of each) formatted by ``kpms.format_data``.

    Returns
    -------
    data
        ``Y`` ``(n_segments, seg_length, K_use, 2)``, ``conf`` ``(n_segments, seg_length, K_use)``,
        ``mask`` ``(n_segments, seg_length)``.
    metadata
        keypoint-moseq's ``(keys, bounds)`` of the segments.
    names
        The videos used (all-NaN videos left out).
    """
    import keypoint_moseq as kpms

    names = training_names(training_set, poses)
    coordinates, confidences = load_training_poses(
        poses, names, list(config["bodyparts"]), list(config["use_bodyparts"]), max_frames
    )
    data, metadata = kpms.format_data(coordinates, confidences, **config)
    return data, metadata, sorted(coordinates)
