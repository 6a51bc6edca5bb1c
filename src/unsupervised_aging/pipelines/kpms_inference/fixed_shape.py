"""Batches of videos in keypoint-moseq's input format, all of one array shape.

JAX compiles ``apply_model`` once per array shape (~20-30 s on a CPU, docs/architecture.md#facts).
Every batch is cut into segments of one length (``kpms.format_data`` with a fixed ``seg_length``) and padded
with copies of its first segment to one number of rows, so every batch reuses the compiled code
(and the persistent compilation cache reuses it across processes and SLURM jobs).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from unsupervised_aging.pose import Pose

logger = logging.getLogger(__name__)

#: Recording name of the padding rows; dropped from the results.
PADDING_KEY = "__kpms_inference_padding__"

#: keypoint-moseq's shortest allowed piece of a recording after segmentation.
MIN_FRAGMENT_LENGTH = 4


def common_shape(batch_table: pd.DataFrame, max_seg_length: int) -> tuple[int, int]:
    """Segment length and rows per call that fit every batch of ``batch_table``.

    The segment length is keypoint-moseq's own choice for these video lengths (at most
    ``max_seg_length``, padding at most 50 %); the rows are the most segments any batch needs.

    Parameters
    ----------
    batch_table
        ``name``, ``n_frames``, ``batch``: every video, so the shape stays the same when a rerun
        applies the model to a few new videos only.
    max_seg_length
        Longest segment in frames.

    Returns
    -------
    seg_length, n_rows
        Frames per segment and segments (rows) per ``apply_model`` call.

    Raises
    ------
    ValueError
        If a video has too few frames to be modelled.
    """
    from keypoint_moseq.util import _find_optimal_segment_length

    lengths = batch_table["n_frames"].astype(int).to_numpy()
    short = batch_table.loc[lengths <= MIN_FRAGMENT_LENGTH, "name"].tolist()
    if short:
        raise ValueError(
            f"inference_batches: {len(short)} video(s) have <= {MIN_FRAGMENT_LENGTH} frames, too few for "
            f"keypoint-moseq (first: {short[:3]}); remove them from data/01_raw or fix n_frames"
        )
    seg_length = int(
        _find_optimal_segment_length(
            lengths, max_seg_length=int(max_seg_length), min_fragment_length=MIN_FRAGMENT_LENGTH
        )
    )
    rows = pd.Series(np.ceil(lengths / seg_length).astype(int)).groupby(batch_table["batch"].to_numpy()).sum()
    return seg_length, int(rows.max())


def select_keypoints(pose: Pose, name: str, use_bodyparts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The model's keypoints of one video, in the model's order, as float64.

    Returns
    -------
    coordinates, confidences
        ``(T, K_use, 2)`` and ``(T, K_use)``.

    Raises
    ------
    ValueError
        If the video lacks keypoints the model uses.
    """
    missing = [b for b in use_bodyparts if b not in pose.bodyparts]
    if missing:
        raise ValueError(
            f"{pose.source or name}: the model uses keypoints {missing} that this video lacks (it has "
            f"{pose.bodyparts}); apply a model trained on this skeleton (rerun kpms_training)"
        )
    idx = [pose.bodyparts.index(b) for b in use_bodyparts]
    return pose.coordinates[:, idx].astype(np.float64), pose.confidences[:, idx].astype(np.float64)


def format_batch(
    poses: dict[str, Pose], config: dict[str, Any], seg_length: int, n_rows: int
) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Format one batch for ``kpms.apply_model``, padded to ``n_rows`` segments.

    Parameters
    ----------
    poses
        ``{name: Pose}`` of the batch's videos.
    config
        keypoint-moseq config (``use_bodyparts``, ``conf_pseudocount``, ``added_noise_level``).
    seg_length
        Frames per segment (from :func:`common_shape`).
    n_rows
        Segments per call; padding rows (recording :data:`PADDING_KEY`) copy the first segment.

    Returns
    -------
    data
        ``Y`` ``(n_rows, seg_length + 30, K_use, 2)``, ``conf`` ``(n_rows, seg_length + 30, K_use)``,
        ``mask`` ``(n_rows, seg_length + 30)`` (keypoint-moseq overlaps segments by 30 frames).
    metadata
        keypoint-moseq's ``(keys, bounds)`` per row.
    """
    import keypoint_moseq as kpms

    names = list(poses)
    if PADDING_KEY in names:
        raise ValueError(f"A video is named {PADDING_KEY!r}, the name of padding rows here; rename it")
    use_bodyparts = list(config["use_bodyparts"])
    coordinates, confidences = {}, {}
    for name in names:
        coordinates[name], confidences[name] = select_keypoints(poses[name], name, use_bodyparts)
    data, (keys, bounds) = kpms.format_data(
        coordinates,
        confidences,
        keys=names,
        bodyparts=use_bodyparts,
        use_bodyparts=use_bodyparts,
        conf_pseudocount=config.get("conf_pseudocount", 1e-3),
        added_noise_level=config.get("added_noise_level", 0.1),
        seg_length=seg_length,
        min_fragment_length=MIN_FRAGMENT_LENGTH,
    )
    data = {key: np.asarray(value) for key, value in data.items()}
    pad = n_rows - len(keys)
    if pad < 0:
        logger.warning(
            "Batch of %d videos needs %d segments, more than the %d planned from inference_batches' n_frames "
            "(do the pose files and the batch table disagree?); JAX compiles this shape anew",
            len(names),
            len(keys),
            n_rows,
        )
    elif pad > 0:
        data = {key: np.concatenate([v, np.repeat(v[:1], pad, axis=0)]) for key, v in data.items()}
        keys = np.concatenate([keys.astype(object), [PADDING_KEY] * pad])
        bounds = np.concatenate([bounds, np.repeat(bounds[:1], pad, axis=0)])
    return data, (np.asarray(keys), bounds)
