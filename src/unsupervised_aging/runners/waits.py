"""Bounded waits for SLURM jobs: every job ends in a result or a one-line error, with or without accounting.

submitit learns a job's state from ``sacct``; on a cluster without accounting a job that dies without
writing its result (time limit, memory, ``scancel``, node failure) stays ``UNKNOWN`` and
``job.result()`` waits forever. The driver therefore asks SLURM itself, ``sacct`` and else ``squeue``
(which needs no accounting), and bounds each phase of a job (see :class:`WaitSettings`).
"""

from __future__ import annotations

import getpass
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from submitit.slurm.slurm import SlurmInfoWatcher

from unsupervised_aging.runners.resources import parse_time_min

#: sacct states of a job that has not ended (submitit's list).
UNFINISHED = frozenset({"READY", "PENDING", "RUNNING", "UNKNOWN", "REQUEUED", "COMPLETING", "PREEMPTED"})
#: A job absent from ``squeue``: it ended (SLURM forgets finished jobs after ``MinJobAge``).
GONE = "GONE"
_COMMAND_TIMEOUT_S = 60


@dataclass(frozen=True)
class WaitSettings:
    """How the driver polls and bounds its SLURM jobs (keys of ``slurm.yml``; defaults in conf/base).

    Attributes
    ----------
    poll_interval_s
        How often the driver looks for finished driver nodes and result files.
    state_check_s
        How often it asks SLURM (``sacct``, else ``squeue``) for its jobs' states.
    result_grace_s
        After SLURM says a job ended, how long its result file may take to appear (shared
        filesystems lag) before the job counts as died without a result.
    time_margin_min
        A job still running this long after its own time limit (``time_min``) is cancelled.
    pending_limit_min
        A job still pending this long after submission is cancelled (with SLURM's reason).
    """

    poll_interval_s: float
    state_check_s: float
    result_grace_s: float
    time_margin_min: int
    pending_limit_min: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WaitSettings:
        """Read the settings from the ``slurm`` configuration.

        Raises
        ------
        ValueError
            A missing or non-positive key, named.
        """
        missing = [key for key in cls.__dataclass_fields__ if config.get(key) is None]
        if missing:
            raise ValueError(f"slurm.yml: missing key(s) {missing}; conf/base/slurm.yml documents them")
        settings = cls(
            poll_interval_s=float(config["poll_interval_s"]),
            state_check_s=float(config["state_check_s"]),
            result_grace_s=float(config["result_grace_s"]),
            time_margin_min=parse_time_min(config["time_margin_min"]),
            pending_limit_min=parse_time_min(config["pending_limit_min"]),
        )
        for key in ("poll_interval_s", "state_check_s", "result_grace_s"):
            if getattr(settings, key) <= 0:
                raise ValueError(f"slurm.yml: {key} must be positive, got {config[key]!r}")
        return settings


@dataclass
class JobClock:
    """What the driver has seen of one job (times in ``time.monotonic()`` seconds).

    Attributes
    ----------
    submitted
        When ``sbatch`` returned.
    time_min
        The job's own time limit in minutes.
    state
        Last state SLURM reported (sacct's names, or :data:`GONE`); ``UNKNOWN`` before any.
    started
        When the job was first seen ``RUNNING``.
    ended
        When the job was first seen ended (finished state or gone from ``squeue``).
    """

    submitted: float
    time_min: int
    state: str = "UNKNOWN"
    started: float | None = None
    ended: float | None = None

    def observe(self, state: str, now: float) -> None:
        """Record a state reported by SLURM at ``now``."""
        self.state = state
        if state == "RUNNING" and self.started is None:
            self.started = now
        if (state == GONE or state not in UNFINISHED) and self.ended is None:
            self.ended = now


def overdue(clock: JobClock, settings: WaitSettings, now: float) -> str | None:
    """Why the driver must stop waiting for a job that has not written its result, or ``None``.

    Returns
    -------
    str or None
        ``"ended"`` (SLURM says it ended, and ``result_grace_s`` passed), ``"time"`` (running past its
        time limit plus ``time_margin_min``), ``"pending"`` (pending past ``pending_limit_min``) or
        ``"unknown"`` (SLURM never answered for longer than pending and running together may take).
    """
    if clock.ended is not None:
        return "ended" if now - clock.ended > settings.result_grace_s else None
    if clock.started is not None:
        limit_s = (clock.time_min + settings.time_margin_min) * 60
        return "time" if now - clock.started > limit_s else None
    waited_s = now - clock.submitted
    if clock.state == "PENDING":
        return "pending" if waited_s > settings.pending_limit_min * 60 else None
    total_s = (settings.pending_limit_min + clock.time_min + settings.time_margin_min) * 60
    return "unknown" if waited_s > total_s else None


def query_states(job_ids: Iterable[str]) -> dict[str, str]:
    """States of ``job_ids`` (``"123"``, ``"123_4"``): from ``sacct``, else from ``squeue``.

    A job that ``sacct`` does not list yet is left out (unknown); when ``sacct`` fails (no accounting),
    a job that ``squeue`` does not list is :data:`GONE`. Neither command is waited on for longer than
    a minute; both failing gives ``{}``.
    """
    ids = sorted(set(job_ids))
    if not ids:
        return {}
    arrays = sorted({job_id.split("_")[0] for job_id in ids})
    sacct = ["sacct", "-o", "JobID,State", "--parsable2", "-j", ",".join(arrays)]
    try:
        done = subprocess.run(sacct, capture_output=True, text=True, timeout=_COMMAND_TIMEOUT_S)
        if done.returncode == 0:
            info = SlurmInfoWatcher().read_info(done.stdout)
            # "CANCELLED by 123" -> "CANCELLED"
            return {i: info[i]["State"].split()[0] for i in ids if i in info and info[i].get("State")}
    except (OSError, subprocess.TimeoutExpired):
        pass
    squeue = ["squeue", "-h", "-r", "-u", getpass.getuser(), "-o", "%i|%T"]
    try:
        done = subprocess.run(squeue, capture_output=True, text=True, timeout=_COMMAND_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if done.returncode != 0:
        return {}
    listed = dict(line.split("|", 1) for line in done.stdout.splitlines() if "|" in line)
    return {i: listed.get(i, GONE) for i in ids}
