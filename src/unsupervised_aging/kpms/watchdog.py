"""Run long JAX calls in a child process and fail them, with one line, when they stall.

A thread stuck inside XLA (e.g. jaxlib 0.10's LAPACK deadlock on few cores, issue #11) cannot be
interrupted from Python, so the call runs in a spawned worker process and the parent watches it:
the worker *progresses* while it finishes Gibbs iterations (heartbeats, see
:func:`~.private_api.iteration_heartbeats`) or uses CPU (compiling, or inside a long iteration).
A worker that does neither for ``stall_timeout_s`` is stalled: the parent kills it and raises
:class:`StallError` naming what was running and what to try. A deadlocked XLA pool uses no CPU;
a working one gets a share of a core even on a busy machine, so :data:`MIN_CPU_FRACTION` of the
window tells them apart.

Workers are kept between ``with`` blocks: a block takes an idle worker of this process (or starts
one) and gives it back when it ends, unless it stalled, died or was left mid-call. Importing
keypoint-moseq costs a new worker ~14 CPU s and JAX compiles each call shape once per worker, so the
kappa scan, every seed's fit and every apply slot of a sequential run share one worker
(docs/architecture.md). :func:`prestart` starts one ahead of need; :func:`close_idle_workers` (run at
the end of a run and at exit) stops them.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import psutil

logger = logging.getLogger(__name__)

#: Tag of the nodes whose JAX calls run in a watchdog worker (a run that has them starts one early).
WATCHED_TAG = "kpms_watchdog"

#: Share of one core a worker must use over ``stall_timeout_s`` (without a heartbeat) to count as working:
#: a deadlocked worker uses ~0; a working one on 2 cores shared by 8 busy processes still gets ~0.25.
MIN_CPU_FRACTION = 0.02

_beats: Any = None  # the worker's shared heartbeat counter (None in the parent)


class StallError(RuntimeError):
    """A watched call made no progress (no heartbeat, no CPU) for ``stall_timeout_s``."""


class WorkerDiedError(RuntimeError):
    """The worker process ended in the middle of a call (killed for memory, crashed)."""


def beat() -> None:
    """Report progress from inside a watched call (a no-op outside a worker)."""
    if _beats is not None:
        with _beats.get_lock():
            _beats.value += 1


def _exit_with_parent(parent: int) -> None:
    """End the worker when the parent is gone (killed by SIGKILL or a timeout): no orphan keeps computing."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _serve(conn: Connection, beats: Any, parent: int, preload: tuple[str, ...]) -> None:
    """Worker loop: import ``preload``, then run ``(fn, args, kwargs)`` tasks until ``None``.

    Each task is answered with ``("ok", result)`` or the error.
    """
    global _beats
    _beats = beats
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    for module in preload:
        importlib.import_module(module)
    while (task := conn.recv()) is not None:
        fn, args, kwargs = task
        try:
            reply = ("ok", fn(*args, **kwargs))
        except Exception as err:  # sent to the parent, which raises it as the call's own error
            reply = ("error", err, traceback.format_exc())
        try:
            conn.send(reply)
        except Exception as err:  # an unpicklable result or error
            conn.send(("error", RuntimeError(f"{type(err).__name__}: {err}"), traceback.format_exc()))


class _Worker:
    """One spawned worker process, its task pipe and its heartbeat counter."""

    def __init__(self, preload: tuple[str, ...] = ()) -> None:
        context = multiprocessing.get_context("spawn")  # fork is unsafe once JAX runs threads
        self.beats = context.Value("q", 0)
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve,
            args=(child, self.beats, os.getpid(), preload),
            name="kpms-watchdog-worker",
            daemon=True,
        )
        self.process.start()
        child.close()

    def close(self, polite: bool = True) -> None:
        """Stop the worker: ask and wait up to 10 s (``polite``, for an idle one), then kill it."""
        if polite and self.process.is_alive():
            try:
                self.conn.send(None)
                self.process.join(10)
            except OSError:
                pass
        if self.process.is_alive():
            self.process.kill()
            self.process.join(10)
        self.conn.close()


_idle: list[_Worker] = []  # workers of this process between ``with`` blocks
_idle_lock = threading.Lock()


def _take_worker() -> _Worker:
    with _idle_lock:
        while _idle:
            worker = _idle.pop()
            if worker.process.is_alive():
                return worker
            worker.close()
    return _Worker()


def prestart(preload: tuple[str, ...] = ("keypoint_moseq",)) -> None:
    """Start an idle worker that imports ``preload`` now, beside other work, if none is idle."""
    with _idle_lock:
        if not _idle:
            _idle.append(_Worker(preload))


def close_idle_workers() -> int:
    """Stop every idle worker of this process; return how many there were."""
    with _idle_lock:
        workers, _idle[:] = list(_idle), []
    for worker in workers:
        worker.close()
    return len(workers)


atexit.register(close_idle_workers)


class Watchdog:
    """Runs calls one at a time in a spawned worker process and fails a call that stalls.

    Use as a context manager. The first :meth:`call` takes an idle worker of this process or starts
    one; leaving the block gives it back for the next block (see the module docstring). A worker is
    killed on a stall, and the next :meth:`call` starts another.

    Parameters
    ----------
    stall_timeout_s
        Seconds without progress (no heartbeat and less than :data:`MIN_CPU_FRACTION` of a
        core) after which a call is stalled.
    poll_s
        How often the parent checks the worker.
    """

    def __init__(self, stall_timeout_s: float, poll_s: float = 1.0) -> None:
        if not stall_timeout_s > 0:
            raise ValueError(f"stall_timeout_s must be positive, got {stall_timeout_s!r}")
        self.stall_timeout_s = float(stall_timeout_s)
        self.poll_s = float(poll_s)
        self._worker: _Worker | None = None
        self._in_call = False  # a call was sent and its reply not read (e.g. interrupted)
        #: When the parent saw each heartbeat of the last call (``time.monotonic``, to ``poll_s``).
        self.beat_times: list[float] = []

    def seconds_per_beat(self) -> float | None:
        """Mean seconds between the last call's heartbeats (e.g. per Gibbs iteration); None if < 2."""
        times = self.beat_times
        return (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else None

    def __enter__(self) -> Watchdog:
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Give the worker back to this process's idle workers (one mid-call or dead is killed instead)."""
        worker = self._worker
        if worker is not None and worker.process.is_alive() and not self._in_call:
            with _idle_lock:
                _idle.append(worker)
            self._worker = None
        else:
            self._kill()

    def _kill(self) -> None:
        """Kill the worker at once: a stalled or busy one would not read a request to stop."""
        worker, self._worker, self._in_call = self._worker, None, False
        if worker is not None:
            worker.close(polite=False)

    def _cpu_s(self) -> float:
        try:
            times = psutil.Process(self._worker.process.pid).cpu_times()
        except psutil.Error:  # gone between the checks
            return 0.0
        return times.user + times.system

    def call(self, fn: Callable[..., Any], /, *args: Any, what: str, hint: str, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` in the worker and return its result.

        Parameters
        ----------
        fn
            A module-level function (the worker imports it by name).
        what
            What is running, for messages: the node, the batch and its videos.
        hint
            What to try if it stalls or the worker dies.

        Raises
        ------
        StallError
            ``<what>: no progress for N s ...; <hint>`` after a stall (the worker is killed).
        WorkerDiedError
            If the worker ended during the call.
        Exception
            Whatever ``fn`` raised, with the worker's traceback as a note.
        """
        if self._worker is None:
            self._worker = _take_worker()
        worker = self._worker
        started = mark_time = time.monotonic()
        self._in_call = True
        try:
            worker.conn.send((fn, args, kwargs))
        except OSError as err:
            raise self._died(what, hint) from err
        mark_cpu, mark_beat = self._cpu_s(), worker.beats.value
        self.beat_times = []
        min_cpu_s = MIN_CPU_FRACTION * self.stall_timeout_s
        while not worker.conn.poll(self.poll_s):
            if not worker.process.is_alive():
                raise self._died(what, hint)
            now, cpu, beats = time.monotonic(), self._cpu_s(), worker.beats.value
            self.beat_times += [now] * (beats - mark_beat)
            if beats != mark_beat or cpu - mark_cpu >= min_cpu_s:
                mark_time, mark_cpu, mark_beat = now, cpu, beats
            elif now - mark_time >= self.stall_timeout_s:
                self._kill()
                raise StallError(
                    f"{what}: no progress for {self.stall_timeout_s:.0f} s (stalled {now - started:.0f} s "
                    f"into the call, after {beats} iteration(s), worker idle); the worker was killed. {hint}"
                )
        try:
            status, *payload = worker.conn.recv()
        except EOFError as err:
            raise self._died(what, hint) from err
        self._in_call = False
        if status == "ok":
            return payload[0]
        error, worker_traceback = payload
        error.add_note(f"in the watchdog worker process:\n{worker_traceback}")
        raise error

    def _died(self, what: str, hint: str) -> WorkerDiedError:
        self._worker.process.join(5)
        code = self._worker.process.exitcode
        self._kill()
        cause = " (SIGKILL: out of memory?)" if code == -9 else ""
        return WorkerDiedError(f"{what}: the worker process ended with exit code {code}{cause}. {hint}")
