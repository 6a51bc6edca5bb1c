"""Grouping and in-fold fitting: leaky variants (video-level folds, selection outside CV) are caught."""

import numpy as np
import pandas as pd
from sklearn.feature_selection import SelectKBest, f_regression
from sklearn.inspection import permutation_importance
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import GroupKFold, KFold, cross_val_predict
from sklearn.neighbors import KNeighborsRegressor

from unsupervised_aging.pipelines.model_evaluation import nodes
from unsupervised_aging.pipelines.model_evaluation.nested_cv import permutation_scores

from .conftest import evaluate, small_params


def _headline(result: dict, target: str = "age") -> pd.DataFrame:
    p = result["predictions"]
    return p[(p["target"] == target) & (p["model"] == "selected")]


def _mouse_fingerprint_table(n_mice=20, videos=3, n_features=10, seed=1) -> pd.DataFrame:
    """Target and features are per-mouse random: only seeing the same mouse in training helps."""
    rng = np.random.default_rng(seed)
    mouse = np.repeat(np.arange(n_mice), videos)
    table = pd.DataFrame(
        rng.normal(size=(n_mice, n_features))[mouse] + rng.normal(0, 0.05, (len(mouse), n_features)),
        columns=[f"f{j}" for j in range(n_features)],
    )
    table["age"] = rng.uniform(10, 150, n_mice)[mouse] + rng.normal(0, 1, len(mouse))
    table["mouse_id"] = mouse
    table["name"] = [f"v{i}" for i in range(len(mouse))]
    return table


def test_outer_splits_never_share_a_mouse_and_differ_by_seed(table):
    params = small_params() | {"seeds": [3, 4, 5], "outer_folds": 5}
    splits, _ = nodes.plan_evaluation(nodes.prepare_inputs(table, params), params)
    assert set(splits["target"]) == {"age", "frailty_index"}
    assert (splits.groupby(["target", "repeat", "group"])["fold"].nunique() == 1).all()
    age = splits[splits["target"] == "age"]
    assert sorted(age["fold"].unique()) == list(range(5))
    by_repeat = age.pivot(index="row", columns="repeat", values="fold")
    assert not (by_repeat[0] == by_repeat[1]).all()


def test_mouse_fingerprints_do_not_leak_across_folds():
    table = _mouse_fingerprint_table()
    params = small_params(("dummy_mean", "knn")) | {"targets": ["age"]}
    result = evaluate(table, params)
    data = result["inputs"]["age"]
    # Positive control: video-level folds let KNN find the same mouse's other videos.
    leaky = cross_val_predict(
        KNeighborsRegressor(2, weights="distance"), data.X, data.y, cv=KFold(4, shuffle=True, random_state=0)
    )
    assert r2_score(data.y, leaky) > 0.8
    headline = _headline(result)
    assert r2_score(headline["true"], headline["predicted"]) < 0.2


def test_feature_selection_is_fitted_inside_the_folds():
    """On pure noise, selecting features on all videos fakes skill; selecting inside folds does not."""
    rng = np.random.default_rng(2)
    n_mice, videos, n_features = 20, 2, 400
    mouse = np.repeat(np.arange(n_mice), videos)
    table = pd.DataFrame(
        rng.normal(size=(len(mouse), n_features)), columns=[f"f{j}" for j in range(n_features)]
    )
    table["age"] = rng.uniform(10, 150, len(mouse))
    table["mouse_id"] = mouse
    params = small_params(("dummy_mean",)) | {"targets": ["age"]}
    params["models"]["ridge"] = {"class": "sklearn.linear_model.Ridge", "params": {"alpha": 1.0}, "grid": {}}
    params["feature_sets"]["models"] = ["ridge"]
    params["preprocessing"] |= {"select_k_best": 10}
    result = evaluate(table, params)
    data = result["inputs"]["age"]
    selected = SelectKBest(f_regression, k=10).fit_transform(data.X, data.y)  # the mistake, outside CV
    leaky = cross_val_predict(Ridge(1.0), selected, data.y, cv=GroupKFold(4), groups=data.groups)
    assert r2_score(data.y, leaky) > 0.3
    headline = _headline(result)
    assert r2_score(headline["true"], headline["predicted"]) < 0.1


def test_batched_permutation_importance_matches_sklearn():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 6))
    y = 3 * X[:, 0] + X[:, 1] + rng.normal(0, 0.1, 40)
    model = Ridge(0.1).fit(X, y)
    ours = permutation_scores(model, X, y, "neg_mean_absolute_error", n_repeats=30, seed=0, max_cells=500)
    reference = permutation_importance(
        model, X, y, scoring="neg_mean_absolute_error", n_repeats=30, random_state=0
    )
    np.testing.assert_allclose(ours, reference.importances_mean, atol=0.15)
    assert list(np.argsort(-ours)[:2]) == [0, 1]


def test_results_do_not_depend_on_n_jobs(table):
    params = small_params(("dummy_mean", "elastic_net")) | {"seeds": [0, 1], "targets": ["age"]}
    serial = evaluate(table, params)["predictions"]
    parallel = evaluate(table, params | {"n_jobs": 2})["predictions"]
    pd.testing.assert_frame_equal(serial, parallel)
