"""A recording split across apply_model calls agrees with one call as well as two seeds agree.

The model's parameters are fixed while it is applied, so a syllable number means the same
state in every call and the frames' syllables can be compared without matching labels. The
Gibbs sampler is random: two unsplit calls with different seeds disagree on some frames. A
split call (pieces cut at keypoint-moseq's own segment boundaries, then stitched) must agree
with an unsplit call at least that well; it cannot do better than the seed-to-seed noise, so
the comparison allows the sampling error of an agreement fraction over the frames.
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


def _apply(poses, selected, config, params, frames_per_call: int, seed: int) -> tuple[dict, int]:
    import jax

    (name,) = poses
    settings = {**params, "frames_per_call": frames_per_call, "max_seg_length": 300, "num_iters": 5}
    model = {**selected, "model": {**selected["model"], "seed": np.asarray(jax.random.PRNGKey(seed))}}
    table = pd.DataFrame({"name": [name], "n_frames": [N_FRAMES]})
    plan = plan_inference(table, loaders(poses), ResultsDict(), model, config, settings, n_slots=1)
    results = apply_model_to_slot(plan, loaders(poses), model, config, settings, slot=0)
    return results[name], int(plan["call"].nunique())


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="measured: split 0.957 vs seed-to-seed 0.978 syllable agreement; splitting at segment "
    "boundaries loses agreement, so one-hour videos are applied whole by default (issue 11)",
)
def test_split_results_agree_with_an_unsplit_call_as_well_as_two_seeds(tiny_model, params):
    selected, config = tiny_model
    poses, _ = simulate_cohort(n_mice=1, videos_per_mouse=1, n_frames=N_FRAMES, seed=5)
    unsplit_a, calls = _apply(poses, selected, config, params, N_FRAMES, seed=0)
    assert calls == 1
    unsplit_b, _ = _apply(poses, selected, config, params, N_FRAMES, seed=1)
    split, calls = _apply(poses, selected, config, params, 600, seed=2)
    assert calls == 5

    def agreement(x: dict, y: dict) -> float:
        return float((x["syllable"] == y["syllable"]).mean())

    def latent_correlation(x: dict, y: dict) -> float:
        return float(np.corrcoef(x["latent_state"].ravel(), y["latent_state"].ravel())[0, 1])

    seeds = agreement(unsplit_a, unsplit_b)
    tolerance = 2 * np.sqrt(seeds * (1 - seeds) / N_FRAMES)  # 2 standard errors of a fraction
    print(
        f"syllable agreement: split vs unsplit {agreement(split, unsplit_a):.3f}, "
        f"seed vs seed {seeds:.3f} (tolerance {tolerance:.3f}); latent correlation: split "
        f"{latent_correlation(split, unsplit_a):.4f}, seeds {latent_correlation(unsplit_a, unsplit_b):.4f}"
    )
    assert 1 / 8 < seeds < 1  # the model is better than chance and the sampler is random
    assert agreement(split, unsplit_a) >= seeds - tolerance
    assert agreement(split, unsplit_b) >= seeds - tolerance
    assert latent_correlation(split, unsplit_a) >= latent_correlation(unsplit_a, unsplit_b) - 0.01
