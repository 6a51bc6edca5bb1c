"""A stage that uses no CPU is stopped with one line naming the node and stage; a busy one is not."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from unsupervised_aging.pipelines.kpms_training.watchdog import STALL_EXIT_CODE

SCRIPT = """
import time
from unsupervised_aging.pipelines.kpms_training.watchdog import StallWatchdog

watchdog = StallWatchdog("fit_kpms_model_seed3", timeout_s=2.0, hint="Rerun to resume.", poll_s=0.2)
with watchdog.stage("the AR-HMM fit (iterations 0-10)"):
    {body}
print("finished")
"""


def _run(body: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run SCRIPT with ``body`` in the watched stage; raises TimeoutExpired after 300 s."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT.format(body=body))],
        capture_output=True,
        text=True,
        timeout=300,  # imports are slow on a loaded CI machine
    )
    return result, time.monotonic() - started


def test_stalled_stage_stops_the_process_with_one_line():
    result, seconds = _run("time.sleep(600)")  # blocked like a deadlocked JAX call: no CPU used
    assert result.returncode == STALL_EXIT_CODE
    assert "finished" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if "no progress" in line]
    assert len(lines) == 1
    assert "fit_kpms_model_seed3" in lines[0] and "the AR-HMM fit (iterations 0-10)" in lines[0]
    assert "Rerun to resume." in lines[0]
    assert seconds < 300  # cut short: the sleep alone lasts 600 s


def test_busy_stage_longer_than_the_timeout_finishes():
    body = "end = time.monotonic() + 4\n    while time.monotonic() < end: sum(range(1000))"
    result, _ = _run(body)
    assert result.returncode == 0, result.stderr
    assert "finished" in result.stdout
