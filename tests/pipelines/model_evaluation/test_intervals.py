"""Grouped CV+ intervals, mouse-bootstrap CIs and the corrected paired t-test."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from unsupervised_aging.pipelines.model_evaluation.conformal import covered, cv_plus, required_mice
from unsupervised_aging.pipelines.model_evaluation.procedure import candidates, run_fold
from unsupervised_aging.pipelines.model_evaluation.uncertainty import corrected_paired_test, mouse_bootstrap

PREPROCESSING = {"imputer": "median", "variance_threshold": None, "scaler": "standard", "select_k_best": None}


def test_cv_plus_is_unbounded_with_too_few_mice_and_finite_with_enough():
    assert (required_mice(0.2), required_mice(0.1)) == (4, 9)
    rng = np.random.default_rng(0)
    for n_mice, finite in ((3, False), (4, True)):
        groups = np.repeat(np.arange(n_mice), 2)
        low, high = cv_plus(
            rng.normal(size=(2, 5)),
            np.arange(len(groups)) % 2,
            np.abs(rng.normal(size=len(groups))),
            groups,
            0.2,
        )
        assert np.isfinite(high).all() == finite and (low <= high).all()


def test_grouped_cv_plus_covers_at_the_nominal_rate():
    """Mice with a random offset each (videos of a mouse alike): coverage of 80 % intervals ~ 80 %."""
    rng = np.random.default_rng(1)
    pool = candidates(
        {"ridge": {"class": "sklearn.linear_model.Ridge", "grid": {}}}, PREPROCESSING, threads=1
    )
    hits = []
    for trial in range(6):
        n_mice, videos = 40, 3
        groups = np.repeat(np.arange(n_mice), videos)
        X = rng.normal(size=(n_mice * videos, 3))
        y = X @ [1.0, -2.0, 0.5] + rng.normal(0, 1.0, n_mice)[groups] + rng.normal(0, 0.3, len(groups))
        test = np.flatnonzero(groups < 8)
        train = np.flatnonzero(groups >= 8)
        result = run_fold(
            X, y, groups, train, test, pool, metric="mae", inner_folds=5, seed=trial,
            selectable={"ridge"}, per_model=False, alpha=0.2,
        )  # fmt: skip
        hits.append(covered(y[test], result.low["selected"], result.high["selected"]))
    assert 0.7 <= np.concatenate(hits).mean() <= 0.92


def test_corrected_paired_test_matches_its_formula_and_is_wider_than_naive():
    d = np.array([0.5, 0.2, 0.4, 0.1, 0.3, 0.6, 0.2, 0.35, 0.15, 0.4])
    test = corrected_paired_test(d, test_train_ratio=0.25, level=0.95)
    t = d.mean() / np.sqrt((1 / len(d) + 0.25) * d.var(ddof=1))
    assert test["t"] == pytest.approx(t)
    assert test["p_value"] == pytest.approx(2 * stats.t.sf(t, len(d) - 1))
    assert test["p_value"] > stats.ttest_1samp(d, 0).pvalue  # folds are not independent


def test_mouse_bootstrap_interval_brackets_the_pooled_value_and_counts_mice_not_videos():
    rng = np.random.default_rng(2)
    rows = []
    for videos in (2, 20):  # the same 15 mice; many videos per mouse must not narrow the CI much
        mouse = np.repeat(np.arange(15), videos)
        offset = rng.normal(0, 5, 15)[mouse]
        true = rng.uniform(10, 100, len(mouse))
        rows.append(
            pd.DataFrame(
                {
                    "group": mouse,
                    "repeat": 0,
                    "true": true,
                    "predicted": true + offset + rng.normal(0, 0.5, len(mouse)),
                }
            )
        )
    few, many = (mouse_bootstrap(r, 500, 0, 0.95) for r in rows)
    for result in (few, many):
        assert result["mae_ci_low"] <= result["mae"] <= result["mae_ci_high"]
        assert result["r2_ci_low"] <= result["r2"] <= result["r2_ci_high"]
    width = lambda r: r["mae_ci_high"] - r["mae_ci_low"]  # noqa: E731
    assert width(many) > 0.5 * width(few)  # 10x the videos of the same mice: not sqrt(10) narrower
