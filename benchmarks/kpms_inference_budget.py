"""Peak memory and speed of kpms_inference on one one-hour recording, per frame budget.

Usage::

    .venv/bin/python benchmarks/kpms_inference_budget.py [--frames 108000] [--budgets 18000 36000 108000]
        [--iters 3] [--states 100]

Simulates one recording of ``--frames`` frames (the project's synthetic cohort; 108,000 = one
hour at 30 fps) and fits a small real keypoint-moseq model (PCA + 3 AR-HMM iterations on 3,600
frames, ``--states`` states as in the study, the project's 10 keypoints). Then, for each
``--budgets`` value (``kpms_inference.frames_per_call``), in a fresh process, it runs the
pipeline's own inference code (plan -> slot node -> results.h5) and prints:

- calls: apply_model calls the recording was split into;
- wall s: the slot node, compile included (inflated on a shared machine);
- worker CPU s: user + system CPU of the watchdog's worker process (where JAX runs);
- s/iter: seconds per Gibbs iteration (from the watchdog's heartbeats, mean over calls);
- worker peak RSS MB: the largest resident memory of the worker (``RUSAGE_CHILDREN``);
- node peak RSS MB: the Kedro process itself (poses, spool, results).

The JAX compilation cache is the one in ``JAX_COMPILATION_CACHE_DIR`` (shared across runs).
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from unsupervised_aging.synthetic import JABS_BODYPARTS

USE_BODYPARTS = list(JABS_BODYPARTS[:10])  # the tail tip and middle are left out, as in training


def prepare(work: Path, frames: int, states: int) -> None:
    """Write one simulated recording and a small fitted model to ``work``."""
    import keypoint_moseq as kpms

    from unsupervised_aging.datasets import PoseDataset
    from unsupervised_aging.synthetic import simulate_cohort

    poses, _ = simulate_cohort(n_mice=1, videos_per_mouse=1, n_frames=frames, seed=0)
    (name,) = poses
    PoseDataset(str(work / "poses" / f"{name}.h5")).save(poses[name])
    project = work / "project"
    project.mkdir()
    kpms.generate_config(
        str(project),
        bodyparts=list(JABS_BODYPARTS),
        use_bodyparts=USE_BODYPARTS,
        anterior_bodyparts=["NOSE"],
        posterior_bodyparts=["BASE_TAIL"],
        skeleton=[],
        latent_dim=6,
        num_states=states,
        fps=30,
    )
    config = kpms.load_config(str(project))
    pose = poses[name]
    data, metadata = kpms.format_data(
        {name: pose.coordinates[:3600].astype(float)}, {name: pose.confidences[:3600].astype(float)}, **config
    )
    model = kpms.init_model(data, pca=kpms.fit_pca(**data, **config), **config)
    model = kpms.fit_model(
        model, data, metadata, str(project), "bench", ar_only=True, num_iters=3,
        generate_progress_plots=False, save_every_n_iters=0, parallel_message_passing=False,
    )[0]  # fmt: skip
    with open(work / "model.p", "wb") as f:
        pickle.dump({"model": model, "config": config, "name": name, "frames": frames}, f)


class _Iterations(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        value = getattr(record, "seconds_per_iteration", None)
        if value is not None:
            self.values.append(value)


def measure(work: Path, budget: int, iters: int) -> dict[str, float]:
    """Run the pipeline's inference on the recording at ``budget`` frames per call (this process)."""
    import keypoint_moseq  # noqa: F401  (switches JAX to 64-bit before the model's arrays are unpickled)
    import pandas as pd

    from unsupervised_aging.datasets import KpmsResultsDataset, PoseDataset
    from unsupervised_aging.datasets.kpms_results import ResultsDict
    from unsupervised_aging.pipelines.kpms_inference.nodes import apply_model_to_slot, plan_inference

    with open(work / "model.p", "rb") as f:
        saved = pickle.load(f)
    name, config = saved["name"], saved["config"]
    poses = {f"{name}.h5": PoseDataset(str(work / "poses" / f"{name}.h5")).load}
    params = {
        "n_slots": 1,
        "incremental": False,
        "num_iters": iters,
        "frames_per_call": budget,
        "max_seg_length": 10_000,
        "parallel_message_passing": False,
        "mixed_map_iters": 1,
        "stall_timeout_s": 300,
        "group_column": None,
    }
    selected = {"model_name": "bench", "model": saved["model"]}
    table = pd.DataFrame({"name": [name], "n_frames": [saved["frames"]]})
    plan = plan_inference(table, poses, ResultsDict(), selected, config, params, n_slots=1)
    handler = _Iterations()
    logging.getLogger("unsupervised_aging.pipelines.kpms_inference.slot").addHandler(handler)
    logging.getLogger("unsupervised_aging.pipelines.kpms_inference.slot").setLevel(logging.INFO)
    started = time.perf_counter()
    results = apply_model_to_slot(plan, poses, selected, config, params, slot=0)
    KpmsResultsDataset(str(work / f"results_{budget}.h5")).save(results)
    wall = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert results[name]["syllable"].shape == (saved["frames"],)
    return {
        "calls": int(plan["call"].nunique()),
        "wall_s": wall,
        "worker_cpu_s": children.ru_utime + children.ru_stime,
        "s_per_iter": sum(handler.values) / len(handler.values) if handler.values else float("nan"),
        "worker_peak_rss_mb": children.ru_maxrss / 1024,
        "node_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(work: Path, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--work", str(work), *args], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=108_000)
    parser.add_argument("--budgets", type=int, nargs="+", default=[18_000, 36_000, 108_000])
    parser.add_argument("--iters", type=int, default=3, help="apply_model iterations")
    parser.add_argument("--states", type=int, default=100, help="syllables of the model")
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=["prepare", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "prepare":
        prepare(args.work, args.frames, args.states)
        print(json.dumps({}))
        return
    if args.child == "measure":
        print(json.dumps(measure(args.work, args.budget, args.iters)))
        return

    with tempfile.TemporaryDirectory(prefix="kpms_inference_budget_") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        _child(work, "--child", "prepare", "--frames", str(args.frames), "--states", str(args.states))
        print(f"prepared a {args.frames}-frame recording and a {args.states}-state model in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        rows = {b: _child(work, "--child", "measure", "--budget", str(b), "--iters", str(args.iters))
                for b in args.budgets}  # fmt: skip
    print(f"\none {args.frames}-frame recording, {args.iters} iterations, CPU, fresh process per budget")
    print(f"{'frames_per_call':>16}{'calls':>7}{'wall s':>9}{'worker CPU s':>14}{'s/iter':>8}"
          f"{'worker peak RSS MB':>20}{'node peak RSS MB':>18}")  # fmt: skip
    for budget, r in rows.items():
        print(f"{budget:>16}{r['calls']:>7}{r['wall_s']:>9.0f}{r['worker_cpu_s']:>14.0f}{r['s_per_iter']:>8.1f}"
              f"{r['worker_peak_rss_mb']:>20.0f}{r['node_peak_rss_mb']:>18.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
