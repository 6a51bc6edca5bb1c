"""JABS pose files (``<video>_pose_est_v<N>.h5``, versions 2–6): read any, write v5.

Layout (checked against real files and ``sleap_io.io.jabs``): ``poseest/points`` uint16 ``(T, 12, 2)``
in v2 and ``(T, I, 12, 2)`` from v3, stored as **(y, x)**; ``poseest/confidence`` with 0 for a missing
point; v3 numbers short tracklets in ``instance_track_id`` (valid for the first ``instance_count[t]``
slots); v4+ holds long-term identities in ``instance_embed_id`` (0 unassigned, 1…n the animals); v5+
carries ``cm_per_pixel`` as an attribute of ``poseest``. The reader is vectorised (``sleap_io.load_jabs``
builds Python objects frame by frame and drops ``cm_per_pixel``) and swaps (y, x) exactly once.
"""

from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np

from unsupervised_aging.datasets.atomic import atomic_path
from unsupervised_aging.pose import Pose
from unsupervised_aging.pose_io.naming import animal_names, jabs_name

logger = logging.getLogger(__name__)

JABS_KEYPOINTS = [
    "NOSE",
    "LEFT_EAR",
    "RIGHT_EAR",
    "BASE_NECK",
    "LEFT_FRONT_PAW",
    "RIGHT_FRONT_PAW",
    "CENTER_SPINE",
    "LEFT_REAR_PAW",
    "RIGHT_REAR_PAW",
    "BASE_TAIL",
    "MID_TAIL",
    "TIP_TAIL",
]
#: JABS records no frame rate; its videos are 30 fps.
JABS_FPS = 30.0


def is_jabs(f: h5py.File) -> bool:
    """Whether an open HDF5 file has the JABS layout."""
    return "poseest" in f and "points" in f["poseest"] and "confidence" in f["poseest"]


def _version(group: h5py.Group, points: h5py.Dataset) -> int:
    version = group.attrs.get("version")
    if version is not None and np.size(version) > 0:
        return int(np.ravel(version)[0])
    return 2 if points.ndim == 3 else 3


def _animal_slots(group: h5py.Group, version: int, valid: np.ndarray) -> tuple[str, dict[int, np.ndarray]]:
    """Which instance slot holds each animal in each frame.

    Parameters
    ----------
    group
        The ``poseest`` group.
    version
        JABS pose version.
    valid
        ``(T, I)`` bool, slots with at least one point.

    Returns
    -------
    prefix, slots
        ``"mouse"`` when following long-term identities, ``"track"`` for tracklets; ``slots[label]``
        is ``(T,)`` int, the slot of that animal in each frame or -1 when absent.
    """
    n_frames, n_slots = valid.shape
    if n_slots == 1:
        return "track", {0: np.where(valid[:, 0], 0, -1)}
    embed = group["instance_embed_id"][()] if version >= 4 and "instance_embed_id" in group else None
    if embed is not None and np.any(embed[valid] > 0):
        prefix, ids, keep = "mouse", embed, valid & (embed > 0)
    else:
        if "instance_track_id" not in group:
            raise ValueError("multi-instance JABS file without instance_track_id or instance_embed_id")
        ids = group["instance_track_id"][()]
        keep = valid.copy()
        if version == 3 and "instance_count" in group:
            keep &= np.arange(n_slots)[None, :] < group["instance_count"][()][:, None]
        prefix = "track"
    slots = {}
    for label in np.unique(ids[keep]):
        frames, slot = np.nonzero(keep & (ids == label))
        first = np.unique(frames, return_index=True)[1]  # one slot per frame if an id repeats
        per_frame = np.full(n_frames, -1)
        per_frame[frames[first]] = slot[first]
        slots[int(label)] = per_frame
    return prefix, slots


def read_jabs(path: str | Path, fps: float | None = None) -> dict[str, Pose]:
    """Read a JABS pose file, one :class:`Pose` per animal.

    Parameters
    ----------
    path
        ``<video>_pose_est_v<N>.h5``.
    fps
        Frame rate; JABS files do not record it (default 30).

    Returns
    -------
    dict[str, Pose]
        ``{<video>: pose}`` for one animal; ``<video>_mouse<id>`` per long-term identity (v4+) or
        ``<video>_track<id>`` per tracklet otherwise. Coordinates ``(T, 12, 2)`` are ``(x, y)``.
    """
    path = Path(path)
    with h5py.File(path, "r") as f:
        group = f["poseest"]
        version = _version(group, group["points"])
        points = group["points"][()]
        conf = group["confidence"][()].astype(np.float32)
        cm = group.attrs.get("cm_per_pixel")
        if points.ndim == 3:  # v2: single animal
            points, conf = points[:, None], conf[:, None]
        if points.ndim != 4 or points.shape[-1] != 2 or conf.shape != points.shape[:3]:
            raise ValueError(f"unexpected JABS shapes: points {points.shape}, confidence {conf.shape}")
        valid = (conf > 0).any(-1)
        prefix, slots = _animal_slots(group, version, valid)
    n_keypoints = points.shape[2]
    standard = n_keypoints == len(JABS_KEYPOINTS)
    bodyparts = JABS_KEYPOINTS if standard else [f"kp{i}" for i in range(n_keypoints)]
    xy = points[..., ::-1].astype(np.float32)  # (y, x) on disk → (x, y): the one swap
    xy[conf <= 0] = np.nan
    conf[conf <= 0] = 0.0
    labels = sorted(slots)
    names = animal_names(jabs_name(path), [str(label) for label in labels], prefix)
    frames = np.arange(points.shape[0])
    poses = {}
    for name, label in zip(names, labels, strict=True):
        slot = slots[label]
        present = slot >= 0
        coords = np.full(points.shape[:1] + points.shape[2:], np.nan, dtype=np.float32)
        confs = np.zeros(conf.shape[:1] + conf.shape[2:], dtype=np.float32)
        coords[present] = xy[frames[present], slot[present]]
        confs[present] = conf[frames[present], slot[present]]
        poses[name] = Pose(
            coordinates=coords,
            confidences=confs,
            bodyparts=bodyparts,
            fps=fps or JABS_FPS,
            cm_per_pixel=None
            if cm is None
            else float(str(np.ravel(cm)[0])),  # float32 0.08, not 0.0799999982
            source=str(path),
        )
    if len(poses) > 1:
        logger.info("%s: JABS v%d with %d animals (%ss)", path.name, version, len(poses), prefix)
    return poses


def write_jabs(path: str | Path, pose: Pose) -> None:
    """Write one animal's pose as a JABS v5 pose file, atomically.

    Same datasets as ``sleap_io.save_jabs(labels, 5)`` (points uint16 ``(T, 1, 12, 2)`` stored
    (y, x), confidence, instance_count, instance_track_id, instance_embed_id, id_mask, …) plus
    the ``cm_per_pixel`` attribute. Missing (NaN) points get confidence 0 and points 0; present
    points are rounded to whole pixels as JABS stores them.

    Parameters
    ----------
    path
        Target ``<video>_pose_est_v5.h5``.
    pose
        Pose with the 12 JABS keypoints in JABS order.
    """
    if pose.bodyparts != JABS_KEYPOINTS:
        raise ValueError(
            f"{path}: JABS files hold the 12 keypoints {JABS_KEYPOINTS} in this order, got {pose.bodyparts}"
        )
    missing = np.isnan(pose.coordinates).any(-1) | ~(pose.confidences > 0)
    xy = np.where(missing[..., None], 0.0, pose.coordinates)
    points = np.clip(np.rint(xy[..., ::-1]), 0, np.iinfo(np.uint16).max).astype(np.uint16)[:, None]
    conf = np.where(missing, 0.0, np.clip(pose.confidences, 0.0, 1.0)).astype(np.float32)[:, None]
    present = ~missing.all(-1)[:, None]  # (T, 1)
    n_frames = points.shape[0]
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        group = f.create_group("poseest")
        group.attrs["version"] = np.array([5, 0], dtype=np.uint16)
        if pose.cm_per_pixel is not None:
            group.attrs["cm_per_pixel"] = np.float32(pose.cm_per_pixel)
            group.attrs["cm_per_pixel_source"] = "unsupervised_aging"
        group.create_dataset("points", data=points, compression="gzip", compression_opts=1)
        group.create_dataset("confidence", data=conf, compression="gzip", compression_opts=1)
        group.create_dataset("instance_count", data=present[:, 0].astype(np.uint8))
        group.create_dataset("instance_track_id", data=np.zeros((n_frames, 1), dtype=np.uint32))
        group.create_dataset("instance_embedding", data=np.zeros_like(conf))
        group.create_dataset("id_mask", data=~present)
        group.create_dataset("identity_embeds", data=np.zeros((n_frames, 1, 0), dtype=np.float32))
        group.create_dataset("instance_id_center", data=np.zeros((1, 0), dtype=np.float32))
        group.create_dataset("instance_embed_id", data=present.astype(np.uint32))
