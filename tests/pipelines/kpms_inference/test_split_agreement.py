"""A recording split across apply_model calls agrees with one call as well as two seeds agree.

The model's parameters are fixed while it is applied, so a syllable number means the same
state in every call and the frames' syllables can be compared without matching labels. The
Gibbs sampler is random: two unsplit calls with different seeds disagree on some frames. A
split call (pieces cut at keypoint-moseq's own segment boundaries, each with the overlap its
last segment has in an unsplit call, then stitched) must agree with an unsplit call as well as
two unsplit calls agree. keypoint-moseq samples every segment (row) as its own chain, and a
short chain sometimes settles a whole segment in another syllable, so frames are not
independent: the comparison allows twice the standard error over segments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unsupervised_aging.datasets.kpms_results import ResultsDict
from unsupervised_aging.pipelines.kpms_inference.nodes import apply_model_to_slot, plan_inference
from unsupervised_aging.synthetic import simulate_cohort

from .conftest import loaders

N_FRAMES = 3_000
SEG_LENGTH = 300  # max_seg_length: N_FRAMES is 10 segments


def _apply(poses, selected, config, params, frames_per_call: int, seed: int) -> tuple[dict, int]:
    import jax

    (name,) = poses
    settings = {**params, "frames_per_call": frames_per_call, "max_seg_length": SEG_LENGTH, "num_iters": 5}
    model = {**selected, "model": {**selected["model"], "seed": np.asarray(jax.random.PRNGKey(seed))}}
    table = pd.DataFrame({"name": [name], "n_frames": [N_FRAMES]})
    plan = plan_inference(table, loaders(poses), ResultsDict(), model, config, settings, n_slots=1)
    results = apply_model_to_slot(plan, loaders(poses), model, config, settings, slot=0)
    return results[name], int(plan["call"].nunique())


@pytest.mark.slow
def test_split_results_agree_with_an_unsplit_call_as_well_as_two_seeds(tiny_model, params):
    selected, config = tiny_model
    poses, _ = simulate_cohort(n_mice=1, videos_per_mouse=1, n_frames=N_FRAMES, seed=5)
    unsplit_a, calls = _apply(poses, selected, config, params, N_FRAMES, seed=0)
    assert calls == 1
    unsplit_b, _ = _apply(poses, selected, config, params, N_FRAMES, seed=1)
    split, calls = _apply(poses, selected, config, params, 600, seed=2)
    assert calls == 5

    def per_segment(x: np.ndarray) -> np.ndarray:
        return x.reshape(-1, SEG_LENGTH, *x.shape[1:]).mean(axis=tuple(range(1, x.ndim + 1)))

    def disagreement(x: dict, y: dict) -> np.ndarray:  # (segments,) share of frames
        return per_segment((x["syllable"] != y["syllable"]).astype(float))

    def latent_distance(x: dict, y: dict) -> np.ndarray:  # (segments,) mean squared difference
        return per_segment((x["latent_state"] - y["latent_state"]) ** 2)

    def within_noise(split_vs_unsplit: np.ndarray, seed_vs_seed: np.ndarray) -> bool:
        excess = split_vs_unsplit.mean() - seed_vs_seed.mean()
        error = np.sqrt((split_vs_unsplit.var(ddof=1) + seed_vs_seed.var(ddof=1)) / len(seed_vs_seed))
        return bool(excess <= 2 * error)

    seeds = disagreement(unsplit_a, unsplit_b)
    print(
        f"syllable agreement: split vs unsplit {1 - disagreement(split, unsplit_a).mean():.3f} and "
        f"{1 - disagreement(split, unsplit_b).mean():.3f}, seed vs seed {1 - seeds.mean():.3f}; per segment "
        f"disagreement (frames): split {np.round(disagreement(split, unsplit_a) * SEG_LENGTH).astype(int)}, "
        f"seeds {np.round(seeds * SEG_LENGTH).astype(int)}"
    )
    assert 1 / 8 < 1 - seeds.mean() < 1  # the model is better than chance and the sampler is random
    for unsplit in (unsplit_a, unsplit_b):
        assert within_noise(disagreement(split, unsplit), seeds)
        assert within_noise(latent_distance(split, unsplit), latent_distance(unsplit_a, unsplit_b))
