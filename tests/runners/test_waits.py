"""Bounds of the SlurmRunner's waits: the decision per job, and the settings read from slurm.yml."""

from __future__ import annotations

import pytest
import yaml

from tests.end_to_end import PROJECT_ROOT
from tests.runners.conftest import TEST_CONFIG
from unsupervised_aging.runners.waits import GONE, JobClock, WaitSettings, overdue

WAITS = WaitSettings(
    poll_interval_s=0.5, state_check_s=15, result_grace_s=120, time_margin_min=10, pending_limit_min=60
)


def test_a_job_that_ended_without_result_is_overdue_after_the_grace_period():
    clock = JobClock(submitted=0.0, time_min=30)
    clock.observe("RUNNING", 5.0)
    clock.observe(GONE, 100.0)  # gone from squeue (no accounting): it ended
    assert overdue(clock, WAITS, 100.0 + 119) is None
    assert overdue(clock, WAITS, 100.0 + 121) == "ended"


def test_a_failed_state_from_sacct_counts_as_ended():
    clock = JobClock(submitted=0.0, time_min=30)
    clock.observe("OUT_OF_MEMORY", 50.0)
    assert overdue(clock, WAITS, 50.0 + 121) == "ended"


def test_a_running_job_is_overdue_after_its_time_limit_plus_the_margin():
    clock = JobClock(submitted=0.0, time_min=30)
    clock.observe("PENDING", 10.0)
    clock.observe("RUNNING", 1000.0)  # long queue: the limit counts from the start
    assert overdue(clock, WAITS, 1000.0 + 40 * 60 - 1) is None
    assert overdue(clock, WAITS, 1000.0 + 40 * 60 + 1) == "time"


def test_a_pending_job_is_overdue_after_the_pending_limit():
    clock = JobClock(submitted=0.0, time_min=30)
    clock.observe("PENDING", 1.0)
    assert overdue(clock, WAITS, 60 * 60 - 1) is None
    assert overdue(clock, WAITS, 60 * 60 + 1) == "pending"


def test_a_job_slurm_never_reports_is_overdue_after_pending_and_running_time():
    clock = JobClock(submitted=0.0, time_min=30)
    assert overdue(clock, WAITS, (60 + 30 + 10) * 60 - 1) is None
    assert overdue(clock, WAITS, (60 + 30 + 10) * 60 + 1) == "unknown"


def test_settings_come_from_the_projects_slurm_yml():
    config = yaml.safe_load((PROJECT_ROOT / "conf" / "base" / "slurm.yml").read_text())
    settings = WaitSettings.from_config(config)
    assert settings.pending_limit_min == 2 * 24 * 60 and settings.time_margin_min > 0
    assert WaitSettings.from_config(TEST_CONFIG).result_grace_s > 0


def test_a_missing_wait_key_fails_loudly():
    config = {k: v for k, v in TEST_CONFIG.items() if k != "result_grace_s"}
    with pytest.raises(ValueError, match=r"slurm.yml: missing key\(s\) \['result_grace_s'\]"):
        WaitSettings.from_config(config)
