"""Time and peak memory of the preprocessing pipeline as videos get more numerous and longer.

Run: ``.venv/bin/python benchmarks/preprocessing_throughput.py [N_VIDEOS:N_FRAMES ...]`` (default
``8:1800 32:1800 8:108000``; 108,000 frames is an hour at 30 fps). Each case runs in a fresh process
on JABS v5 files in a temporary folder, through the project's catalog entries; it prints seconds to
run the pipeline, frames per second and the process's peak RSS. Peak RSS should follow the longest
video, not the number of videos (poses are read and written one video at a time).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from unsupervised_aging.pipelines.preprocessing import create_pipeline
from unsupervised_aging.pose import Pose
from unsupervised_aging.pose_io import JABS_KEYPOINTS, write_jabs

CONF = Path(__file__).resolve().parents[1] / "conf" / "base"


def _write_raw(root: Path, n_videos: int, n_frames: int) -> None:
    rng = np.random.default_rng(0)
    for i in range(n_videos):
        centre = 350 + np.cumsum(rng.normal(0, 2, (n_frames, 1, 2)), axis=0).clip(-300, 300)
        coords = centre + rng.normal(0, 20, (1, 12, 2)) + rng.normal(0, 1, (n_frames, 12, 2))
        pose = Pose(coords, rng.uniform(0.3, 1, (n_frames, 12)), JABS_KEYPOINTS, fps=30.0)
        write_jabs(root / "data/01_raw/poses" / f"video {i:04d}_pose_est_v5.h5", pose)
    pd.DataFrame(
        {
            "name": [f"video {i:04d}" for i in range(n_videos)],
            "mouse_id": np.arange(n_videos) // 2,
            "age": rng.uniform(8, 160, n_videos),
            "sex": rng.choice(["M", "F"], n_videos),
        }
    ).to_csv(root / "data/01_raw/metadata.csv", index=False)


def _catalog(root: Path) -> DataCatalog:
    entries = yaml.safe_load((CONF / "catalog_preprocessing.yml").read_text())
    entries["raw_poses"] = {
        "type": "partitions.PartitionedDataset",
        "path": "data/01_raw/poses",
        "dataset": {"type": "unsupervised_aging.datasets.PoseFileDataset"},
    }
    entries["raw_metadata"] = {"type": "pandas.CSVDataset", "filepath": "data/01_raw/metadata.csv"}
    for entry in entries.values():
        for key in ("filepath", "path"):
            if key in entry:
                entry[key] = str(root / entry[key])
    catalog = DataCatalog.from_config(entries)
    params = yaml.safe_load((CONF / "parameters_preprocessing.yml").read_text())["preprocessing"]
    catalog["params:preprocessing"] = MemoryDataset(params)
    return catalog


def run_case(n_videos: int, n_frames: int) -> None:
    """Write the raw files, then time the pipeline alone (peak RSS covers both)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write_raw(root, n_videos, n_frames)
        catalog = _catalog(root)
        start = time.perf_counter()
        SequentialRunner().run(create_pipeline(), catalog)
        seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    frames = n_videos * n_frames
    print(
        f"{n_videos:>7} {n_frames:>9} {seconds:>9.1f} {frames / seconds:>12.0f} {rss_mb:>11.0f}", flush=True
    )


def main(cases: list[str]) -> None:
    print(f"{'videos':>7} {'frames':>9} {'seconds':>9} {'frames/s':>12} {'peak_rss_MB':>11}", flush=True)
    for case in cases:
        n_videos, n_frames = case.split(":")
        subprocess.run([sys.executable, __file__, "--case", n_videos, n_frames], check=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--case"]:
        import logging

        logging.disable(logging.WARNING)
        run_case(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main(sys.argv[1:] or ["8:1800", "32:1800", "8:108000"])
