"""Shared test fixtures."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _jax_compilation_cache() -> None:
    """Share the project's JAX compilation cache with tests: compile time dominates small fits."""
    from unsupervised_aging.hooks import enable_jax_compilation_cache

    enable_jax_compilation_cache(PROJECT_ROOT / ".jax_cache")


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throw-away copy of the project after the README's main command (``kedro run``) on the demo.

    Runs once per test session (a few minutes on 2 cores); only ``slow`` tests use it.
    """
    from tests.end_to_end import copy_project, kedro

    project = copy_project(tmp_path_factory.mktemp("demo_project"))
    done = kedro(project, "run")
    assert done.returncode == 0, f"kedro run failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return project
