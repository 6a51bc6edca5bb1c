"""Wall and CPU time of the model_evaluation stage (default suite from conf/base) on a synthetic table.

Run: ``.venv/bin/python benchmarks/model_evaluation_speed.py [--rows 650] [--features 60] [--n-jobs 2]``

Prints one line per step (wall seconds) and the total, plus CPU seconds (with ``--n-jobs 1`` every
fit runs in this process, so that figure does not depend on other load); the load average is
printed too, since other work on the machine slows every wall-clock figure down.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from unsupervised_aging.pipelines.model_evaluation import nodes
from unsupervised_aging.pipelines.model_evaluation.settings import load_settings

PARAMETERS = Path(__file__).resolve().parents[1] / "conf/base/parameters_model_evaluation.yml"


def table(rows: int, n_features: int, videos_per_mouse: int = 3, seed: int = 0) -> pd.DataFrame:
    """``rows`` videos of ``rows / videos_per_mouse`` mice; 10 features follow age, all vary by mouse."""
    rng = np.random.default_rng(seed)
    mouse = np.arange(rows) // videos_per_mouse
    n_mice = mouse.max() + 1
    age = rng.uniform(8, 100, n_mice)[mouse] + rng.uniform(0, 60, rows)
    X = rng.normal(0, 0.5, (n_mice, n_features))[mouse] + rng.normal(0, 0.3, (rows, n_features))
    X[:, :10] += (age[:, None] - 70) / 30
    frame = pd.DataFrame(X, columns=[f"usage_s{j:02d}" for j in range(n_features)])
    return frame.assign(name=[f"video_{i}" for i in range(rows)], mouse_id=mouse, age=age)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=650)
    parser.add_argument("--features", type=int, default=60)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    params = yaml.safe_load(PARAMETERS.read_text())["model_evaluation"] | {"n_jobs": args.n_jobs}
    features = table(args.rows, args.features)
    features["frailty_index"] = features["age"] / 20 + np.random.default_rng(1).normal(0, 0.5, len(features))
    settings = load_settings(params)
    print(
        f"{args.rows} × {args.features} table, targets {list(settings.targets)}, "
        f"{len(settings.models)} models, "
        f"seeds {list(settings.seeds)}, {settings.outer_folds} outer folds, "
        f"{settings.permutation.n_permutations} permutations, n_jobs {args.n_jobs}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )

    started, cpu_started = time.perf_counter(), time.process_time()

    def step(label: str, func, *a, **kw):
        wall, cpu = time.perf_counter(), time.process_time()
        out = func(*a, **kw)
        print(
            f"  {label:<28} {time.perf_counter() - wall:7.1f} s wall {time.process_time() - cpu:7.1f} s CPU"
        )
        return out

    inputs = step("prepare_model_input", nodes.prepare_inputs, features, params)
    splits, plan = step("plan_evaluation", nodes.plan_evaluation, inputs, params)
    repeats = [
        step(f"evaluate_repeat_seed{seed}", nodes.evaluate_repeat, inputs, splits, params, repeat=r)
        for r, seed in enumerate(settings.seeds)
    ]
    chunks = [
        step(f"run_permutations_{c}", nodes.run_permutations, inputs, splits, params, chunk=c)
        for c in range(settings.permutation.n_chunks)
    ]
    predictions, train, metrics = nodes.collect_results(*repeats)
    summary, _, _ = step(
        "summarise_results",
        nodes.summarise_results,
        predictions,
        train,
        metrics,
        nodes.collect_permutations(*chunks),
        params,
    )
    step("compute_feature_importance", nodes.compute_feature_importance, inputs, splits, metrics, params)
    total = time.perf_counter() - started
    print(
        f"total {total:.1f} s wall, {time.process_time() - cpu_started:.1f} s CPU in this process (all of it "
        f"with --n-jobs 1), projected {plan['projected_cpu_s'].sum():.0f} CPU s; load average now "
        f"{os.getloadavg()[0]:.1f}"
    )
    for row in summary[summary["role"] == "headline"].itertuples():
        print(f"  {row.target}: headline MAE {row.mae:.3g}, R² {row.r2:.2f}, permutation p {row.p_value:.2g}")


if __name__ == "__main__":
    main()
