"""Which videos to (re)compute, cut into pieces that fit the frame budget and packed into calls.

Memory of an ``apply_model`` call grows with its frames, so no call gets more than
``frames_per_call`` frames: a longer recording is cut into pieces at segment boundaries (the
places where keypoint-moseq cuts it into independent rows anyway) and the pieces are stitched
back after the calls (:mod:`.stitching`). A piece that ends before its video does carries the
next ``tail`` frames too (keypoint-moseq's segment overlap), so its last row is exactly the row an
unsplit call has; the tail's results are dropped. Every call is padded to one shape
(:mod:`.fixed_shape`) so JAX compiles once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from unsupervised_aging.kpms.private_api import find_optimal_segment_length, segment_overlap
from unsupervised_aging.pipelines.kpms_inference.settings import InferenceSettings
from unsupervised_aging.tables import require_columns

logger = logging.getLogger(__name__)

#: keypoint-moseq's shortest allowed piece of a recording after segmentation.
MIN_FRAGMENT_LENGTH = 4

#: Columns of the plan: one row per piece (a whole video when it fits one call); ``tail``: frames
#: after ``stop`` the piece is applied with for context and that are dropped from its results.
PLAN_COLUMNS = ["name", "n_frames", "start", "stop", "tail", "call", "slot", "action"]


def video_table(inference_batches: pd.DataFrame, pose_names: set[str]) -> pd.DataFrame:
    """``name``, ``n_frames`` of the videos to model, checked against the pose files.

    Raises
    ------
    ValueError
        If columns are missing, a video is listed twice, is too short, or has no pose file.
    """
    require_columns(inference_batches, ["name", "n_frames"], "inference_batches", "rerun preprocessing")
    table = pd.DataFrame(
        {"name": inference_batches["name"].astype(str), "n_frames": inference_batches["n_frames"].astype(int)}
    )
    duplicated = table.loc[table["name"].duplicated(), "name"].tolist()
    if duplicated:
        raise ValueError(f"inference_batches: video(s) listed twice: {duplicated[:3]}; rerun preprocessing")
    short = table.loc[table["n_frames"] <= MIN_FRAGMENT_LENGTH, "name"].tolist()
    if short:
        raise ValueError(
            f"inference_batches: {len(short)} video(s) have <= {MIN_FRAGMENT_LENGTH} frames, too few for "
            f"keypoint-moseq (first: {short[:3]}); remove them from data/01_raw or fix n_frames"
        )
    unknown = sorted(set(table["name"]) - pose_names)
    if unknown:
        raise ValueError(
            f"inference_batches names {len(unknown)} video(s) without a pose file in 'poses' "
            f"(first: {unknown[:3]}); rerun preprocessing so both come from the same videos"
        )
    unbatched = sorted(pose_names - set(table["name"]))
    if unbatched:
        logger.warning(
            "%d video(s) have poses but no row in inference_batches and get no syllables: %s",
            len(unbatched),
            unbatched[:10],
        )
    return table.sort_values("name", ignore_index=True)


def segment_length(n_frames: pd.Series, settings: InferenceSettings) -> int:
    """keypoint-moseq's segment length for these videos, at most ``max_seg_length``/``frames_per_call``."""
    longest = min(settings.max_seg_length, settings.frames_per_call)
    return find_optimal_segment_length(n_frames.astype(int).tolist(), longest, MIN_FRAGMENT_LENGTH)


def cut_into_pieces(n_frames: int, piece_length: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n_frames)`` in pieces of ``piece_length`` frames.

    A last piece of at most :data:`MIN_FRAGMENT_LENGTH` frames (too short for keypoint-moseq) is
    joined to the one before.
    """
    starts = list(range(0, n_frames, piece_length))
    if len(starts) > 1 and n_frames - starts[-1] <= MIN_FRAGMENT_LENGTH:
        starts.pop()
    return [(start, stop) for start, stop in zip(starts, [*starts[1:], n_frames], strict=True)]


def pack_pieces(pieces: pd.DataFrame, frames_per_call: int) -> np.ndarray:
    """First-fit-decreasing packing of pieces into calls of at most ``frames_per_call`` frames.

    Returns
    -------
    ndarray
        ``(n_pieces,)`` call number per piece; call 0 holds the longest piece.
    """
    frames = (pieces["stop"] - pieces["start"]).to_numpy()
    order = sorted(
        range(len(pieces)), key=lambda i: (-frames[i], pieces["name"].iat[i], pieces["start"].iat[i])
    )
    loads: list[int] = []
    call = np.empty(len(pieces), dtype=int)
    for i in order:
        fits = next((c for c, load in enumerate(loads) if load + frames[i] <= frames_per_call), None)
        if fits is None:
            loads.append(0)
            fits = len(loads) - 1
        loads[fits] += frames[i]
        call[i] = fits
    return call


def plan_pieces(
    videos: pd.DataFrame, reuse: set[str], frames_per_call: int, seg_length: int, n_slots: int
) -> pd.DataFrame:
    """One row per piece of every video (:data:`PLAN_COLUMNS`), sorted by call, name, start.

    Reused videos keep one row, with ``call`` and ``slot`` -1. Pieces are a whole number of
    segments long, so a split recording is cut where keypoint-moseq cuts it anyway; every piece
    but a video's last has a ``tail`` of keypoint-moseq's segment overlap (it adds no row: the
    piece's last row holds it as an unsplit call's row does).
    """
    piece_length = max(1, frames_per_call // seg_length) * seg_length
    overlap = segment_overlap()
    rows = []
    for name, n_frames in videos[["name", "n_frames"]].itertuples(index=False):
        spans = [(0, n_frames)] if name in reuse else cut_into_pieces(n_frames, piece_length)
        rows += [(name, n_frames, start, stop, min(overlap, n_frames - stop)) for start, stop in spans]
    plan = pd.DataFrame(rows, columns=["name", "n_frames", "start", "stop", "tail"])
    plan["action"] = np.where(plan["name"].isin(reuse), "reuse", "apply")
    plan["call"] = -1
    applied = plan["action"] == "apply"
    plan.loc[applied, "call"] = pack_pieces(plan[applied].reset_index(drop=True), frames_per_call)
    slot_of_call = assign_slots(plan.loc[applied, ["name", "call"]], n_slots)
    plan["slot"] = np.where(applied, plan["call"].map(slot_of_call).fillna(-1), -1).astype(int)
    return plan[PLAN_COLUMNS].sort_values(["call", "name", "start"], ignore_index=True)


def assign_slots(pieces: pd.DataFrame, n_slots: int) -> dict[int, int]:
    """Each call's slot: calls that share a video share a slot, since a slot stitches its own pieces.

    Calls linked through a split video form a group; groups go to slots in turn, in the order of
    their first call (without split videos: call ``c`` to slot ``c % n_slots``).

    Parameters
    ----------
    pieces
        ``name``, ``call`` of every applied piece.
    n_slots
        Number of slot nodes.

    Returns
    -------
    dict
        ``{call: slot}``.
    """
    group = {int(call): int(call) for call in pieces["call"]}

    def root(call: int) -> int:
        while group[call] != call:
            call = group[call]
        return call

    for calls in pieces.groupby("name")["call"]:
        first, *others = sorted(int(c) for c in calls[1])
        for other in others:
            group[root(other)] = root(first)
    roots = sorted({root(call) for call in group})
    slot_of_root = {r: i % n_slots for i, r in enumerate(roots)}
    return {call: slot_of_root[root(call)] for call in group}


def reusable_videos(existing: Mapping, model_name: str, incremental: bool, n_videos: int) -> set[str]:
    """Videos of ``existing`` made by ``model_name`` (none when ``incremental`` is off; logged)."""
    previous = getattr(existing, "attrs", {}).get("model_name")
    if not incremental:
        logger.info("incremental is off: applying model '%s' to all %d videos", model_name, n_videos)
        return set()
    if len(existing) and previous != model_name:
        logger.warning(
            "Existing results were made by model '%s', not '%s': recomputing all %d videos",
            previous,
            model_name,
            n_videos,
        )
        return set()
    return set(existing)


def rows_per_call(plan: pd.DataFrame, seg_length: int) -> int:
    """Segments (rows) of the largest call of ``plan``: the shape every call is padded to."""
    applied = plan[plan["action"] == "apply"]
    if applied.empty:
        return 0
    rows = np.ceil((applied["stop"] - applied["start"]) / seg_length).astype(int)
    return int(rows.groupby(applied["call"].to_numpy()).sum().max())
