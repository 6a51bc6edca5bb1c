"""The sticky HMM recovers planted slow behavioural modes from syllable sequences."""

import numpy as np

from unsupervised_aging.pipelines.feature_engineering.behavioural_states import (
    chunk_windows,
    fit_sticky_hmm,
    infer_states,
    window_counts,
)

FPS = 30


def planted_modes(rng: np.random.Generator, n_seconds: int) -> tuple[np.ndarray, np.ndarray]:
    """Mode 0 uses syllables 0-2, mode 1 syllables 2-4 (2 is shared); modes last 20-60 s."""
    modes = np.concatenate([np.full(rng.integers(20, 60), i % 2) for i in range(n_seconds // 20)])[:n_seconds]
    frames = np.repeat(modes, FPS)
    syllables = np.where(frames == 0, rng.integers(0, 3, frames.size), rng.integers(2, 5, frames.size))
    return syllables, modes


def test_sticky_hmm_recovers_planted_modes():
    rng = np.random.default_rng(3)
    training = [planted_modes(rng, 600)[0] for _ in range(4)]
    chunks, masks = zip(*(chunk_windows(window_counts(s, FPS, 5), 120) for s in training), strict=True)
    model = fit_sticky_hmm(
        np.concatenate(chunks),
        np.concatenate(masks),
        n_states=2,
        stickiness=10.0,
        concentration=1.1,
        max_iter=30,
        tol=1e-6,
        seed=0,
    )
    assert model.log_likelihood[-1] > model.log_likelihood[0]
    np.testing.assert_allclose(model.transitions.sum(axis=1), 1.0)
    assert np.all(np.diag(model.transitions) > 0.9)

    syllables, modes = planted_modes(np.random.default_rng(99), 500)  # a video not seen in training
    states = infer_states(model, window_counts(syllables, FPS, 5), chunk_length=120)
    assert states.shape == modes.shape
    agreement = max(np.mean(states == modes), np.mean(states == 1 - modes))
    assert agreement > 0.97
