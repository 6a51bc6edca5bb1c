"""The stall watchdog with real child processes: a genuine deadlock fails fast, work passes."""

from __future__ import annotations

import os
import time

import pytest

from unsupervised_aging.kpms import watchdog as watchdog_module
from unsupervised_aging.kpms.watchdog import (
    StallError,
    Watchdog,
    WorkerDiedError,
    close_idle_workers,
    prestart,
)

from . import workers

WHAT = "apply_model_slot_0, batch 3 (videos ['a', 'b'])"
HINT = "try: lower frames_per_call"


def test_normal_calls_run_in_one_worker_and_return():
    with Watchdog(stall_timeout_s=5) as watchdog:
        (total, pid), (_, pid_again) = (
            watchdog.call(workers.add, 2, 3, what=WHAT, hint=HINT),
            watchdog.call(workers.add, 1, 1, what=WHAT, hint=HINT),
        )
    assert total == 5
    assert pid == pid_again != os.getpid()


def test_a_deadlocked_call_fails_within_the_bound_with_one_line():
    started = time.monotonic()
    with Watchdog(stall_timeout_s=3, poll_s=0.2) as watchdog, pytest.raises(StallError) as caught:
        watchdog.call(workers.deadlock, what=WHAT, hint=HINT)
    elapsed = time.monotonic() - started
    assert 3 <= elapsed < 3 + 30  # the bound, plus the worker's start on a busy machine
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(WHAT + ": no progress for 3 s")
    assert message.endswith(HINT)


def test_the_worker_restarts_after_a_stall():
    with Watchdog(stall_timeout_s=2, poll_s=0.2) as watchdog:
        with pytest.raises(StallError):
            watchdog.call(workers.deadlock, what=WHAT, hint=HINT)
        assert watchdog.call(workers.add, 1, 2, what=WHAT, hint=HINT)[0] == 3


def test_heartbeats_or_cpu_count_as_progress():
    with Watchdog(stall_timeout_s=1.5, poll_s=0.2) as watchdog:
        assert watchdog.call(workers.sleep_with_heartbeats, 4, 0.3, what=WHAT, hint=HINT) >= 10
        assert watchdog.call(workers.spin, 4, what=WHAT, hint=HINT) > 0


def test_errors_are_the_calls_own_and_a_dead_worker_is_named():
    with Watchdog(stall_timeout_s=5) as watchdog:
        with pytest.raises(ValueError, match="bad batch: fix it") as caught:
            watchdog.call(workers.fail, what=WHAT, hint=HINT)
        assert "watchdog worker" in caught.value.__notes__[0]
        with pytest.raises(WorkerDiedError, match=r"exit code -9 \(SIGKILL: out of memory\?\)\. try"):
            watchdog.call(workers.die, what=WHAT, hint=HINT)


def test_the_next_block_reuses_the_worker_unless_it_stalled():
    with Watchdog(stall_timeout_s=5) as watchdog:
        first = watchdog.call(workers.add, 0, 0, what=WHAT, hint=HINT)[1]
    with Watchdog(stall_timeout_s=2, poll_s=0.2) as watchdog:
        assert watchdog.call(workers.add, 0, 0, what=WHAT, hint=HINT)[1] == first
        with pytest.raises(StallError):
            watchdog.call(workers.deadlock, what=WHAT, hint=HINT)
    with Watchdog(stall_timeout_s=5) as watchdog:
        assert watchdog.call(workers.add, 0, 0, what=WHAT, hint=HINT)[1] != first


def test_a_block_left_mid_call_does_not_give_its_busy_worker_back():
    import signal

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with Watchdog(stall_timeout_s=5, poll_s=0.1) as watchdog:
            busy = watchdog.call(workers.add, 0, 0, what=WHAT, hint=HINT)[1]
            signal.setitimer(signal.ITIMER_REAL, 0.5)
            with pytest.raises(KeyboardInterrupt):
                watchdog.call(workers.sleep_with_heartbeats, 3, 0.1, what=WHAT, hint=HINT)
    finally:
        signal.signal(signal.SIGALRM, previous)
    with Watchdog(stall_timeout_s=5) as watchdog:
        total, pid = watchdog.call(workers.add, 2, 2, what=WHAT, hint=HINT)
    assert (total, pid != busy) == (4, True)  # a fresh worker, not the stale reply of the busy one


def test_a_prestarted_worker_serves_the_first_block_and_idle_workers_can_be_stopped():
    close_idle_workers()
    prestart(preload=("json",))
    prestart(preload=("json",))  # one idle worker is enough
    (prestarted,) = [worker.process.pid for worker in watchdog_module._idle]
    with Watchdog(stall_timeout_s=5) as watchdog:
        pid = watchdog.call(workers.add, 1, 1, what=WHAT, hint=HINT)[1]
        assert pid == prestarted
        with Watchdog(stall_timeout_s=5) as other:  # none idle now: another worker
            assert other.call(workers.add, 1, 1, what=WHAT, hint=HINT)[1] != pid
    assert close_idle_workers() == 2
    with Watchdog(stall_timeout_s=5) as watchdog:
        assert watchdog.call(workers.add, 1, 1, what=WHAT, hint=HINT)[1] != pid
