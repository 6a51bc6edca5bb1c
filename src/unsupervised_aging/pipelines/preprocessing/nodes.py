"""Preprocessing nodes: raw pose files + metadata.csv → validated, canonical, QC'd, sampled, batched.

Bad input fails in ``scan_pose_files`` or ``validate_metadata``, before any output is saved (every
saving node depends on ``metadata``), so a failed run leaves no partial artefact.
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
from unsupervised_aging.pipelines.preprocessing.sampling import batch_by_frames, sample_training_videos
from unsupervised_aging.pipelines.preprocessing.validation import check_metadata, match_names, normalise_name
from unsupervised_aging.pose import Pose
from unsupervised_aging.pose_io import PoseFileError

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


def _check_keypoints(pose: Pose, reference: tuple[str, list[str]]) -> None:
    if set(pose.bodyparts) != set(reference[1]):
        missing = sorted(set(reference[1]) - set(pose.bodyparts))
        extra = sorted(set(pose.bodyparts) - set(reference[1]))
        raise ValueError(
            f"{pose.source}: keypoints differ from {reference[0]} (missing {missing}, extra {extra}); "
            "track all videos with the same keypoints or move the odd files out"
        )


def _add_source(video: dict[str, Any], name: str, pid: str, pose: Pose) -> None:
    """Record that file ``pid`` holds ``name``; one file per video per estimator, equal frame counts."""
    clash = [p for p in video["sources"] if _estimator(p) == _estimator(pid)]
    if clash:
        raise ValueError(
            f"{RAW_POSES}: {pid!r} and {clash[0]!r} both hold video {name!r}; "
            "keep one file per video per estimator subfolder"
        )
    if video["sources"] and pose.n_frames != video["n_frames"]:
        raise ValueError(
            f"{RAW_POSES}: video {name!r} has {pose.n_frames} frames in {pid!r} but {video['n_frames']} "
            f"in {video['sources'][0]!r}; export every estimator's file over the same frames"
        )
    video["sources"].append(pid)
    video.update(n_frames=pose.n_frames, pose_fps=pose.fps, cm_per_pixel=pose.cm_per_pixel)


def scan_pose_files(
    raw_poses: dict[str, Loader], params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read every raw pose file once, one at a time, and check them against each other.

    Parameters
    ----------
    raw_poses
        ``{partition id: loader}`` of the raw pose folder; a subfolder is an estimator.
    params
        ``preprocessing`` parameters (``qc.low_confidence``, ``ensemble.disagreement_scale_px``).

    Returns
    -------
    pose_index, pose_quality
        One row per video: ``name, n_frames, pose_fps, cm_per_pixel, estimators, source_files``
        (JSON list of partition ids) and ``bodyparts`` (JSON); and its QC figures (``name``,
        ``nan_share``, ``low_conf_share``, per keypoint, ``disagreement_px`` for ensembles).

    Raises
    ------
    PoseFileError, ValueError
        A file that cannot be read, an empty folder, keypoint sets that differ between files,
        one estimator giving two files of the same video, estimators disagreeing on frame count.
    """
    partitions = {
        pid: load for pid, load in sorted(raw_poses.items()) if not pid.rsplit("/", 1)[-1].startswith(".")
    }
    if not partitions:
        raise ValueError(f"{RAW_POSES}: no pose files (only hidden files); put the pose files there")
    low = float(params["qc"]["low_confidence"])
    reference: tuple[str, list[str]] | None = None
    videos: dict[str, dict[str, Any]] = {}
    quality: dict[str, dict[str, float]] = {}
    for pid, load in tqdm(partitions.items(), desc="Reading pose files", unit="file"):
        for name, pose in _load(load).items():
            reference = reference or (pose.source, pose.bodyparts)
            _check_keypoints(pose, reference)
            _add_source(videos.setdefault(name, {"sources": []}), name, pid, pose)
            if len(videos[name]["sources"]) == 1:
                quality[name] = pose_quality(_reorder(pose, reference[1]), low)
    bodyparts = reference[1]
    ensembles = {name: v["sources"] for name, v in videos.items() if len(v["sources"]) > 1}
    scale = float(params["ensemble"]["disagreement_scale_px"])
    for name, sources in tqdm(
        ensembles.items(), desc="Ensemble consensus", unit="video", disable=not ensembles
    ):
        quality[name] = pose_quality(_video_pose(name, sources, partitions, bodyparts, scale), low)
    if ensembles:
        logger.info("%d video(s) tracked by several estimators: consensus poses", len(ensembles))
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
    ValueError
        Bad metadata (see :func:`check_metadata`); mismatched names in strict mode.
    """
    meta = check_metadata(raw_metadata)
    names = match_names(meta["name"].tolist(), pose_index["name"].tolist(), bool(params.get("strict", False)))
    meta = meta.set_index("name").loc[names]
    poses = pose_index.set_index("name").loc[names]
    # metadata.csv's fps / cm_per_pixel win; the pose file's fill the gaps
    fps = meta["fps"].fillna(poses["pose_fps"]) if "fps" in meta else poses["pose_fps"]
    scale = poses["cm_per_pixel"].astype(float)
    if "cm_per_pixel" in meta:
        scale = pd.to_numeric(meta["cm_per_pixel"], errors="coerce").fillna(scale)
    meta = meta.drop(columns=[c for c in ("fps", "n_frames", "cm_per_pixel") if c in meta])
    meta = meta.assign(n_frames=poses["n_frames"], fps=fps, cm_per_pixel=scale)
    meta = meta.assign(
        estimators=poses["estimators"], source_files=poses["source_files"], bodyparts=poses["bodyparts"]
    )
    return meta.reset_index()


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


def export_pose_csvs(poses: dict[str, Callable[[], Pose]]) -> dict[str, Callable[[], pd.DataFrame]]:
    """Per-video CSV poses (the seeds' ``convert_h5_to_csv``), lazily.

    Returns
    -------
    dict[str, Callable[[], pd.DataFrame]]
        ``{name: table}`` with one row per frame: ``frame``, then ``<bodypart>_x``, ``<bodypart>_y``,
        ``<bodypart>_likelihood`` per keypoint (NaN where missing).
    """
    return _with_progress(
        {name: partial(_pose_table, load) for name, load in poses.items()}, "Writing pose CSVs"
    )


def report_quality(
    pose_quality_table: pd.DataFrame, metadata: pd.DataFrame, params: dict[str, Any]
) -> tuple[pd.DataFrame, Figure]:
    """QC report of every pose video (``in_metadata`` marks those used later) and its plot.

    Returns
    -------
    qc_report, qc_plot
        One row per video: ``name, in_metadata, n_frames, nan_share, low_conf_share,
        missing_share, flagged, flag_reason`` and the per-keypoint shares (and ensemble
        disagreement); a heatmap of missing share per video × keypoint with the flag threshold.
    """
    threshold = float(params["qc"]["max_missing_share"])
    qc = flag_videos(pose_quality_table, threshold)
    qc.insert(1, "in_metadata", qc["name"].isin(metadata["name"]))
    bodyparts = json.loads(metadata["bodyparts"].iloc[0])
    lead = ["name", "in_metadata", "nan_share", "low_conf_share", "missing_share", "flagged", "flag_reason"]
    qc = qc[lead + [c for c in qc.columns if c not in lead]]
    flagged = qc.loc[qc["flagged"], "name"].tolist()
    if flagged:
        logger.warning("QC flags %d of %d video(s): %s", len(flagged), len(qc), flagged)
    return qc, plot_quality(qc, bodyparts, threshold)


def sample_training_set(
    metadata: pd.DataFrame, qc_report: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """The keypoint-MoSeq training videos, stratified by age bin and sex, with the reason for each.

    Returns
    -------
    pd.DataFrame
        ``name, mouse_id, age, sex, age_bin, reason``.
    """
    cfg = params["training_set"]
    flagged = set(qc_report.loc[qc_report["flagged"], "name"]) if cfg.get("exclude_flagged", True) else set()
    return sample_training_videos(
        metadata,
        flagged & set(metadata["name"]),
        n=int(cfg["n"]),
        n_bins=int(cfg["n_age_bins"]),
        edges=cfg.get("age_bin_edges"),
        seed=int(cfg["seed"]),
    )


def assign_inference_batches(metadata: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Every video (training videos too) in a batch of at most ``inference_batches.max_frames`` frames.

    Returns
    -------
    pd.DataFrame
        ``name, n_frames, batch`` sorted by batch and name.
    """
    frames = metadata.set_index("name")["n_frames"].astype(int)
    batches = batch_by_frames(frames, int(params["inference_batches"]["max_frames"]))
    table = pd.DataFrame({"name": frames.index, "n_frames": frames.to_numpy(), "batch": batches.to_numpy()})
    logger.info("%d video(s) in %d inference batch(es)", len(table), table["batch"].nunique())
    return table.sort_values(["batch", "name"]).reset_index(drop=True)
