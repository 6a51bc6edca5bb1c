"""Preprocessing nodes: raw pose files + metadata.csv → validated, canonical, QC'd, sampled, batched.

Bad input fails in ``scan_pose_files`` or ``validate_inputs``, before any output is saved: every
table is decided in ``validate_inputs`` and every other saving node depends on it, so a failed
check leaves the previous run's outputs as they were.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from kedro.io import DatasetError
from matplotlib.figure import Figure
from tqdm.auto import tqdm

from unsupervised_aging.pipelines.preprocessing.consensus import consensus_pose
from unsupervised_aging.pipelines.preprocessing.qc import flag_videos, plot_quality, pose_quality
from unsupervised_aging.pipelines.preprocessing.sampling import sample_training_videos
from unsupervised_aging.pipelines.preprocessing.validation import (
    METADATA,
    check_metadata,
    match_names,
    normalise_name,
)
from unsupervised_aging.pose import Pose
from unsupervised_aging.pose_io import POSE_SUFFIXES, PoseFileError
from unsupervised_aging.tables import Problem, csv_line, raise_problems

logger = logging.getLogger(__name__)

RAW_POSES = "raw_poses (data/01_raw/poses)"
Loader = Callable[[], dict[str, Pose]]


def _load(load: Loader) -> dict[str, Pose]:
    """Load one raw pose file; Kedro's multi-line wrapper is reduced to the reader's one line."""
    try:
        poses = load()
    except DatasetError as err:
        cause = err.__cause__
        message = str(cause) if isinstance(cause, PoseFileError) else str(err).replace("\n", " ")
        raise PoseFileError(message) from err
    return {normalise_name(name): pose for name, pose in poses.items()}


def _reorder(pose: Pose, bodyparts: list[str]) -> Pose:
    """The same keypoints in the reference order."""
    if pose.bodyparts == bodyparts:
        return pose
    idx = [pose.bodyparts.index(bp) for bp in bodyparts]
    return Pose(
        pose.coordinates[:, idx],
        pose.confidences[:, idx],
        bodyparts,
        fps=pose.fps,
        cm_per_pixel=pose.cm_per_pixel,
        source=pose.source,
        extra={
            k: (v[:, idx] if v.ndim == 2 and v.shape[1] == len(idx) else v) for k, v in pose.extra.items()
        },
    )


def _with_progress(loaders: dict[str, Callable[[], Any]], desc: str) -> dict[str, Callable[[], Any]]:
    """The same lazy loaders, ticking one progress bar as Kedro calls them while saving."""
    bar = tqdm(total=len(loaders), desc=desc, unit="video", delay=1.0)

    def call(load: Callable[[], Any]) -> Any:
        result = load()
        bar.update()
        if bar.n >= bar.total:
            bar.close()
        return result

    return {name: partial(call, load) for name, load in loaders.items()}


def _estimator(partition: str) -> str:
    """Subfolder of ``data/01_raw/poses`` that holds the file (one per estimator in an ensemble)."""
    return partition.split("/", 1)[0] if "/" in partition else ""


def _keypoint_problem(pose: Pose, reference: tuple[str, list[str]]) -> str | None:
    if set(pose.bodyparts) == set(reference[1]):
        return None
    missing = sorted(set(reference[1]) - set(pose.bodyparts))
    extra = sorted(set(pose.bodyparts) - set(reference[1]))
    return (
        f"{pose.source}: keypoints differ from {reference[0]} (missing {missing}, extra {extra}); "
        "track all videos with the same keypoints or move the odd files out"
    )


def _source_problem(
    video: dict[str, Any], name: str, pid: str, pose: Pose, ensembles: set[str]
) -> str | None:
    """Why file ``pid`` cannot hold ``name`` beside the files already seen, or ``None`` (then recorded).

    One file per video per folder; a second folder may hold the same video only when both folders
    are listed in ``ensemble.estimator_folders`` (trackers of the same recordings), with equal frames.
    """
    for other in video["sources"]:
        if _estimator(other) == _estimator(pid):
            return f"{pid!r} and {other!r} both hold video {name!r}; keep one file per video per folder"
        if not {_estimator(other), _estimator(pid)} <= ensembles:
            return (
                f"{pid!r} and {other!r} both hold video {name!r}; rename a re-recording, or, if "
                f"{_estimator(pid) or '(top level)'!r} and {_estimator(other) or '(top level)'!r} are "
                "two trackers of the same videos, list both in preprocessing.ensemble.estimator_folders"
            )
    if video["sources"] and pose.n_frames != video["n_frames"]:
        return (
            f"video {name!r} has {pose.n_frames} frames in {pid!r} but {video['n_frames']} "
            f"in {video['sources'][0]!r}; export every estimator's file over the same frames"
        )
    video["sources"].append(pid)
    video.update(n_frames=pose.n_frames, pose_fps=pose.fps, cm_per_pixel=pose.cm_per_pixel)
    return None


def _pose_partitions(raw_poses: dict[str, Loader]) -> dict[str, Loader]:
    """The partitions that are pose files by their ending; hidden files skipped, others with a warning.

    A stray ``notes.txt`` or ``README.md`` beside the pose files is not worth aborting an
    hour-long run for; a file with a pose file's ending that cannot be read still is an error.
    """
    visible = {
        pid: load for pid, load in sorted(raw_poses.items()) if not pid.rsplit("/", 1)[-1].startswith(".")
    }
    others = [pid for pid in visible if not pid.lower().endswith(POSE_SUFFIXES)]
    if others:
        logger.warning(
            "%s: skipped %d file(s) that are not pose files by their ending (%s): %s; move them out "
            "of the folder to silence this",
            RAW_POSES,
            len(others),
            ", ".join(POSE_SUFFIXES),
            others[:10],
        )
    partitions = {pid: load for pid, load in visible.items() if pid not in others}
    if not partitions:
        raise PoseFileError(
            f"{RAW_POSES}: no pose files (only {others[:5] or 'hidden files'}); put the pose files there"
        )
    return partitions


def scan_pose_files(
    raw_poses: dict[str, Loader], params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read every raw pose file once, one at a time, and check them against each other.

    Parameters
    ----------
    raw_poses
        ``{partition id: loader}`` of the raw pose folder; a subfolder is an estimator.
    params
        ``preprocessing`` parameters (``qc.low_confidence``, ``ensemble.*``).

    Returns
    -------
    pose_index, pose_quality
        One row per video: ``name, n_frames, pose_fps, cm_per_pixel, estimators, source_files``
        (JSON list of partition ids) and ``bodyparts`` (JSON); and its QC figures (``name``,
        ``n_frames``, ``nan_share``, ``low_conf_share``, per keypoint, ``disagreement_px`` for
        ensembles).

    Raises
    ------
    PoseFileError
        Listing every file that cannot be used: unreadable, keypoint sets that differ between
        files, two files of the same video (unless two listed estimator folders), estimators
        disagreeing on frame count; or no pose file at all.
    """
    partitions = _pose_partitions(raw_poses)
    low = float(params["qc"]["low_confidence"])
    ensemble_folders = set(params["ensemble"]["estimator_folders"])
    reference: tuple[str, list[str]] | None = None
    videos: dict[str, dict[str, Any]] = {}
    quality: dict[str, dict[str, float]] = {}
    problems: list[str] = []
    for pid, load in tqdm(partitions.items(), desc="Reading pose files", unit="file"):
        try:
            poses = _load(load)
        except PoseFileError as err:
            problems.append(str(err))
            continue
        for name, pose in poses.items():
            reference = reference or (pose.source, pose.bodyparts)
            problem = _keypoint_problem(pose, reference) or _source_problem(
                videos.setdefault(name, {"sources": []}), name, pid, pose, ensemble_folders
            )
            if problem:
                problems.append(problem)
            elif len(videos[name]["sources"]) == 1:
                quality[name] = {"n_frames": pose.n_frames} | pose_quality(_reorder(pose, reference[1]), low)
    if problems:
        head = [f"{RAW_POSES}: {len(problems)} unusable pose file(s); fix or move them out and rerun:"]
        raise PoseFileError(problems[0] if len(problems) == 1 else "\n  ".join(head + problems[:40]))
    bodyparts = reference[1]
    ensembles = {name: v["sources"] for name, v in videos.items() if len(v["sources"]) > 1}
    scale = float(params["ensemble"]["disagreement_scale_px"])
    for name, sources in tqdm(
        ensembles.items(), desc="Ensemble consensus", unit="video", disable=not ensembles
    ):
        pose = _video_pose(name, sources, partitions, bodyparts, scale)
        quality[name] = {"n_frames": pose.n_frames} | pose_quality(pose, low)
    if ensembles:
        logger.info(
            "%d video(s) tracked by several estimators (%s): consensus poses",
            len(ensembles),
            sorted(ensemble_folders),
        )
    index = pd.DataFrame(
        [
            {
                "name": name,
                "n_frames": v["n_frames"],
                "pose_fps": v["pose_fps"],
                "cm_per_pixel": v["cm_per_pixel"],
                "estimators": json.dumps([_estimator(p) for p in v["sources"]], ensure_ascii=False),
                "source_files": json.dumps(v["sources"], ensure_ascii=False),
                "bodyparts": json.dumps(bodyparts, ensure_ascii=False),
            }
            for name, v in sorted(videos.items())
        ]
    )
    qc = pd.DataFrame([{"name": name, **quality[name]} for name in sorted(videos)])
    logger.info(
        "Read %d pose file(s): %d video(s), %d keypoints", len(partitions), len(videos), len(bodyparts)
    )
    return index, qc


def _video_pose(
    name: str, sources: list[str], raw_poses: dict[str, Loader], bodyparts: list[str], scale_px: float
) -> Pose:
    """One video's pose from its file, or the consensus of its estimators' files."""
    poses = [_reorder(_load(raw_poses[pid])[name], bodyparts) for pid in sources]
    return poses[0] if len(poses) == 1 else consensus_pose(poses, scale_px)


def validate_metadata(
    raw_metadata: pd.DataFrame, pose_index: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """Check ``metadata.csv`` and join it with the pose files.

    Returns
    -------
    pd.DataFrame
        One row per video present in both, sorted by name: the raw columns plus ``n_frames``,
        ``fps`` and ``cm_per_pixel`` (metadata's when given, else the pose file's), ``estimators``,
        ``source_files`` and ``bodyparts`` (JSON lists).

    Raises
    ------
    InputTableError
        Bad metadata (see :func:`check_metadata`), listing every bad cell; mismatched names in
        strict mode; a frame rate that is neither in the metadata nor a positive number in the file.
    """
    meta = check_metadata(raw_metadata, list(params["metadata"]["numeric_columns"]))
    names = match_names(meta["name"], pose_index["name"].tolist(), bool(params["strict"]))
    lines = meta.reset_index().set_index("name").loc[names, "index"]
    meta = meta.set_index("name").loc[names]
    poses = pose_index.set_index("name").loc[names]
    # metadata.csv's fps / cm_per_pixel win; the pose file's fill the gaps
    fps = meta["fps"].fillna(poses["pose_fps"]) if "fps" in meta else poses["pose_fps"]
    bad_fps = ~(pd.to_numeric(fps, errors="coerce") > 0)
    raise_problems(
        METADATA,
        [
            Problem(
                csv_line(int(lines[name])),
                "fps",
                f"not in the pose file {poses.loc[name, 'source_files']}; give fps",
            )
            for name in fps.index[bad_fps]
        ],
    )
    scale = poses["cm_per_pixel"].astype(float)
    if "cm_per_pixel" in meta:
        scale = meta["cm_per_pixel"].fillna(scale)
    meta = meta.drop(columns=[c for c in ("fps", "n_frames", "cm_per_pixel") if c in meta])
    meta = meta.assign(n_frames=poses["n_frames"], fps=fps.astype(float), cm_per_pixel=scale)
    meta = meta.assign(
        estimators=poses["estimators"], source_files=poses["source_files"], bodyparts=poses["bodyparts"]
    )
    return meta.reset_index()


def quality_report(
    pose_quality_table: pd.DataFrame, metadata: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """QC report of every pose video; ``in_metadata`` marks those used later.

    Returns
    -------
    pd.DataFrame
        One row per video: ``name, in_metadata, n_frames, nan_share, low_conf_share,
        missing_share, flagged, too_short, flag_reason`` and the per-keypoint shares (and ensemble
        disagreement).
    """
    qc_params = params["qc"]
    bodyparts = json.loads(metadata["bodyparts"].iloc[0])
    qc = flag_videos(
        pose_quality_table, bodyparts, float(qc_params["max_missing_share"]), int(qc_params["min_frames"])
    )
    qc.insert(1, "in_metadata", qc["name"].isin(metadata["name"]))
    lead = ["name", "in_metadata", "n_frames", "nan_share", "low_conf_share", "missing_share"]
    lead += ["flagged", "too_short", "flag_reason"]
    qc = qc[lead + [c for c in qc.columns if c not in lead]]
    flagged = qc[qc["flagged"] & qc["in_metadata"]]
    if len(flagged):
        logger.warning(
            "QC flags %d of %d video(s): %s",
            len(flagged),
            int(qc["in_metadata"].sum()),
            "; ".join(f"{row.name!r}: {row.flag_reason}" for row in flagged.itertuples(index=False)),
        )
    return qc


def training_set(metadata: pd.DataFrame, qc_report: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The keypoint-MoSeq training videos, stratified by age bin and sex, with the reason for each.

    Too-short videos always stay out (nothing to fit syllables on); other QC-flagged videos stay
    out when ``training_set.exclude_flagged``.

    Returns
    -------
    pd.DataFrame
        ``name, mouse_id, age, sex, age_bin, reason``.
    """
    cfg = params["training_set"]
    used = qc_report[qc_report["in_metadata"]]
    left_out = used["too_short"] | (used["flagged"] if cfg["exclude_flagged"] else False)
    return sample_training_videos(
        metadata,
        dict(zip(used.loc[left_out, "name"], used.loc[left_out, "flag_reason"], strict=True)),
        n=int(cfg["n"]),
        n_bins=int(cfg["n_age_bins"]),
        edges=cfg["age_bin_edges"],
        seed=int(cfg["seed"]),
    )


def inference_batches(metadata: pd.DataFrame) -> pd.DataFrame:
    """Every video (training videos too) with its frame count, the videos kpms_inference labels.

    kpms_inference packs them into ``apply_model`` calls of at most ``kpms_inference.frames_per_call``
    frames (the one frame budget of the project), splitting longer videos.

    Returns
    -------
    pd.DataFrame
        ``name, n_frames`` sorted by name.
    """
    frames = metadata.set_index("name")["n_frames"].astype(int)
    table = pd.DataFrame({"name": frames.index, "n_frames": frames.to_numpy()})
    logger.info("%d video(s) for inference, %d frames", len(table), int(table["n_frames"].sum()))
    return table.sort_values("name").reset_index(drop=True)


def validate_inputs(
    raw_metadata: pd.DataFrame,
    pose_index: pd.DataFrame,
    pose_quality_table: pd.DataFrame,
    params: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every table preprocessing writes, computed in memory, so any bad input fails before a write.

    The metadata checks, QC flags, training sample and batches are all decided here, in one
    node: Kedro saves a node's outputs only after it returns, so a run whose metadata is bad or
    whose every video is QC-flagged writes nothing (docs/architecture.md, partial runs).

    Returns
    -------
    metadata, qc_report, training_set, inference_batches
        See :func:`validate_metadata`, :func:`quality_report`, :func:`training_set` and
        :func:`inference_batches`.
    """
    metadata = validate_metadata(raw_metadata, pose_index, params)
    qc = quality_report(pose_quality_table, metadata, params)
    return metadata, qc, training_set(metadata, qc, params), inference_batches(metadata)


def plot_qc(qc_report: pd.DataFrame, metadata: pd.DataFrame, params: dict[str, Any]) -> Figure:
    """Heatmap of missing share per video × keypoint with the flag threshold (``qc_plot``)."""
    bodyparts = json.loads(metadata["bodyparts"].iloc[0])
    return plot_quality(qc_report, bodyparts, float(params["qc"]["max_missing_share"]))


def build_poses(
    raw_poses: dict[str, Loader], metadata: pd.DataFrame, params: dict[str, Any]
) -> dict[str, Callable[[], Pose]]:
    """Canonical poses of the validated videos, built lazily one at a time while they are saved.

    Returns
    -------
    dict[str, Callable[[], Pose]]
        ``{name: loader}``; the loader reads the video's raw file(s) (the last file read is kept,
        so the animals of one multi-animal file are read once), builds the ensemble consensus
        when several estimators tracked it, and sets the frame rate from the metadata.
    """
    scale = float(params["ensemble"]["disagreement_scale_px"])
    cache: dict[str, dict[str, Pose]] = {}

    def load_file(pid: str) -> dict[str, Pose]:
        if pid not in cache:
            cache.clear()
            cache[pid] = _load(raw_poses[pid])
        return cache[pid]

    def build(name: str, sources: list[str], bodyparts: list[str], fps: float) -> Pose:
        poses = [_reorder(load_file(pid)[name], bodyparts) for pid in sources]
        pose = poses[0] if len(poses) == 1 else consensus_pose(poses, scale)
        pose.fps = fps
        return pose

    loaders = {
        row.name: partial(build, row.name, json.loads(row.source_files), json.loads(row.bodyparts), row.fps)
        for row in metadata.itertuples(index=False)
    }
    return _with_progress(loaders, "Writing canonical poses")


def _pose_table(load: Callable[[], Pose]) -> pd.DataFrame:
    pose = load()
    columns = {"frame": np.arange(pose.n_frames)}
    for k, bp in enumerate(pose.bodyparts):
        columns |= {
            f"{bp}_x": pose.coordinates[:, k, 0],
            f"{bp}_y": pose.coordinates[:, k, 1],
            f"{bp}_likelihood": pose.confidences[:, k],
        }
    return pd.DataFrame(columns)


def export_pose_csvs(
    poses: dict[str, Callable[[], Pose]], params: dict[str, Any]
) -> dict[str, Callable[[], pd.DataFrame]]:
    """Per-video CSV poses (the seeds' ``convert_h5_to_csv``), lazily, when ``pose_csv.export`` is on.

    No stage reads them; writing them costs ~2.5 s and ~30 MB per one-hour video, so they are off
    by default (then the folder is emptied, so no stale CSV sits beside new poses).

    Returns
    -------
    dict[str, Callable[[], pd.DataFrame]]
        ``{name: table}`` with one row per frame: ``frame``, then ``<bodypart>_x``, ``<bodypart>_y``,
        ``<bodypart>_likelihood`` per keypoint (NaN where missing); ``{}`` when export is off.
    """
    if not params["pose_csv"]["export"]:
        logger.info("Pose CSV export is off (preprocessing.pose_csv.export: false)")
        return {}
    return _with_progress(
        {name: partial(_pose_table, load) for name, load in poses.items()}, "Writing pose CSVs"
    )
