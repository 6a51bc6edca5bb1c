"""Nodes of the ``synthetic_cohort`` pipeline."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from unsupervised_aging.pose import Pose
from unsupervised_aging.synthetic import simulate_cohort

logger = logging.getLogger(__name__)

#: File name suffix of the demo's JABS pose files (the ``filename_suffix`` of ``raw_poses``).
POSE_SUFFIX = "_pose_est_v5.h5"
GENERATOR = "unsupervised_aging.synthetic.simulate_cohort"


def check_raw_data_is_demo(inventory: dict[str, Any]) -> None:
    """Refuse to touch raw data that the demo cohort did not write.

    Parameters
    ----------
    inventory
        What the raw folder holds (``RawInventoryDataset``): ``poses_dir``, ``pose_files``,
        ``metadata_file`` and the demo's ``manifest`` (or None).

    Raises
    ------
    ValueError
        One line naming the foreign files and the two ways out (analyse them, or empty the folder).
    """
    manifest = inventory.get("manifest") or {}
    is_demo = manifest.get("generator") == GENERATOR
    ours = set(manifest.get("pose_files", [])) if is_demo else set()
    demo_metadata = manifest.get("metadata_file") if is_demo else None
    foreign = [f"{inventory['poses_dir']}/{f}" for f in inventory["pose_files"] if not _is_ours(f, ours)]
    if inventory.get("metadata_file") and inventory["metadata_file"] != demo_metadata:
        foreign.append(inventory["metadata_file"])
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise ValueError(
            f"The raw data folder holds files the demo cohort did not write ({shown}); to analyse your own "
            f"data run `kedro run --pipeline analysis`, or empty {inventory['poses_dir']} and the metadata "
            "file to regenerate the demo"
        )


def _is_ours(path: str, ours: set[str]) -> bool:
    """A file listed in the manifest, or a temporary file left by an interrupted atomic write of one."""
    return path in ours or (path.endswith(".tmp") and any(path.startswith(f".{name}.") for name in ours))


def cohort_size(params: dict[str, Any]) -> dict[str, Any]:
    """Arguments of :func:`simulate_cohort` from the pipeline's parameters.

    ``size`` multiplies the number of mice (for benchmarks); frames per video stay the same.
    """
    size = float(params.get("size", 1.0))
    if size <= 0:
        raise ValueError(f"synthetic_cohort.size must be > 0, got {size} (parameters_synthetic_cohort.yml)")
    return {
        "n_mice": max(1, round(int(params["n_mice"]) * size)),
        "videos_per_mouse": int(params["videos_per_mouse"]),
        "n_frames": int(params["n_frames"]),
        "fps": float(params["fps"]),
        "seed": int(params["seed"]),
    }


def write_demo_cohort(
    inventory: dict[str, Any], params: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Pose], pd.DataFrame]:
    """Simulate the demo cohort, after checking that the raw folder holds only earlier demo files.

    The cohort is always rewritten (it takes seconds and is deterministic), so the files on disk
    always match the current parameters; the catalog's ``overwrite`` removes videos of an earlier,
    larger demo.

    Parameters
    ----------
    inventory
        What the raw folder holds now (``raw_inventory``).
    params
        ``n_mice, videos_per_mouse, n_frames, fps, seed, size``.

    Returns
    -------
    manifest
        ``generator``, ``parameters`` and the files written (saved first, so an interrupted run
        still recognises its own files).
    poses
        ``{"<name>_pose_est_v5.h5": Pose}``: partition ids are whole file names, so the raw folder's
        catalog entry lists every format, not only JABS.
    metadata
        One row per video (``raw_metadata``).
    """
    check_raw_data_is_demo(inventory)
    kwargs = cohort_size(params)
    poses, metadata = simulate_cohort(**kwargs)
    manifest = {
        "generator": GENERATOR,
        "parameters": kwargs,
        "pose_files": sorted(f"{name}{POSE_SUFFIX}" for name in poses),
        "metadata_file": "metadata.csv",
    }
    logger.info("Writing the demo cohort: %d videos of %d frames", len(poses), kwargs["n_frames"])
    return manifest, {f"{name}{POSE_SUFFIX}": pose for name, pose in poses.items()}, metadata
