"""Synthetic features tables with mouse-level structure, and small evaluation parameters."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

PARAMETERS = Path(__file__).resolve().parents[3] / "conf/base/parameters_model_evaluation.yml"


def synthetic_table(
    n_mice: int = 16, videos_per_mouse: int = 3, n_features: int = 30, n_informative: int = 5, seed: int = 0
) -> pd.DataFrame:
    """Videos of mice recorded at several ages; a few features follow age, all carry a per-mouse offset.

    Returns
    -------
    pd.DataFrame
        ``name``, ``mouse_id``, ``age``, ``frailty_index``, ``sex``, then ``feat_00`` … features.
    """
    rng = np.random.default_rng(seed)
    mouse = np.repeat(np.arange(n_mice), videos_per_mouse)
    age = rng.uniform(8, 100, n_mice)[mouse] + rng.uniform(0, 60, len(mouse))
    mouse_offset = rng.normal(0, 0.5, (n_mice, n_features))[mouse]
    features = mouse_offset + rng.normal(0, 0.3, (len(mouse), n_features))
    features[:, :n_informative] += (age[:, None] - 70) / 30 * rng.uniform(0.8, 1.5, n_informative)
    table = pd.DataFrame(features, columns=[f"feat_{j:02d}" for j in range(n_features)])
    table.insert(0, "sex", np.where(mouse % 2, "F", "M"))
    table.insert(0, "frailty_index", age / 20 + rng.normal(0, 0.5, len(mouse)))
    table.insert(0, "age", age)
    table.insert(0, "mouse_id", [f"M{m:03d}" for m in mouse])
    table.insert(0, "name", [f"video {i} é" for i in range(len(mouse))])
    return table


@pytest.fixture
def table() -> pd.DataFrame:
    return synthetic_table()


def small_params(models: tuple[str, ...] = ("dummy_mean", "elastic_net", "knn")) -> dict:
    """The project's default parameters cut to a few fast models: sequential, one CV repeat, one
    feature set (all), no permutations."""
    params = copy.deepcopy(yaml.safe_load(PARAMETERS.read_text())["model_evaluation"])
    params["models"] = {name: params["models"][name] for name in models}
    params["feature_sets"] |= {
        "models": [m for m in models if m != "dummy_mean"][:1],
        "sets": {"all": {"patterns": ["*"], "families": []}},
    }
    params["permutation"] |= {"n_permutations": 0, "chunk_size": 1}
    params["bootstrap"] |= {"n_resamples": 200}
    params |= {"seeds": [0], "n_jobs": 1, "outer_folds": 4}
    return params


@pytest.fixture
def params() -> dict:
    return small_params()


def evaluate(table: pd.DataFrame, params: dict) -> dict[str, pd.DataFrame]:
    """Every node up to the summary, in memory: ``predictions``, ``metrics``, ``summary``, ...

    Permutation chunks run when ``params`` asks for permutations.
    """
    from unsupervised_aging.pipelines.model_evaluation import nodes
    from unsupervised_aging.pipelines.model_evaluation.settings import load_settings

    settings = load_settings(params)
    inputs = nodes.prepare_inputs(table, params)
    splits, plan = nodes.plan_evaluation(inputs, params)
    repeats = [nodes.evaluate_repeat(inputs, splits, params, repeat=r) for r in range(len(settings.seeds))]
    predictions, train, metrics = nodes.collect_results(*repeats)
    null = nodes.collect_permutations(
        *[
            nodes.run_permutations(inputs, splits, params, chunk=c)
            for c in range(settings.permutation.n_chunks)
        ]
    )
    summary, comparisons, coverage = nodes.summarise_results(predictions, train, metrics, null, params)
    return {
        "inputs": inputs,
        "splits": splits,
        "plan": plan,
        "predictions": predictions,
        "train_predictions": train,
        "metrics": metrics,
        "null": null,
        "summary": summary,
        "comparisons": comparisons,
        "coverage": coverage,
    }
