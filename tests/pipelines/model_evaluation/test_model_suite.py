"""Every model of the default YAML suite builds into an sklearn Pipeline that fits and predicts."""

import numpy as np
import pytest
import yaml

from unsupervised_aging.pipelines.model_evaluation.model_suite import build_model

from .conftest import PARAMETERS

DEFAULTS = yaml.safe_load(PARAMETERS.read_text())["model_evaluation"]


@pytest.mark.parametrize("name", list(DEFAULTS["models"]))
def test_default_models_fit_with_their_grid(name):
    pipeline, grid = build_model(DEFAULTS["models"][name], DEFAULTS["preprocessing"], threads=1)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 6)), rng.normal(size=30)
    X[0, 1] = np.nan
    first = {key: values[0] for key, values in grid.items()}
    predicted = pipeline.set_params(**first).fit(X, y).predict(X)
    assert predicted.shape == (30,) and np.isfinite(predicted).all()


def test_yaml_entry_sets_class_params_grid_and_threads():
    spec = {
        "class": "sklearn.ensemble.ExtraTreesRegressor",
        "params": {"n_estimators": 7},
        "grid": {"max_depth": [2, 3], "select__k": [2]},
        "scale_target": True,
    }
    preprocessing = {
        "imputer": "median",
        "variance_threshold": None,
        "scaler": "standard",
        "select_k_best": 3,
    }
    pipeline, grid = build_model(spec, preprocessing, threads=2)
    forest = pipeline.named_steps["model"].regressor
    assert (forest.n_estimators, forest.n_jobs) == (7, 2)
    assert grid == {"model__regressor__max_depth": [2, 3], "select__k": [2]}
    assert [name for name, _ in pipeline.steps] == ["impute", "scale", "select", "model"]


def test_unknown_class_is_reported():
    with pytest.raises(ValueError, match=r"cannot load regressor class 'sklearn\.nope\.Model'"):
        build_model({"class": "sklearn.nope.Model"}, DEFAULTS["preprocessing"])
