"""Time and peak memory of the preprocessing pipeline as videos get more numerous and longer.

Run: ``.venv/bin/python benchmarks/preprocessing_throughput.py [--csv] [N_VIDEOS:N_FRAMES ...]``
(default ``8:1800 32:1800 8:108000``; 108,000 frames is an hour at 30 fps; ``--csv`` turns on
``pose_csv.export``). Each case runs in a fresh process on JABS v5 files in a temporary folder,
through the project's catalog entries; it prints wall and CPU seconds to run the pipeline (CPU
seconds of this process: wall time is inflated when the machine is shared), seconds per video,
frames per second and the process's peak RSS. Peak RSS should follow the longest
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


def _catalog(root: Path, export_csv: bool) -> DataCatalog:
    entries = yaml.safe_load((CONF / "catalog_preprocessing.yml").read_text())
    raw = yaml.safe_load((CONF / "catalog_raw.yml").read_text())
    entries |= {key: raw[key] for key in ("raw_poses", "raw_metadata")}
    for entry in entries.values():
        for key in ("filepath", "path"):
            if key in entry:
                entry[key] = str(root / entry[key])
    catalog = DataCatalog.from_config(entries)
    params = yaml.safe_load((CONF / "parameters_preprocessing.yml").read_text())["preprocessing"]
    params["pose_csv"]["export"] = export_csv
    catalog["params:preprocessing"] = MemoryDataset(params)
    return catalog


def run_case(n_videos: int, n_frames: int, export_csv: bool) -> None:
    """Write the raw files, then time the pipeline alone (peak RSS covers both)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write_raw(root, n_videos, n_frames)
        catalog = _catalog(root, export_csv)
        start, cpu = time.perf_counter(), time.process_time()
        SequentialRunner().run(create_pipeline(), catalog)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    frames = n_videos * n_frames
    print(
        f"{n_videos:>7} {n_frames:>9} {'on' if export_csv else 'off':>4} {seconds:>9.1f} {cpu:>9.1f} "
        f"{cpu / n_videos:>11.2f} {frames / seconds:>10.0f} {rss_mb:>11.0f}",
        flush=True,
    )


def main(cases: list[str], export_csv: bool) -> None:
    print(
        f"{'videos':>7} {'frames':>9} {'csv':>4} {'wall_s':>9} {'cpu_s':>9} {'cpu_s/video':>11} "
        f"{'frames/s':>10} {'peak_rss_MB':>11}",
        flush=True,
    )
    for case in cases:
        n_videos, n_frames = case.split(":")
        command = [sys.executable, __file__, "--case", n_videos, n_frames, str(int(export_csv))]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--case"]:
        import logging

        logging.disable(logging.WARNING)
        run_case(int(sys.argv[2]), int(sys.argv[3]), bool(int(sys.argv[4])))
    else:
        csv = "--csv" in sys.argv
        main([a for a in sys.argv[1:] if a != "--csv"] or ["8:1800", "32:1800", "8:108000"], csv)
