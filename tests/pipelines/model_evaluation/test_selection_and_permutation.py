"""Positive controls of the headline: selection bias, permutation p-values, age-only signal."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from unsupervised_aging.pipelines.model_evaluation.permutation import (
    derangement,
    p_value,
    permute_between_mice,
)

from .conftest import evaluate, small_params

#: Tiny suites: fast enough to run whole permutation tests many times.
RIDGE = {"class": "sklearn.linear_model.Ridge", "params": {"alpha": 10.0}, "grid": {}}


def _null_table(seed: int, n_mice: int = 14, videos: int = 2, n_features: int = 6) -> pd.DataFrame:
    """Mice with random features and a random per-mouse target: nothing to learn."""
    rng = np.random.default_rng(seed)
    mouse = np.repeat(np.arange(n_mice), videos)
    table = pd.DataFrame(
        rng.normal(size=(n_mice, n_features))[mouse] + rng.normal(0, 0.3, (len(mouse), n_features)),
        columns=[f"f{j}" for j in range(n_features)],
    )
    table["age"] = rng.normal(50, 10, n_mice)[mouse] + rng.normal(0, 2, len(mouse))
    table["mouse_id"] = mouse
    return table


def _tiny(models: dict, n_permutations: int = 0) -> dict:
    params = small_params(("dummy_mean",)) | {"targets": ["age"], "outer_folds": 3, "inner_folds": 2}
    params["models"] |= models
    params["feature_sets"] |= {"models": [next(iter(models))]}
    params["permutation"] |= {"n_permutations": n_permutations, "chunk_size": max(n_permutations, 1)}
    params["bootstrap"] |= {"n_resamples": 50}
    return params


def test_derangements_move_whole_mice_and_keep_the_labels():
    rng = np.random.default_rng(0)
    assert all((derangement(5, rng) != np.arange(5)).all() for _ in range(50))
    groups = np.array(["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["d"] * 2 + ["e"] * 2 + ["f"])  # unequal counts
    y = np.array([1, 2, 3, 10, 20, 30, 100, 200, 300, 7, 8, 70, 80, 5.0])
    for seed in range(30):
        permuted = permute_between_mice(y, groups, np.random.default_rng(seed))
        for mouse in np.unique(groups):
            mine, theirs = set(y[groups == mouse]), set(permuted[groups == mouse])
            assert mine != theirs  # no mouse keeps its own labels
            assert any(theirs <= set(y[groups == donor]) for donor in np.unique(groups))  # one donor
        three = np.isin(groups, ["a", "b", "c"])
        assert sorted(permuted[three]) == sorted(y[three])  # equal-count mice swap exactly
    assert p_value(1.0, np.array([0.5, 2.0, 3.0])) == pytest.approx(2 / 4)


def test_permutation_p_values_are_uniform_under_a_true_null():
    """30 null cohorts, 19 permutations each: p-values spread over (0, 1], not piled near 0."""
    p = []
    for seed in range(30):
        summary = evaluate(_null_table(seed), _tiny({"ridge": RIDGE}, n_permutations=19))["summary"]
        p.append(summary.loc[summary["model"] == "selected", "p_value"].iloc[0])
    p = np.array(p)
    assert 0.35 < p.mean() < 0.65
    assert (p <= 0.1).mean() <= 0.25
    assert stats.kstest(p, "uniform").pvalue > 0.01
    # Positive control: a real per-mouse signal gives the smallest possible p-value.
    signal = _null_table(99)
    signal["age"] += 15 * signal["f0"]
    summary = evaluate(signal, _tiny({"ridge": RIDGE}, n_permutations=19))["summary"]
    assert summary.loc[summary["model"] == "selected", "p_value"].iloc[0] == pytest.approx(1 / 20)


def test_selection_after_the_fact_is_optimistic_and_the_headline_is_not():
    """Best of many noisy models, chosen on the outer folds, beats the dummy on pure noise; the
    headline (chosen inside each training fold) does not."""
    suite = {
        f"knn{k}": {
            "class": "sklearn.neighbors.KNeighborsRegressor",
            "params": {"n_neighbors": k},
            "grid": {},
        }
        for k in (1, 2, 3, 4, 5, 6, 8, 10)
    }
    after_the_fact, headline = [], []
    for seed in range(6):
        summary = evaluate(_null_table(seed, n_mice=18), _tiny(suite) | {"seeds": [0, 1]})["summary"]
        dummy = summary.loc[summary["model"] == "dummy_mean", "mae"].iloc[0]
        after_the_fact.append(summary.loc[summary["role"] == "model", "mae"].min() - dummy)
        headline.append(summary.loc[summary["model"] == "selected", "mae"].iloc[0] - dummy)
        assert bool(summary.loc[summary["role"] == "model", "chosen_after_the_fact"].all())
    assert np.mean(headline) > np.mean(after_the_fact) + 0.3
    assert np.mean(headline) > -0.2  # no fake skill


def _frailty_table(behaviour_effect: float, seed: int = 0, n_mice: int = 40) -> pd.DataFrame:
    """Features follow age; frailty = age trend (+ an age-independent behaviour effect)."""
    rng = np.random.default_rng(seed)
    mouse = np.repeat(np.arange(n_mice), 2)
    age = rng.uniform(10, 130, n_mice)[mouse] + rng.uniform(0, 20, len(mouse))
    vigour = rng.normal(size=n_mice)[mouse]  # a behaviour trait unrelated to age
    table = pd.DataFrame({f"age_proxy{j}": age / 40 + rng.normal(0, 0.3, len(mouse)) for j in range(4)})
    table["vigour"] = vigour + rng.normal(0, 0.1, len(mouse))
    table["frailty_index"] = age / 20 + behaviour_effect * vigour + rng.normal(0, 0.6, len(mouse))
    table["age"] = age
    table["mouse_id"] = mouse
    return table


@pytest.mark.parametrize("effect", [0.0, 1.5])
def test_an_age_only_signal_is_not_credited_to_behaviour(effect):
    params = small_params(("dummy_mean", "elastic_net")) | {"targets": ["frailty_index"], "seeds": [0, 1, 2]}
    result = evaluate(_frailty_table(effect), params)
    tests = result["comparisons"].set_index(["comparison", "versus"])
    gain = tests.loc[("behaviour gain over age", "age_linear")]
    summary = result["summary"].set_index("model")
    assert summary.loc["selected", "r2"] > 0.5  # behaviour alone "predicts" frailty (through age)
    if effect == 0:
        assert gain["p_value"] > 0.05 and gain["ci_low"] < 0  # no gain over age alone
    else:
        assert gain["p_value"] < 0.05 and gain["ci_low"] > 0  # a real behaviour effect is found
