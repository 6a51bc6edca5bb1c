"""Node functions for the SLURM runner tests (importable by jobs in a fresh interpreter)."""

from __future__ import annotations

import os
import signal
import socket
import time


def make_numbers(n: int) -> list[int]:
    """``[0, 1, ..., n - 1]``."""
    return list(range(n))


def scale(numbers: list[int], factor: int) -> dict:
    """Numbers times ``factor``, with the process that computed them."""
    return {"values": [x * factor for x in numbers], "pid": os.getpid(), "host": socket.gethostname()}


def total(*parts: dict) -> int:
    """Sum of all values of all parts."""
    return sum(sum(part["values"]) for part in parts)


def echo(value: object) -> object:
    """``value`` unchanged."""
    return value


def timed_sleep(value: object, seconds: float) -> dict:
    """``value`` after ``seconds``, with when the sleep started and ended (epoch seconds)."""
    start = time.time()
    time.sleep(seconds)
    return {"value": value, "start": start, "end": time.time()}


def fail_unless(value: object, ok: bool) -> object:
    """``value`` when ``ok``, else a ``RuntimeError``."""
    if not ok:
        raise RuntimeError(f"toy failure on {value!r}")
    return value


def environment_variable(name: str) -> str | None:
    """The job's value of environment variable ``name``."""
    return os.environ.get(name)


def die_unless(value: object, ok: bool) -> object:
    """``value`` when ``ok``, else the process kills itself (SIGKILL): no result, no traceback."""
    if not ok:
        os.kill(os.getpid(), signal.SIGKILL)
    return value
