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
