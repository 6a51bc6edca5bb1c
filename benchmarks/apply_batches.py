"""Frames/s and peak device memory of apply_model calls on 1, 2, 4 ... one-hour recordings.

Usage (``benchmarks/gpu_check.sh`` runs it on a GPU machine)::

    .venv/bin/python benchmarks/apply_batches.py --batch-sizes 1 2 4 7 --iters 5
    JAX_PLATFORMS=cpu .venv/bin/python benchmarks/apply_batches.py --frames 3000 --batch-sizes 1 2

Fits the demo-like model of ``apply_one_hour.py``, simulates ``max(--batch-sizes)`` recordings of
``--frames`` frames, then calls ``kpms.apply_model`` once per batch size, in increasing order, on
that many recordings. Per call it prints the wall time (compile included: each size is a new
shape), the steady seconds per Gibbs iteration (median after the first), frames per second of
one iteration, and the device's peak memory (``peak_bytes_in_use`` of JAX's memory stats; it
never goes down, so with increasing sizes it is each call's own peak; on the CPU, where JAX
keeps no such stats, the process's peak RSS). A call that runs out of device memory is reported
and ends the series: the largest size that fitted is the budget (kpms_inference's batch budget
in frames = that size x ``--frames``).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apply_one_hour import PROJECT_ROOT, small_model


def _peak_memory_mb(device: object) -> tuple[float, str]:
    """Peak memory of ``device`` (a jax Device) in MB, or the process's peak RSS on the CPU."""
    stats = device.memory_stats() if hasattr(device, "memory_stats") else None
    if stats and "peak_bytes_in_use" in stats:
        return stats["peak_bytes_in_use"] / 2**20, "device peak"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "process RSS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=108_000, help="frames per recording")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 2, 4, 7])
    parser.add_argument("--iters", type=int, default=5, help="apply_model iterations per call")
    parser.add_argument("--train-iters", type=int, default=5, help="AR-HMM iterations of the small fit")
    args = parser.parse_args()
    sizes = sorted(set(args.batch_sizes))

    from unsupervised_aging.hooks import enable_jax_compilation_cache

    enable_jax_compilation_cache(PROJECT_ROOT / ".jax_cache")
    import jax
    import keypoint_moseq as kpms
    import numpy as np
    from keypoint_moseq import fitting

    from unsupervised_aging.synthetic import simulate_cohort

    device = jax.devices()[0]
    print(f"jax {jax.__version__}, backend {jax.default_backend()}, device {device}", flush=True)
    t0 = time.perf_counter()
    model, config = small_model(args.train_iters, parallel_message_passing=None)
    print(f"small model fitted in {time.perf_counter() - t0:.0f} s", flush=True)
    t0 = time.perf_counter()
    poses, _ = simulate_cohort(n_mice=max(sizes), videos_per_mouse=1, n_frames=args.frames, seed=2)
    names = sorted(poses)
    print(f"{len(names)} recordings x {args.frames} frames simulated in {time.perf_counter() - t0:.0f} s")

    stamps: list[float] = []
    step = fitting._wrapped_resample

    def timed_step(*a: object, **k: object) -> object:
        out = step(*a, **k)  # ends in a NaN check that waits for the device
        stamps.append(time.perf_counter())
        return out

    fitting._wrapped_resample = timed_step
    print(
        f"\n{'recordings':>10}{'frames':>10}{'call s':>8}{'s/iter':>8}{'frames/s':>11}{'peak MB':>10}  memory"
    )
    for size in sizes:
        chosen = names[:size]
        data, metadata = kpms.format_data(
            {n: poses[n].coordinates.astype(float) for n in chosen},
            {n: poses[n].confidences.astype(float) for n in chosen},
            **config,
        )
        stamps.clear()
        started = time.perf_counter()
        try:
            kpms.apply_model(model, data, metadata, num_iters=args.iters, save_results=False, **config)
        except Exception as err:  # XlaRuntimeError RESOURCE_EXHAUSTED on a device too small
            if "RESOURCE_EXHAUSTED" not in str(err) and "out of memory" not in str(err).lower():
                raise
            print(f"{size:>10}{size * args.frames:>10}  out of device memory: the budget is below {size}")
            break
        call = time.perf_counter() - started
        steady = float(np.median(np.diff(stamps))) if len(stamps) > 1 else call
        peak, kind = _peak_memory_mb(device)
        frames = size * args.frames
        print(
            f"{size:>10}{frames:>10}{call:>8.1f}{steady:>8.2f}{frames / steady:>11.0f}{peak:>10.0f}  {kind}",
            flush=True,
        )
    fitting._wrapped_resample = step


if __name__ == "__main__":
    main()
