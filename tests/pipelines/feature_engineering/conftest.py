"""Small keypoint-moseq-like results: syllable bouts from a Markov chain, a wandering centroid."""

from pathlib import Path

import numpy as np
import pytest
import yaml

CONF = Path(__file__).resolve().parents[3] / "conf" / "base"


def yaml_parameters(**overrides) -> dict:
    """``params:feature_engineering`` as the project's YAML has it, with top-level ``overrides``."""
    parameters = yaml.safe_load((CONF / "parameters_feature_engineering.yml").read_text())
    return {**parameters["feature_engineering"], **overrides}


def make_recording(rng: np.random.Generator, n_frames: int, n_syllables: int) -> dict[str, np.ndarray]:
    """One recording in keypoint-moseq's results layout.

    Bouts follow a random bout-to-bout Markov chain whose rare syllables stay below keypoint-moseq's
    inclusion threshold, with durations of 1-30 frames; the last 3 frames are the rarest syllable
    (keypoint-moseq 0.8's ``generate_transition_matrices`` fails on groups lacking the highest
    one). The centroid is a random walk in pixels and the heading turns by small steps, wrapped
    to (-π, π].
    """
    weights = 0.6 ** np.arange(n_syllables)
    transitions = rng.dirichlet(np.ones(n_syllables), size=n_syllables) * weights
    transitions /= transitions.sum(axis=1, keepdims=True)
    labels, state = [], int(rng.integers(3))
    while sum(len(b) for b in labels) < n_frames:
        labels.append(np.full(int(rng.integers(1, 30)), state))
        state = int(rng.choice(n_syllables, p=transitions[state]))
    syllable = np.concatenate(labels)[:n_frames]
    syllable[-3:] = (
        n_syllables - 1
    )  # every recording ends with the rarest syllable (see test_kpms_equivalence)
    centroid = np.cumsum(rng.normal(0, 2, size=(n_frames, 2)), axis=0) + 300
    heading = np.angle(np.exp(1j * np.cumsum(rng.normal(0, 0.2, size=n_frames))))
    latent = rng.normal(size=(n_frames, 4)).astype(np.float32)
    return {"syllable": syllable, "latent_state": latent, "centroid": centroid, "heading": heading}


@pytest.fixture
def recordings() -> dict[str, dict[str, np.ndarray]]:
    """Six recordings of unequal length (names with a space and non-ASCII letters included)."""
    rng = np.random.default_rng(7)
    names = ["m1 day1", "m1_day2", "m2_α", "m3", "m4", "m5"]
    return {name: make_recording(rng, 1500 + 150 * i, 14) for i, name in enumerate(names)}
