"""Run the README's main command on the demo cohort once, in a throw-away copy of the project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def copy_project(dest: Path) -> Path:
    """Copy what a Kedro run needs (config, pyproject, notebooks, empty data layers) into ``dest``."""
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy(PROJECT_ROOT / name, dest / name)
    for folder in ("conf", "notebooks"):
        shutil.copytree(PROJECT_ROOT / folder, dest / folder, ignore=shutil.ignore_patterns("local"))
    (dest / "conf" / "local").mkdir(exist_ok=True)
    (dest / "src").mkdir(exist_ok=True)  # Kedro insists on the source folder; the package is installed
    for layer in (PROJECT_ROOT / "data").iterdir():
        (dest / "data" / layer.name).mkdir(parents=True, exist_ok=True)
    return dest


def kedro(project: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess[str]:
    """Run ``kedro <args>`` in ``project`` and return the finished process (output captured)."""
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    kedro_cli = Path(sys.executable).with_name("kedro")
    return subprocess.run(
        [str(kedro_cli), *args], cwd=project, env=env, capture_output=True, text=True, timeout=timeout
    )
