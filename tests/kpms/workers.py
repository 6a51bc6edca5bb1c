"""Module-level functions for the watchdog's worker process to import by name."""

from __future__ import annotations

import os
import threading
import time

from unsupervised_aging.kpms.watchdog import beat


def add(a: int, b: int) -> tuple[int, int]:
    """A normal call: the sum and the worker's pid."""
    return a + b, os.getpid()


def deadlock() -> None:
    """A genuine stall: the thread waits on a lock it holds, at 0 % CPU, forever."""
    lock = threading.Lock()
    lock.acquire()
    lock.acquire()


def sleep_with_heartbeats(seconds: float, every: float) -> int:
    """Idle but beating: progress by heartbeat only."""
    beats = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(every)
        beat()
        beats += 1
    return beats


def spin(seconds: float) -> int:
    """Busy without heartbeats (like JIT compiling): progress by CPU only."""
    count, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        count += 1
    return count


def fail() -> None:
    """A call that raises its own error."""
    raise ValueError("bad batch: fix it")


def die() -> None:
    """The worker is killed (as the kernel does when memory runs out)."""
    os.kill(os.getpid(), 9)
