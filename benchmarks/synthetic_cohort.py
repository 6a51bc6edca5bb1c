"""Time the synthetic demo cohort: simulation and JABS writing, at the default size and scaled up.

Run: ``.venv/bin/python benchmarks/synthetic_cohort.py [size ...]`` (default sizes 1 and 10). Prints
videos, frames, seconds to simulate, seconds to write the JABS files and MB written per size.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import yaml

from unsupervised_aging.pipelines.synthetic_cohort.nodes import POSE_SUFFIX, cohort_size
from unsupervised_aging.pose_io import write_jabs
from unsupervised_aging.synthetic import simulate_cohort

PARAMS = Path(__file__).resolve().parents[1] / "conf" / "base" / "parameters_synthetic_cohort.yml"


def main(sizes: list[float]) -> None:
    base = yaml.safe_load(PARAMS.read_text())["synthetic_cohort"]
    print(f"{'size':>6} {'videos':>7} {'frames':>9} {'simulate_s':>11} {'write_s':>8} {'MB':>7}")
    for size in sizes:
        kwargs = cohort_size({**base, "size": size})
        start = time.perf_counter()
        poses, _ = simulate_cohort(**kwargs)
        simulated = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            for name, pose in poses.items():
                write_jabs(Path(tmp) / f"{name}{POSE_SUFFIX}", pose)
            written = time.perf_counter() - start
            mb = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1e6
        frames = sum(p.n_frames for p in poses.values())
        print(f"{size:>6g} {len(poses):>7} {frames:>9} {simulated:>11.2f} {written:>8.2f} {mb:>7.1f}")


if __name__ == "__main__":
    main([float(s) for s in sys.argv[1:]] or [1.0, 10.0])
