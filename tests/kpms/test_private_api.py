"""keypoint-moseq's private API that kpms/private_api.py uses: fails when an upgrade changes it."""

from __future__ import annotations

import inspect

from unsupervised_aging.kpms.private_api import (
    CHECKED_VERSION,
    find_optimal_segment_length,
    iteration_heartbeats,
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
