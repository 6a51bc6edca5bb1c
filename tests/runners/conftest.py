"""Fixtures for the SLURM runner tests: a real cluster (skip locally without one, fail under CI=true)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from kedro.io import DataCatalog
from kedro_datasets.pickle import PickleDataset

# Jobs on the CI box share 2 cores: small memory so several run at once, quick polling.
TEST_CONFIG: dict[str, Any] = {
    "job_tags": ["gpu"],
    "poll_interval_s": 0.2,
    "state_check_s": 2,
    "result_grace_s": 10,
    "time_margin_min": 2,
    "pending_limit_min": 10,
    "defaults": {"cpus": 1, "mem_gb": 0.5, "time_min": 5},
}


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def slurm_cluster() -> None:
    """A SLURM cluster that takes jobs; skips without one, but fails under ``CI=true``."""
    problem = None
    if shutil.which("sbatch") is None:
        problem = "sbatch not found"
    elif subprocess.run(["scontrol", "ping"], capture_output=True, timeout=30).returncode != 0:
        problem = "slurmctld does not answer 'scontrol ping'"
    if problem:
        message = f"No SLURM cluster ({problem}); start one with `sudo bash scripts/slurm/start_slurm.sh`"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)


def pickle_catalog(folder: Path, names: list[str], params: dict[str, Any] | None = None) -> DataCatalog:
    """A catalog of pickle files ``folder/<name>.pkl`` plus ``params:<key>`` entries."""
    catalog = DataCatalog(
        datasets={name: PickleDataset(filepath=str(folder / f"{name}.pkl")) for name in names}
    )
    for key, value in (params or {}).items():
        catalog[f"params:{key}"] = value
    return catalog


def submitted_jobs(log_dir: Path) -> dict[str, str]:
    """``{node name: job id}`` from ``jobs.tsv`` of the only run folder in ``log_dir``."""
    (run_dir,) = log_dir.iterdir()
    rows = [line.split("\t") for line in (run_dir / "jobs.tsv").read_text().splitlines()]
    return {node: job_id for job_id, node, _ in rows}
