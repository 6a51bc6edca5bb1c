"""Tiny real inputs for kpms_training: a few simulated videos of a few hundred frames."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from unsupervised_aging.pose import Pose
from unsupervised_aging.synthetic import simulate_cohort

PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def cohort() -> tuple[dict[str, Pose], pd.DataFrame]:
    """Four simulated videos of 300 frames at 30 fps."""
    return simulate_cohort(n_mice=4, videos_per_mouse=1, n_frames=300, seed=3)


@pytest.fixture
def poses(cohort: tuple[dict[str, Pose], pd.DataFrame]) -> dict[str, Callable[[], Pose]]:
    """Lazy loaders keyed by partition id, as the ``poses`` PartitionedDataset gives them."""
    return {name: (lambda p=pose: copy.deepcopy(p)) for name, pose in cohort[0].items()}


@pytest.fixture
def metadata(cohort: tuple[dict[str, Pose], pd.DataFrame]) -> pd.DataFrame:
    return cohort[1].assign(n_frames=300)


@pytest.fixture
def training_set(metadata: pd.DataFrame) -> pd.DataFrame:
    return metadata[["name", "mouse_id", "age"]].iloc[:3].reset_index(drop=True)


@pytest.fixture
def params() -> dict[str, Any]:
    """The project's kpms_training parameters, shrunk to a few iterations and states."""
    with open(PROJECT_ROOT / "conf" / "base" / "parameters_kpms_training.yml") as f:
        base = yaml.safe_load(f)["kpms_training"]
    return {
        **base,
        "num_states": 15,
        "latent_dim": 4,
        "kappa_scan": {"values": [1.0e3, 1.0e6], "num_iters": 2, "refine_steps": 1, "seed": 0},
        "ar_iters": 2,
        "full_iters": 2,
        "save_every_n_iters": 1,
    }
