"""Wall time of the model_evaluation stage (default suite from conf/base) on a synthetic table.

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
    print(
        f"{args.rows} × {args.features} table, {len(params['models'])} models, seeds {params['seeds']}, "
        f"{params['outer_folds']} outer folds, n_jobs {args.n_jobs}, load average {os.getloadavg()[0]:.1f}"
    )

    started, cpu_started = time.perf_counter(), time.process_time()
    data = nodes.prepare_model_input(features, params)
    splits = nodes.make_cv_splits(data, params)
    results = []
    for model in params["models"]:
        step = time.perf_counter()
        results.append(nodes.evaluate_model(data, splits, params, model=model))
        print(f"  {model:<24} {time.perf_counter() - step:7.1f} s")
    best = nodes.select_best_model(params, *results)
    step = time.perf_counter()
    control = nodes.run_shuffled_control(data, splits, best, params)
    print(f"  {'shuffled control (' + best + ')':<24} {time.perf_counter() - step:7.1f} s")
    predictions, metrics = nodes.collect_results(*results, control)
    summary = nodes.summarise_results(metrics, predictions, best, params)
    step = time.perf_counter()
    nodes.compute_feature_importance(data, splits, metrics, best, params)
    print(f"  {'permutation importance':<24} {time.perf_counter() - step:7.1f} s")
    total = time.perf_counter() - started
    print(
        f"total {total:.1f} s wall, {time.process_time() - cpu_started:.1f} s CPU in this process (all of it "
        f"with --n-jobs 1), load average now {os.getloadavg()[0]:.1f}; best {best}, "
        f"MAE {summary.iloc[0]['mae_mean']:.2f}, R² {summary.iloc[0]['r2_mean']:.2f}"
    )


if __name__ == "__main__":
    main()
