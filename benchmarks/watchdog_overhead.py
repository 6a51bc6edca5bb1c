"""What the stall watchdog costs per worker and per apply_model call.

Usage::

    .venv/bin/python benchmarks/watchdog_overhead.py [--frames 108000]

The watchdog runs each call in a spawned worker process, so it adds (1) once per worker (one per
process since workers are kept between nodes): starting it and importing keypoint-moseq there (the
Kedro process imports it too);
(2) per call: sending the formatted call to the worker and its results back through a pipe;
(3) the parent's 1-s polling of the worker's CPU time. This prints each, with CPU seconds (wall
time is inflated on a shared machine), for a call of ``--frames`` frames of the project's 10
keypoints (``Y``, ``conf``, ``mask`` in; ``syllable``, ``latent_state`` (6 dims), ``centroid``,
``heading`` out, float64 as keypoint-moseq returns them).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import psutil

from unsupervised_aging.kpms.watchdog import Watchdog


def import_keypoint_moseq() -> float:
    """Import keypoint-moseq in the worker; its CPU seconds so far."""
    import keypoint_moseq  # noqa: F401

    times = os.times()
    return times.user + times.system


def echo_results(data: dict[str, np.ndarray], frames: int) -> dict[str, np.ndarray]:
    """Receive a call's input and send back results of the same size as apply_model's."""
    return {
        "syllable": np.zeros(frames, dtype=np.int64),
        "latent_state": np.zeros((frames, 6)),
        "centroid": np.zeros((frames, 2)),
        "heading": np.zeros(frames),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=108_000)
    args = parser.parse_args()
    frames = args.frames
    rows = -(-frames // 10_000)
    data = {
        "Y": np.zeros((rows, 10_030, 10, 2)),
        "conf": np.zeros((rows, 10_030, 10)),
        "mask": np.zeros((rows, 10_030)),
    }
    me = psutil.Process()
    with Watchdog(stall_timeout_s=300) as watchdog:
        started = time.perf_counter()
        worker_cpu = watchdog.call(import_keypoint_moseq, what="benchmark", hint="")
        start_s = time.perf_counter() - started
        cpu_before, started = me.cpu_times(), time.perf_counter()
        for _ in range(3):
            watchdog.call(echo_results, data, frames, what="benchmark", hint="")
        round_trip_s = (time.perf_counter() - started) / 3
        cpu_after = me.cpu_times()
    parent_cpu = (cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system) / 3
    megabytes = sum(v.nbytes for v in data.values()) / 1e6
    print(
        f"worker start + import keypoint_moseq: {start_s:.1f} s wall, {worker_cpu:.1f} CPU-s (once per slot)"
    )
    print(
        f"one {frames}-frame call through the pipe ({megabytes:.0f} MB in, results out): "
        f"{round_trip_s:.2f} s wall, {parent_cpu:.2f} CPU-s in the parent (per call)"
    )


if __name__ == "__main__":
    main()
