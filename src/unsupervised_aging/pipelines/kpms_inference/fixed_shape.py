"""One ``apply_model`` call's input in keypoint-moseq's format, padded to one array shape.

JAX compiles ``apply_model`` once per array shape (~20-30 s on a CPU, docs/architecture.md#facts).
Every call's pieces are cut into segments of one length (``kpms.format_data`` with a fixed
``seg_length``) and padded with copies of its first segment to one number of rows, so every
call of a run reuses the compiled code (and the persistent compilation cache reuses it across
processes and SLURM jobs).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from unsupervised_aging.pipelines.kpms_inference.planning import MIN_FRAGMENT_LENGTH
from unsupervised_aging.pose import Pose

logger = logging.getLogger(__name__)

#: Recording name of the padding rows; dropped from the results.
PADDING_KEY = "__kpms_inference_padding__"

#: Joins a video's name and a piece's first frame into the piece's recording name in a call.
PIECE_SEPARATOR = "@frame"


def piece_key(name: str, start: int) -> str:
    """Recording name of the piece of ``name`` that starts at frame ``start``."""
    return f"{name}{PIECE_SEPARATOR}{start}"


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


def format_call(
    pieces: dict[str, tuple[np.ndarray, np.ndarray]], config: dict[str, Any], seg_length: int, n_rows: int
) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Format one call's pieces for ``kpms.apply_model``, padded to ``n_rows`` segments.

    Parameters
    ----------
    pieces
        ``{piece key: (coordinates (T, K_use, 2), confidences (T, K_use))}``.
    config
        keypoint-moseq config (``use_bodyparts``, ``conf_pseudocount``, ``added_noise_level``).
    seg_length
        Frames per segment.
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

    keys = list(pieces)
    if any(key.startswith(PADDING_KEY) for key in keys):
        raise ValueError(f"A video is named {PADDING_KEY!r}, the name of padding rows here; rename it")
    use_bodyparts = list(config["use_bodyparts"])
    data, (row_keys, bounds) = kpms.format_data(
        {key: coords for key, (coords, _) in pieces.items()},
        {key: confs for key, (_, confs) in pieces.items()},
        keys=keys,
        bodyparts=use_bodyparts,
        use_bodyparts=use_bodyparts,
        conf_pseudocount=config["conf_pseudocount"],
        added_noise_level=config["added_noise_level"],
        seg_length=seg_length,
        min_fragment_length=MIN_FRAGMENT_LENGTH,
    )
    data = {key: np.asarray(value) for key, value in data.items()}
    pad = n_rows - len(row_keys)
    if pad < 0:
        logger.warning(
            "A call of %d pieces needs %d segments, more than the %d planned from inference_batches' "
            "n_frames (do the pose files and the batch table disagree?); JAX compiles this shape anew",
            len(keys),
            len(row_keys),
            n_rows,
        )
    elif pad > 0:
        data = {key: np.concatenate([v, np.repeat(v[:1], pad, axis=0)]) for key, v in data.items()}
        row_keys = np.concatenate([row_keys.astype(object), [PADDING_KEY] * pad])
        bounds = np.concatenate([bounds, np.repeat(bounds[:1], pad, axis=0)])
    return data, (np.asarray(row_keys), bounds)
