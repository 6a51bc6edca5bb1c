"""The demo's kpms_training (two seeds) through `kedro run --runner=...SlurmRunner` on a real cluster."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.runners.conftest import submitted_jobs

PROJECT_ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slurm, pytest.mark.slow]


def _tiny_project(dest: Path) -> Path:
    """A copy of the project's conf with a 4-video cohort, 2-iteration fits and small SLURM jobs."""
    shutil.copy(PROJECT_ROOT / "pyproject.toml", dest / "pyproject.toml")
    shutil.copytree(PROJECT_ROOT / "conf", dest / "conf", ignore=shutil.ignore_patterns("local"))
    (dest / "src").mkdir()
    for layer in (PROJECT_ROOT / "data").iterdir():
        if layer.is_dir():
            (dest / "data" / layer.name).mkdir(parents=True)
    base = dest / "conf" / "base"
    kpms = yaml.safe_load((base / "parameters_kpms_training.yml").read_text())["kpms_training"]
    cohort = yaml.safe_load((base / "parameters_synthetic_cohort.yml").read_text())["synthetic_cohort"]
    preprocessing = yaml.safe_load((base / "parameters_preprocessing.yml").read_text())["preprocessing"]
    # Same shapes as tests/pipelines/kpms_training (3 training videos x 300 frames, 15 states, latent 4),
    # so the fits reuse their compiled code from the shared JAX cache.
    parameters = {
        "synthetic_cohort": {**cohort, "n_mice": 4, "videos_per_mouse": 1, "n_frames": 300},
        "preprocessing": {**preprocessing, "training_set": {**preprocessing["training_set"], "n": 3}},
        "kpms_training": {
            **kpms,
            "seeds": [0, 1],
            "num_states": 15,
            "latent_dim": 4,
            "kappa_scan": {"values": [1.0e3, 1.0e6], "num_iters": 2, "refine_steps": 1, "seed": 0},
            "ar_iters": 2,
            "full_iters": 2,
            "save_every_n_iters": 1,
        },
    }
    local = dest / "conf" / "local"
    local.mkdir()
    (local / "parameters.yml").write_text(yaml.safe_dump(parameters))
    slurm = {"poll_interval_s": 0.5, "defaults": {"cpus": 1, "mem_gb": 3, "time_min": 30}}
    (local / "slurm.yml").write_text(yaml.safe_dump(slurm))
    return dest


def _kedro(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    kedro = Path(sys.executable).with_name("kedro")
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"}  # keeps the session's JAX cache folder
    return subprocess.run(
        [str(kedro), "run", *args], cwd=project, env=env, capture_output=True, text=True, timeout=1500
    )


def test_kpms_training_fits_both_seeds_as_concurrent_slurm_jobs(slurm_cluster, tmp_path):
    project = _tiny_project(tmp_path)
    prepared = _kedro(project, "--pipelines", "synthetic_cohort,preprocessing")
    assert prepared.returncode == 0, prepared.stdout[-3000:] + prepared.stderr[-3000:]

    run = _kedro(
        project, "--pipelines", "kpms_training", "--runner", "unsupervised_aging.runners.SlurmRunner"
    )

    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    jobs = submitted_jobs(project / "logs" / "slurm")
    assert set(jobs) == {"fit_kpms_model_seed0", "fit_kpms_model_seed1"}
    assert len({job_id.split("_")[0] for job_id in jobs.values()}) == 1  # one array, run concurrently
    models = project / "data" / "06_models" / "kpms_project"
    for seed in (0, 1):
        assert (models / f"model_seed{seed}" / "checkpoint.h5").stat().st_size > 0
    assert (models / "selected_model.h5").exists() and (models / "syllable_mapping.csv").exists()
