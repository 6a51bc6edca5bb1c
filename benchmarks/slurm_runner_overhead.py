"""Wall time of two independent ``gpu`` nodes that each sleep N s: SequentialRunner vs SlurmRunner.

Targets (issue 7): SlurmRunner wall <= 1.5 x one node, per-job overhead <= 10 s.
Needs a SLURM cluster (``sudo bash scripts/slurm/start_slurm.sh``).

Usage: ``.venv/bin/python benchmarks/slurm_runner_overhead.py [--seconds 20]``
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import time
from pathlib import Path

from kedro.io import DataCatalog
from kedro.pipeline import Pipeline, node
from kedro.runner import SequentialRunner
from kedro_datasets.pickle import PickleDataset

from unsupervised_aging.runners import SlurmRunner
from unsupervised_aging.runners.config import load_slurm_config

# The project's slurm.yml (its wait bounds) with quicker polling and small jobs.
CONFIG = {
    **load_slurm_config(),
    "poll_interval_s": 0.2,
    "defaults": {"cpus": 1, "mem_gb": 0.5, "time_min": 10},
}


def timed_sleep(seconds: float) -> dict[str, float]:
    """Sleep ``seconds``; return when the sleep started and ended (epoch seconds)."""
    start = time.time()
    time.sleep(seconds)
    return {"start": start, "end": time.time()}


def _pipeline_and_catalog(folder: Path, seconds: float) -> tuple[Pipeline, DataCatalog]:
    names = ["sleep_a", "sleep_b"]
    catalog = DataCatalog(datasets={n: PickleDataset(filepath=str(folder / f"{n}.pkl")) for n in names})
    catalog["params:seconds"] = seconds
    pipeline = Pipeline([node(timed_sleep, "params:seconds", n, name=n, tags=["gpu"]) for n in names])
    return pipeline, catalog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="sleep of each node (default 20)")
    args = parser.parse_args()
    if shutil.which("sbatch") is None:
        raise SystemExit("No sbatch on PATH: start a cluster with `sudo bash scripts/slurm/start_slurm.sh`")
    logging.getLogger("kedro").setLevel(logging.WARNING)
    n = args.seconds
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        folder = Path(tmp)
        pipeline, catalog = _pipeline_and_catalog(folder / "sequential", n)
        (folder / "sequential").mkdir()
        t0 = time.perf_counter()
        SequentialRunner().run(pipeline, catalog)
        sequential = time.perf_counter() - t0

        pipeline, catalog = _pipeline_and_catalog(folder / "slurm", n)
        (folder / "slurm").mkdir()
        t0, epoch0 = time.perf_counter(), time.time()
        SlurmRunner(config=CONFIG, log_dir=folder / "logs").run(pipeline, catalog)
        slurm = time.perf_counter() - t0
        epoch1 = time.time()
        results = [catalog.load(name) for name in ("sleep_a", "sleep_b")]

    starts = [r["start"] - epoch0 for r in results]
    ends = [epoch1 - r["end"] for r in results]
    print(f"two independent gpu nodes, each sleeping {n:.0f} s")
    print(f"  SequentialRunner (in process): {sequential:6.1f} s")
    print(f"  SlurmRunner (2 SLURM jobs):    {slurm:6.1f} s  = {slurm / n:.2f} x one node (target <= 1.5)")
    print(f"  per-job overhead (wall - N):   {slurm - n:6.1f} s  (target <= 10)")
    print(
        f"    submit -> node starts:       {max(starts):6.1f} s  (sbatch, scheduling, Python + Kedro start)"
    )
    print(f"    node ends -> driver sees it: {max(ends):6.1f} s  (result pickle, polling)")


if __name__ == "__main__":
    main()
