"""Time and peak memory of kpms_inference's batched apply_model against one call on all videos.

Usage::

    .venv/bin/python benchmarks/kpms_inference_memory.py [--videos 32] [--frames 1800]
        [--budget 14400] [--iters 5]

On demo-shaped data (simulated videos of ``--frames`` frames, a tiny real keypoint-moseq model
with the demo's keypoints and 100 states), it prints, each measured in a fresh Python process
with its own empty JAX compilation cache (so every configuration pays its compile):

1. one ``kpms.apply_model`` call on all ``--videos`` videos;
2. the pipeline's slot node on the same videos in batches of at most ``--budget`` frames
   (one shape for all batches: one compile), saving through ``KpmsResultsDataset``;
3. the same batched run on a quarter of the videos, so peak RSS can be compared as the videos
   grow 4x at a fixed budget.

Time is wall time after imports (data formatting + compile + iterations + saving); peak RSS is
the process's ``ru_maxrss`` (imports included, ~0.5 GB). Targets (issue 4): batched peak RSS
flat (+-20 %) as videos grow 4x; batched total time <= 1.3x the single call.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from unsupervised_aging.synthetic import JABS_BODYPARTS

USE_BODYPARTS = list(JABS_BODYPARTS[:10])  # the tail tip and middle are left out, as in training


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def prepare(work: Path, videos: int, frames: int) -> None:
    """Write the simulated poses and a tiny fitted model (PCA + 3 AR-HMM iterations) to ``work``."""
    import pickle

    import keypoint_moseq as kpms

    from unsupervised_aging.datasets import PoseDataset
    from unsupervised_aging.synthetic import JABS_BODYPARTS, simulate_cohort

    poses, _ = simulate_cohort(n_mice=(videos + 1) // 2, videos_per_mouse=2, n_frames=frames, seed=0)
    names = sorted(poses)[:videos]
    for name in names:
        PoseDataset(str(work / "poses" / f"{name}.h5")).save(poses[name])
    train = names[:4]
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
        num_states=100,
        fps=30,
    )
    config = kpms.load_config(str(project))
    data, metadata = kpms.format_data(
        {n: poses[n].coordinates.astype(float) for n in train},
        {n: poses[n].confidences.astype(float) for n in train},
        **config,
    )
    model = kpms.init_model(data, pca=kpms.fit_pca(**data, **config), **config)
    model = kpms.fit_model(
        model, data, metadata, str(project), "bench", ar_only=True, num_iters=3,
        generate_progress_plots=False, save_every_n_iters=0, parallel_message_passing=False,
    )[0]  # fmt: skip
    with open(work / "model.p", "wb") as f:
        pickle.dump(
            {"selected": {"model_name": "bench", "model": model}, "config": config, "names": names}, f
        )


def measure(work: Path, mode: str, n_videos: int, budget: int, iters: int) -> dict[str, float]:
    """Run one configuration in this process; return its time and peak RSS."""
    import pickle

    import keypoint_moseq as kpms
    import numpy as np
    import pandas as pd

    from unsupervised_aging.datasets import KpmsResultsDataset, PoseDataset
    from unsupervised_aging.pipelines.kpms_inference.nodes import _init_kwargs, apply_model_to_slot

    with open(work / "model.p", "rb") as f:
        saved = pickle.load(f)
    selected, config, names = saved["selected"], saved["config"], saved["names"][:n_videos]
    loaders = {n: PoseDataset(str(work / "poses" / f"{n}.h5")).load for n in names}
    frames = [loaders[n]().n_frames for n in names]
    rss_loaded = _peak_rss_mb()
    started = time.perf_counter()
    if mode == "single":
        idx = [loaders[names[0]]().bodyparts.index(b) for b in USE_BODYPARTS]
        poses = {n: loaders[n]() for n in names}
        data, metadata = kpms.format_data(
            {n: p.coordinates[:, idx].astype(float) for n, p in poses.items()},
            {n: p.confidences[:, idx].astype(float) for n, p in poses.items()},
            bodyparts=USE_BODYPARTS,
            use_bodyparts=USE_BODYPARTS,
        )
        kpms.apply_model(
            selected["model"], data, metadata, num_iters=iters, save_results=False,
            parallel_message_passing=False, **_init_kwargs(config),
        )  # fmt: skip
        n_calls = 1
    else:
        batch = (np.cumsum(frames) - 1) // budget  # consecutive videos, at most budget frames per batch
        plan = pd.DataFrame({"name": names, "n_frames": frames, "batch": batch, "slot": 0, "action": "apply"})
        params = {"num_iters": iters, "parallel_message_passing": False, "mixed_map_iters": 1}
        results = apply_model_to_slot(plan, loaders, selected, config, params, slot=0)
        KpmsResultsDataset(str(work / f"results_{mode}_{n_videos}.h5")).save(results)
        n_calls = int(plan["batch"].nunique())
    return {
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": _peak_rss_mb(),
        "rss_after_import_mb": rss_loaded,
        "frames": int(sum(frames)),
        "calls": n_calls,
    }


def _child(work: Path, *args: str) -> dict[str, float]:
    """Run this script in a fresh process with an empty JAX compilation cache."""
    env = {**os.environ, "JAX_COMPILATION_CACHE_DIR": tempfile.mkdtemp(dir=work, prefix="jax_cache_")}
    out = subprocess.run(
        [sys.executable, __file__, "--work", str(work), *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=32)
    parser.add_argument("--frames", type=int, default=1800)
    parser.add_argument("--budget", type=int, default=14_400, help="frames per apply_model call when batched")
    parser.add_argument("--iters", type=int, default=5, help="apply_model iterations")
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=["prepare", "single", "batched"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "prepare":
        prepare(args.work, args.videos, args.frames)
        print(json.dumps({}))
        return
    if args.child:
        print(json.dumps(measure(args.work, args.child, args.n, args.budget, args.iters)))
        return

    common = ["--videos", str(args.videos), "--frames", str(args.frames), "--budget", str(args.budget)]
    common += ["--iters", str(args.iters)]
    with tempfile.TemporaryDirectory(prefix="kpms_inference_bench_") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        _child(work, "--child", "prepare", *common)
        print(
            f"prepared {args.videos} videos x {args.frames} frames and a model "
            f"in {time.perf_counter() - started:.0f} s"
        )
        quarter = max(1, args.videos // 4)
        runs = {
            f"single call, {args.videos} videos": _child(
                work, "--child", "single", "--n", str(args.videos), *common
            ),
            f"batched, {args.videos} videos": _child(
                work, "--child", "batched", "--n", str(args.videos), *common
            ),
            f"batched, {quarter} videos": _child(work, "--child", "batched", "--n", str(quarter), *common),
        }
    print(
        f"\napply_model {args.iters} iterations, batch budget {args.budget} frames, CPU, fresh process each"
    )
    print(
        f"{'configuration':<28}{'frames':>9}{'calls':>7}{'time s':>9}"
        f"{'peak RSS MB':>13}{'RSS after load MB':>19}"
    )
    for label, r in runs.items():
        print(
            f"{label:<28}{r['frames']:>9}{r['calls']:>7}{r['seconds']:>9.1f}{r['peak_rss_mb']:>13.0f}"
            f"{r['rss_after_import_mb']:>19.0f}"
        )
    single, batched, small = runs.values()
    print(f"\nbatched / single time: {batched['seconds'] / single['seconds']:.2f} (target <= 1.3)")
    print(f"batched peak RSS, single / batched: {single['peak_rss_mb'] / batched['peak_rss_mb']:.2f}x")
    print(
        f"batched peak RSS, {args.videos} vs {quarter} videos: "
        f"{batched['peak_rss_mb'] / small['peak_rss_mb'] - 1:+.0%} (target within +-20 %)"
    )


if __name__ == "__main__":
    main()
