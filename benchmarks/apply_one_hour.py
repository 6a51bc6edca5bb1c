"""Does ``keypoint_moseq.apply_model`` finish on one one-hour recording on the CPU? (issue 11)

Usage, from the project root::

    timeout 900 .venv/bin/python benchmarks/apply_one_hour.py [--frames 108000] [--iters 10]
    timeout 900 taskset -c 0 .venv/bin/python benchmarks/apply_one_hour.py   # one core

With jaxlib 0.10.x this call deadlocked at iteration 2-7 on a 2-core machine (both XLA worker
threads waiting in the LAPACK triangular solve, 0 % CPU). This script fits a small demo-like model
(the project's keypoint and model parameters, 4 simulated demo videos of 1,800 frames, a few
AR-HMM iterations), simulates one recording of ``--frames`` frames with the project's synthetic
generator and applies the model to it, printing seconds per iteration and peak RSS.

A watchdog thread samples the process's CPU time: if it grows by less than 1 % of a core for
``--stall-s`` seconds, the script prints ``STALL`` with the iteration it was in and exits 3
instead of waiting (an outer ``timeout`` is still wise). Exit 0 means every iteration finished.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


class CpuWatchdog:
    """Exit the process (code 3) when its CPU time stops growing for ``stall_s`` seconds."""

    def __init__(self, stall_s: float) -> None:
        self.stall_s = stall_s
        self.where = "starting"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> CpuWatchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def _watch(self) -> None:
        last_cpu, last_progress = time.process_time(), time.monotonic()
        while not self._stop.wait(5.0):
            cpu = time.process_time()
            if cpu - last_cpu > 0.01 * 5.0:
                last_cpu, last_progress = cpu, time.monotonic()
            elif time.monotonic() - last_progress > self.stall_s:
                print(
                    f"STALL: no CPU progress for {self.stall_s:.0f} s during {self.where} "
                    f"(peak RSS {_peak_rss_mb():.0f} MB)",
                    flush=True,
                )
                os._exit(3)


def small_model(train_iters: int, parallel_message_passing: bool = False) -> tuple[dict, dict]:
    """A demo-like model: the project's keypoint and model parameters, latent_dim 4, kappa 1e4,
    ``train_iters`` AR-HMM iterations on 4 simulated demo videos of 1,800 frames.

    Returns
    -------
    model, config
        What ``kpms.apply_model`` takes, and the keypoint-moseq config (with index arrays).
    """
    import jax.random as jr
    import keypoint_moseq as kpms
    import yaml

    from unsupervised_aging.synthetic import JABS_BODYPARTS, simulate_cohort

    params = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_kpms_training.yml").read_text())[
        "kpms_training"
    ]
    train, _ = simulate_cohort(n_mice=2, videos_per_mouse=2, n_frames=1800, seed=1)
    with tempfile.TemporaryDirectory(prefix="small_model_") as project:
        kpms.generate_config(
            project,
            bodyparts=list(JABS_BODYPARTS),
            use_bodyparts=params["use_bodyparts"],
            anterior_bodyparts=params["anterior_bodyparts"],
            posterior_bodyparts=params["posterior_bodyparts"],
            skeleton=[],
            latent_dim=4,
            num_states=params["num_states"],
            nlags=params["nlags"],
            fps=30,
        )
        config = kpms.load_config(project)
    data, metadata = kpms.format_data(
        {n: p.coordinates.astype(float) for n, p in train.items()},
        {n: p.confidences.astype(float) for n, p in train.items()},
        **config,
    )
    model = kpms.init_model(data, pca=kpms.fit_pca(**data, **config), seed=jr.PRNGKey(0), **config)
    model = kpms.update_hypparams(model, kappa=1e4)
    model, _ = kpms.fit_model(
        model, data, metadata, num_iters=train_iters, ar_only=True, save_every_n_iters=None,
        generate_progress_plots=False, parallel_message_passing=parallel_message_passing,
    )  # fmt: skip
    return model, config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=108_000, help="frames of the applied recording")
    parser.add_argument("--iters", type=int, default=10, help="apply_model iterations")
    parser.add_argument("--train-iters", type=int, default=5, help="AR-HMM iterations of the small fit")
    parser.add_argument("--stall-s", type=float, default=120.0, help="seconds without CPU progress = stall")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated recording")
    args = parser.parse_args()

    from unsupervised_aging.hooks import enable_jax_compilation_cache

    enable_jax_compilation_cache(PROJECT_ROOT / ".jax_cache")
    started = time.perf_counter()
    import jax
    import jaxlib
    import keypoint_moseq as kpms
    import numpy as np
    from keypoint_moseq import fitting

    from unsupervised_aging.synthetic import simulate_cohort

    print(
        f"python {sys.version.split()[0]}, jax {jax.__version__}, jaxlib {jaxlib.__version__}, "
        f"keypoint-moseq {kpms.__version__}, backend {jax.default_backend()}, "
        f"{len(os.sched_getaffinity(0))} usable core(s); imports {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    with CpuWatchdog(args.stall_s) as watchdog:
        watchdog.where = "training the small model"
        t0 = time.perf_counter()
        model, config = small_model(args.train_iters)
        print(f"small model: 4 videos x 1800 frames, {time.perf_counter() - t0:.0f} s", flush=True)

        watchdog.where = "simulating the recording"
        poses, _ = simulate_cohort(n_mice=1, videos_per_mouse=1, n_frames=args.frames, seed=args.seed)
        pose = next(iter(poses.values()))
        new, new_metadata = kpms.format_data(
            {"hour": pose.coordinates.astype(float)}, {"hour": pose.confidences.astype(float)}, **config
        )

        # Time each Gibbs step: wrap keypoint-moseq's per-iteration call (it ends in a NaN check,
        # which waits for the device, so the clock stops when the iteration's work is done).
        stamps: list[float] = []
        cpu_stamps: list[float] = []
        step = fitting._wrapped_resample

        def timed_step(*a: object, **k: object) -> object:
            watchdog.where = f"apply_model iteration {len(stamps) + 1} of {args.iters}"
            out = step(*a, **k)
            stamps.append(time.perf_counter())
            cpu_stamps.append(time.process_time())
            return out

        fitting._wrapped_resample = timed_step
        watchdog.where = "apply_model initialisation"
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        results = kpms.apply_model(
            model, new, new_metadata, num_iters=args.iters, save_results=False,
            parallel_message_passing=False, **config,
        )  # fmt: skip
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        fitting._wrapped_resample = step
    steps = np.diff([t0, *stamps])
    z = results["hour"]["syllable"]
    print(
        f"apply_model: {args.frames} frames, {len(stamps)}/{args.iters} iterations, wall {wall:.0f} s, "
        f"CPU {cpu:.0f} s, first iteration (with compile/init) {steps[0]:.1f} s, "
        f"then {np.median(steps[1:]):.1f} s/iteration (median; min {steps[1:].min():.1f}, "
        f"max {steps[1:].max():.1f}), peak RSS {_peak_rss_mb():.0f} MB, "
        f"{len(np.unique(z))} syllables used",
        flush=True,
    )
    print("per-iteration wall s: " + " ".join(f"{s:.1f}" for s in steps))
    print("per-iteration CPU s:  " + " ".join(f"{s:.1f}" for s in np.diff([cpu0, *cpu_stamps])))
    if len(z) != args.frames:
        raise SystemExit(f"apply_model labelled {len(z)} frames, expected {args.frames}")


if __name__ == "__main__":
    main()
