"""Stop a keypoint-moseq fit that has stalled instead of waiting on it forever.

A JAX call that deadlocks (as jaxlib 0.10.x's LAPACK solve did on few-core CPUs, see
docs/architecture.md) blocks the main thread inside C code, where no Python exception can reach
it. So a watchdog thread samples the process's CPU time; when it grows by less than
``MIN_CPU_SHARE`` of a core for ``timeout_s`` seconds, the watchdog logs one line naming the node,
the stage and what to try, and ends the process with exit code :data:`STALL_EXIT_CODE`. Kedro's
outputs are written atomically, so nothing half-written is left; a fit resumes from its last
snapshot when rerun (under the SlurmRunner the job fails and ``--only-missing-outputs`` redoes it).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

#: Exit code of a process stopped by the watchdog (EX_SOFTWARE).
STALL_EXIT_CODE = 70
#: Below this share of one core over the whole window, the process counts as making no progress.
MIN_CPU_SHARE = 0.01


class StallWatchdog:
    """Watch one node's long calls; :meth:`stage` names what is running.

    Parameters
    ----------
    node
        Name of the node, for the error line (e.g. ``fit_kpms_model_seed0``).
    timeout_s
        Seconds without CPU progress after which the process is stopped; must be > 0.
    hint
        What to try, appended to the error line.
    poll_s
        Seconds between CPU-time samples (default: a tenth of ``timeout_s``, at most 10).
    """

    def __init__(self, node: str, timeout_s: float, hint: str, poll_s: float | None = None) -> None:
        if timeout_s <= 0:
            raise ValueError(f"{node}: stall timeout must be > 0 s, got {timeout_s}")
        self.node, self.timeout_s, self.hint = node, float(timeout_s), hint
        self.poll_s = min(10.0, self.timeout_s / 10) if poll_s is None else poll_s
        self._stage: str | None = None

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Watch the enclosed block as stage ``name``."""
        stop = threading.Event()
        self._stage = name
        thread = threading.Thread(target=self._watch, args=(stop, name), daemon=True, name="stall-watchdog")
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self._stage = None

    def message(self, stage: str) -> str:
        """The one-line error printed when ``stage`` stalls."""
        return (
            f"{self.node}: no progress for {self.timeout_s:.0f} s during {stage} (the process used no CPU); "
            f"stopped instead of waiting. {self.hint}"
        )

    def _watch(self, stop: threading.Event, stage: str) -> None:
        last_cpu, last_progress = time.process_time(), time.monotonic()
        while not stop.wait(self.poll_s):
            cpu, now = time.process_time(), time.monotonic()
            if cpu - last_cpu > MIN_CPU_SHARE * (now - last_progress):
                last_cpu, last_progress = cpu, now
            elif now - last_progress >= self.timeout_s:
                line = self.message(stage)
                if logging.getLogger().hasHandlers():  # Kedro's console and file logs
                    logger.critical(line)
                    logging.shutdown()
                else:
                    print(line, file=sys.stderr, flush=True)
                os._exit(STALL_EXIT_CODE)
