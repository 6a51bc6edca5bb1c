"""keypoint-moseq's private API that kpms/private_api.py uses: fails when an upgrade changes it."""

from __future__ import annotations

import inspect

from unsupervised_aging.kpms.private_api import (
    CHECKED_VERSION,
    find_optimal_segment_length,
    iteration_heartbeats,
    on_mixed_map_device,
    placed_initial_models,
    segment_overlap,
)


def test_keypoint_moseq_is_the_checked_release():
    import keypoint_moseq

    assert keypoint_moseq.__version__ == CHECKED_VERSION, (
        f"keypoint-moseq {keypoint_moseq.__version__}: re-check src/unsupervised_aging/kpms/private_api.py "
        f"(written for {CHECKED_VERSION}), then update CHECKED_VERSION"
    )


def test_segment_length_is_keypoint_moseqs_choice():
    from keypoint_moseq.util import _find_optimal_segment_length

    signature = inspect.signature(_find_optimal_segment_length)
    assert list(signature.parameters)[:4] == [
        "sequence_lengths",
        "max_seg_length",
        "max_percent_padding",
        "min_fragment_length",
    ]
    assert find_optimal_segment_length([108_000], 10_000, 4) == 10_000
    seg = find_optimal_segment_length([1_800, 2_000], 10_000, 4)
    assert seg <= 2_000


def test_segment_overlap_is_the_context_format_data_gives_every_segment():
    import keypoint_moseq as kpms
    import numpy as np

    coordinates = {"a": np.random.default_rng(0).normal(size=(100, 3, 2))}
    _, (_, bounds) = kpms.format_data(coordinates, seg_length=40, added_noise_level=0)
    overlap = segment_overlap()
    assert overlap > 0
    assert bounds.tolist() == [[0, 40 + overlap], [40, min(80 + overlap, 100)], [80, 100]]


def test_heartbeats_follow_every_iteration_of_the_fitting_loops():
    import keypoint_moseq.fitting as fitting
    import tqdm

    assert fitting.tqdm is tqdm
    for function in (fitting.apply_model, fitting.fit_model):
        assert "tqdm.trange(" in inspect.getsource(function), (
            f"{function.__name__} no longer loops over tqdm.trange"
        )

    beats = []
    with iteration_heartbeats(lambda: beats.append(1)):
        done = []
        for i in fitting.tqdm.trange(3, disable=True):
            assert len(beats) == i  # one beat per finished iteration
            done.append(i)
        assert len(beats) == 3
    assert done == [0, 1, 2]
    assert fitting.tqdm is tqdm


def test_placed_models_compile_once_with_the_outputs_of_jax_moseqs_steps():
    import jax
    import jax.numpy as jnp
    import keypoint_moseq  # noqa: F401  (64-bit mode, as in the workers)
    import numpy as np
    from jax_moseq.utils import mixed_map

    step_output = jax.jit(mixed_map(lambda a: a * 2.0))(jnp.ones((4, 3)))
    model = {"states": {"x": np.ones((4, 3)), "z": np.zeros(4, int)}, "params": {"pi": np.eye(3)}, "seed": 7}
    placed = on_mixed_map_device(model)
    assert placed["seed"] == 7 and placed["states"]["z"].dtype == model["states"]["z"].dtype
    assert placed["states"]["x"].sharding == step_output.sharding

    as_placed, unplaced = jax.jit(lambda a: a + 1.0), jax.jit(lambda a: a + 1.0)
    for array in (placed["states"]["x"], step_output):
        as_placed(array)
    for array in (jnp.ones((4, 3)), step_output):  # what keypoint-moseq's own first iteration does
        unplaced(array)
    assert as_placed._cache_size() == 1
    assert unplaced._cache_size() == 2, "JAX no longer recompiles for committed arrays: drop the placement"


def test_apply_models_initial_model_is_placed_inside_the_block():
    import keypoint_moseq.fitting as fitting

    original = fitting.init_model
    assert "init_model(" in inspect.getsource(fitting.apply_model)
    with placed_initial_models():
        assert fitting.init_model is not original
    assert fitting.init_model is original
