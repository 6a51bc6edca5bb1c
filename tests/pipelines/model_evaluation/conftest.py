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
    """The project's default parameters, cut to a few fast models, sequential, one CV repeat."""
    params = copy.deepcopy(yaml.safe_load(PARAMETERS.read_text())["model_evaluation"])
    params["models"] = {name: params["models"][name] for name in models}
    params |= {"seeds": [0], "n_jobs": 1, "outer_folds": 4}
    return params


@pytest.fixture
def params() -> dict:
    return small_params()
