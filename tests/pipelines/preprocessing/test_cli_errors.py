"""What a user sees on the command line: bad input is our message alone and exit status 1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.pipelines.preprocessing.helpers import write_cohort

ROOT = Path(__file__).resolve().parents[3]


def _kedro_run(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"}
    kedro = Path(sys.executable).with_name("kedro")
    return subprocess.run(
        [str(kedro), "run", *args], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )


def test_bad_metadata_prints_every_problem_without_traceback_and_marks_the_run_failed(
    tmp_path: Path,
) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "conf/base", tmp_path / "conf/base")
    (tmp_path / "conf/local").mkdir()
    (tmp_path / "src").mkdir()  # the package itself is installed in the environment
    write_cohort(tmp_path, ["a", "b"], n_frames=400)
    (tmp_path / "data/01_raw/metadata.csv").write_text("name,mouse_id,age\na,m1,-3\nb,,12\n")

    result = _kedro_run(tmp_path, "--pipeline", "preprocessing")
    assert result.returncode == 1
    tail = result.stderr.strip().splitlines()[-3:]
    assert tail == [
        "Error: metadata.csv (raw_metadata): 2 problems; fix them and rerun:",
        "  line 2, column 'age' = '-3': write age as a positive number of weeks",
        "  line 3, column 'mouse_id' = (empty): give every video the id of its mouse",
    ]
    assert "Traceback" not in result.stderr + result.stdout
    assert json.loads((tmp_path / "data/run_markers/preprocessing.json").read_text())["status"] == "failed"
    assert not (tmp_path / "data/03_primary/poses").exists()
