"""Seconds per iteration and JIT compile time of keypoint-moseq AR-HMM and full fits on the demo cohort.

Run from the project root::

    .venv/bin/python benchmarks/kpms_training_speed.py            # demo cohort, project JAX cache
    .venv/bin/python benchmarks/kpms_training_speed.py --cold     # fresh cache: true compile time
    .venv/bin/python benchmarks/kpms_training_speed.py --size 0.25 --iters 5

Each fit is timed twice with the same shapes: the first call pays the compilation, the second
runs compiled code, so ``compile ~= first - iterations x (seconds per iteration)``.
``fit_model`` runs ``num_iters + 1`` resampling steps, which the per-iteration figures use.
Wall and process CPU times are both printed: on a shared machine the CPU time is the fairer figure
(JAX uses several threads, so CPU time can also exceed wall time on an idle multi-core machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1.0, help="multiplies the demo's 16 mice")
    parser.add_argument(
        "--frames", type=int, default=1800, help="frames per video (training uses max_frames_per_video)"
    )
    parser.add_argument("--iters", type=int, default=10, help="iterations of the timed (second) fits")
    parser.add_argument("--num-states", type=int, help="override kpms_training.num_states")
    parser.add_argument("--cold", action="store_true", help="use an empty JAX compilation cache")
    args = parser.parse_args()

    from unsupervised_aging.hooks import enable_jax_compilation_cache

    cache = Path(tempfile.mkdtemp(prefix="jax_cache_")) if args.cold else PROJECT_ROOT / ".jax_cache"
    os.environ["JAX_COMPILATION_CACHE_DIR"] = str(cache)
    enable_jax_compilation_cache(cache)

    started = time.perf_counter()
    import jax
    import jax.random as jr
    import keypoint_moseq as kpms
    import pandas as pd
    import yaml

    print(f"import keypoint_moseq: {time.perf_counter() - started:.1f} s  (backend {jax.default_backend()})")

    from unsupervised_aging.kpms.config import with_indexes
    from unsupervised_aging.pipelines.kpms_training.kpms_data import format_training_data
    from unsupervised_aging.pipelines.kpms_training.nodes import build_kpms_config, fit_pca
    from unsupervised_aging.synthetic import simulate_cohort

    params = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_kpms_training.yml").read_text())[
        "kpms_training"
    ]
    if args.num_states:
        params["num_states"] = args.num_states
    poses, metadata = simulate_cohort(n_mice=max(1, round(16 * args.size)), n_frames=args.frames)
    loaders = {name: (lambda p=pose: p) for name, pose in poses.items()}
    training = pd.DataFrame({"name": list(poses)})
    config = build_kpms_config(loaders, metadata, training, params)
    t = time.perf_counter()
    pca, config, _ = fit_pca(loaders, training, config, params)
    print(f"PCA on {len(poses)} videos x {args.frames} frames: {time.perf_counter() - t:.1f} s")
    data, metadata_kpms, _ = format_training_data(
        loaders, training, config, params.get("max_frames_per_video")
    )
    config = with_indexes(config)
    print(
        f"data Y {tuple(data['Y'].shape)}, latent_dim {config['ar_hypparams']['latent_dim']}, "
        f"num_states {config['trans_hypparams']['num_states']}, cache {'cold' if args.cold else cache}"
    )

    def fit(ar_only: bool, num_iters: int) -> tuple[float, float]:
        model = kpms.init_model(data, pca=pca, seed=jr.PRNGKey(0), **config)
        model = kpms.update_hypparams(model, kappa=1e6 if ar_only else 1e5)
        t, cpu = time.perf_counter(), time.process_time()
        model, _ = kpms.fit_model(
            model,
            data,
            metadata_kpms,
            num_iters=num_iters,
            ar_only=ar_only,
            save_every_n_iters=None,
            generate_progress_plots=False,
            parallel_message_passing=False,
        )
        jax.block_until_ready(model["states"]["z"])
        return time.perf_counter() - t, time.process_time() - cpu

    for label, ar_only in (("AR-HMM", True), ("full model", False)):
        first = fit(ar_only, 1)
        second = fit(ar_only, args.iters)
        for clock, i in (("wall", 0), ("CPU", 1)):
            per_iter = second[i] / (args.iters + 1)
            compile_s = max(first[i] - 2 * per_iter, 0.0)
            print(
                f"{label} ({clock}): {per_iter:.2f} s/iteration "
                f"({args.iters + 1} steps in {second[i]:.1f} s); "
                f"first call {first[i]:.1f} s for 2 steps -> JIT compile ~{compile_s:.1f} s"
            )
    sys.stdout.flush()
    if args.cold:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
