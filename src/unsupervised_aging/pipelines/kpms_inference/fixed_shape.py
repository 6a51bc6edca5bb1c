"""One ``apply_model`` call's input in keypoint-moseq's format, padded to one array shape.

JAX compiles ``apply_model`` once per array shape (~20-30 s on a CPU, docs/architecture.md#facts).
Every call's pieces are cut into segments of one length (``kpms.format_data`` with a fixed
``seg_length``) and padded with copies of its first segment to one number of rows, so every
call of a run reuses the compiled code (and the persistent compilation cache reuses it across
processes and SLURM jobs).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple

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


class Piece(NamedTuple):
    """Frames ``[start, start + len(coordinates))`` of video ``name`` for one call.

    The last ``tail`` frames (at most keypoint-moseq's segment overlap) are context for the row
    before them: :func:`format_call` drops the row that ``format_data`` starts in them.
    """

    name: str
    start: int
    coordinates: np.ndarray  # (T, K_use, 2)
    confidences: np.ndarray  # (T, K_use)
    tail: int


def video_noise(name: str, stop: int, n_keypoints: int, level: float, seed: Sequence[int]) -> np.ndarray:
    """keypoint-moseq's jitter of frames ``[0, stop)`` of one video: ``(stop, n_keypoints, 2)``.

    ``kpms.format_data`` adds uniform noise of ``added_noise_level`` pixels from a generator
    seeded 42 over the whole call, so a video's noise (and its syllables) depended on the other
    videos in its call and on where it was split. Here it is drawn per video, from the model's
    seed and the video's name, frame by frame: the same for a whole and a split video, and
    independent between two seeds.
    """
    rng = np.random.default_rng([*seed, zlib.crc32(name.encode())])
    return rng.uniform(-level, level, size=(stop, n_keypoints, 2))


def format_call(
    pieces: Sequence[Piece],
    config: dict[str, Any],
    seg_length: int,
    n_rows: int,
    noise_seed: Sequence[int],
) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Format one call's pieces for ``kpms.apply_model``, padded to ``n_rows`` segments.

    Parameters
    ----------
    pieces
        The call's pieces; a piece's recording in the call is ``piece_key(name, start)``.
    config
        keypoint-moseq config (``use_bodyparts``, ``conf_pseudocount``, ``added_noise_level``).
    seg_length
        Frames per segment.
    n_rows
        Segments per call; padding rows (recording :data:`PADDING_KEY`) copy the first segment.
    noise_seed
        Integers seeding the per-video jitter (:func:`video_noise`), e.g. the model's seed.

    Returns
    -------
    data
        ``Y`` ``(n_rows, seg_length + 30, K_use, 2)``, ``conf`` ``(n_rows, seg_length + 30, K_use)``,
        ``mask`` ``(n_rows, seg_length + 30)`` (keypoint-moseq overlaps segments by 30 frames).
    metadata
        keypoint-moseq's ``(keys, bounds)`` per row.
    """
    import keypoint_moseq as kpms

    by_key = {piece_key(piece.name, piece.start): piece for piece in pieces}
    keys = list(by_key)
    if any(key.startswith(PADDING_KEY) for key in keys):
        raise ValueError(f"A video is named {PADDING_KEY!r}, the name of padding rows here; rename it")
    use_bodyparts = list(config["use_bodyparts"])
    data, (row_keys, bounds) = kpms.format_data(
        {key: piece.coordinates for key, piece in by_key.items()},
        {key: piece.confidences for key, piece in by_key.items()},
        keys=keys,
        bodyparts=use_bodyparts,
        use_bodyparts=use_bodyparts,
        conf_pseudocount=config["conf_pseudocount"],
        added_noise_level=0.0,  # added below, per video
        seg_length=seg_length,
        min_fragment_length=MIN_FRAGMENT_LENGTH,
    )
    own_frames = np.array([len(by_key[key].coordinates) - by_key[key].tail for key in row_keys])
    keep = bounds[:, 0] < own_frames
    data = {key: np.array(value)[keep] for key, value in data.items()}
    row_keys, bounds = row_keys[keep], bounds[keep]
    level = float(config["added_noise_level"])
    if level > 0:
        for key, piece in by_key.items():
            stop = piece.start + len(piece.coordinates)
            noise = video_noise(piece.name, stop, len(use_bodyparts), level, noise_seed)[piece.start :]
            for row in np.flatnonzero(row_keys == key):
                first, last = bounds[row]
                data["Y"][row, : last - first] += noise[first:last]
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
