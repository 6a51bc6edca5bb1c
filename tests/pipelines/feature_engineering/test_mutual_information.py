"""Lagged mutual information: independence gives ~0, a Markov surrogate keeps the transition matrix."""

import numpy as np
import pytest

from unsupervised_aging.pipelines.feature_engineering.mutual_information import (
    crossing_lag,
    frame_transition_matrix,
    lagged_mutual_information,
    memory_timescale,
    simulate_markov_chain,
)


def test_iid_sequence_has_no_mutual_information():
    sequence = np.random.default_rng(0).integers(0, 6, size=50_000)
    mi = lagged_mutual_information(sequence, np.array([1, 10, 100, 1000]), 6)
    assert np.all(np.abs(mi) < 0.002)  # plug-in bias ~ 25 / (2 N ln 2) ≈ 4e-4 bits


def test_periodic_sequence_has_full_information_and_long_lags_are_nan():
    sequence = np.tile(np.arange(4), 100)
    mi = lagged_mutual_information(sequence, np.array([1, 4, 7, 400]), 4)
    np.testing.assert_allclose(mi[:3], 2.0, atol=1e-4)  # knowing x_t fixes x_{t+lag}: log2(4) bits
    assert np.isnan(mi[3])


def test_markov_surrogate_reproduces_the_transition_matrix():
    transitions = np.array([[0.9, 0.1, 0.0], [0.05, 0.9, 0.05], [0.2, 0.0, 0.8]])
    sample = simulate_markov_chain(transitions, 200_000, 0, np.random.default_rng(1))
    assert sample.shape == (200_000,)
    np.testing.assert_allclose(frame_transition_matrix(sample, 3), transitions, atol=0.01)


def test_absorbing_label_fills_the_rest():
    transitions = frame_transition_matrix(np.array([0, 0, 1, 1, 2]), 3)  # 2 is never left
    np.testing.assert_allclose(transitions[2], [0, 0, 1])
    sample = simulate_markov_chain(transitions, 1000, 2, np.random.default_rng(0))
    assert np.all(sample == 2)


def test_crossing_lag_interpolates_on_log_axis():
    lags = np.array([1.0, 10.0, 100.0])
    # the gap goes 2 → 1 → -1: it closes two thirds of the way from 10 to 100 on a log axis
    assert crossing_lag(lags, np.array([3.0, 2.0, 0.0]), np.array([1.0, 1.0, 1.0])) == pytest.approx(
        10 ** (1 + 1 / 2)
    )
    assert np.isnan(crossing_lag(lags, np.array([3.0, 3.0, 3.0]), np.ones(3)))  # never meets
    assert crossing_lag(lags, np.zeros(3), np.ones(3)) == 1.0
    assert np.isnan(crossing_lag(lags, np.full(3, np.nan), np.ones(3)))


def test_memory_timescale_is_censored_at_the_grid_not_at_the_recording_length():
    lags = np.array([1.0, 10.0, 100.0])
    # never meets over the whole grid: censored at its last lag, whatever the recording's length
    assert memory_timescale(lags, np.full(3, 3.0), np.ones(3)) == 100.0
    # the recording was too short for the last lag and the curves had not met: unknown
    assert np.isnan(memory_timescale(lags, np.array([3.0, 3.0, np.nan]), np.ones(3)))
    # they met before the missing lag: known
    assert memory_timescale(lags, np.array([3.0, 0.5, np.nan]), np.ones(3)) < 10.0
