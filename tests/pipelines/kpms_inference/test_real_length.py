"""A one-hour recording (108,000 frames) through kpms_inference on the CPU, guarded against stalls.

This is the test that would have caught issue #11's hang: jaxlib 0.10's XLA deadlock stopped
``apply_model`` at 0 % CPU on one-hour recordings. The watchdog (``stall_timeout_s``) turns a
stall into a one-line failure within minutes; ``faulthandler`` bounds the whole test in case
anything else blocks.
"""

from __future__ import annotations

import faulthandler
from pathlib import Path

import h5py
import pandas as pd
import pytest
import yaml
from kedro.runner import SequentialRunner

from unsupervised_aging.datasets import PoseDataset
from unsupervised_aging.pipelines.kpms_inference import create_pipeline
from unsupervised_aging.synthetic import simulate_cohort

from .test_pipeline import PROJECT_ROOT, _catalog

ONE_HOUR = 108_000  # frames at 30 fps
TEST_BOUND_S = 20 * 60


@pytest.fixture
def bounded():
    """Abort the test process with every thread's traceback if this test runs past TEST_BOUND_S."""
    faulthandler.dump_traceback_later(TEST_BOUND_S, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.mark.slow
def test_one_hour_recording_is_applied_whole_in_one_call_without_a_stall(tmp_path: Path, tiny_model, bounded):
    import keypoint_moseq as kpms

    selected, config = tiny_model
    poses, metadata = simulate_cohort(n_mice=1, videos_per_mouse=1, n_frames=ONE_HOUR, seed=3)
    (name,) = poses
    PoseDataset(str(tmp_path / "data/03_primary/poses" / f"{name}.h5")).save(poses[name])
    base = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_kpms_inference.yml").read_text())
    params = {**base["kpms_inference"], "num_iters": 2}  # the shipped budget and stall timeout
    catalog = _catalog(
        tmp_path,
        {
            "inference_batches": pd.DataFrame({"name": [name], "n_frames": [ONE_HOUR]}),
            "metadata": metadata,
            "kpms_selected_model": selected,
            "kpms_config": config,
            "syllable_mapping": pd.DataFrame({"syllable": range(8), "metasyllable": range(8)}),
            "params:kpms_inference": params,
        },
    )
    SequentialRunner().run(create_pipeline(n_slots=1), catalog)

    plan = catalog.load("kpms_inference_plan")
    budget = params["frames_per_call"]
    # The shipped budget applies a one-hour video whole: one call of >= 108,000 frames, the size at
    # which jaxlib 0.10.x deadlocked (issue 11).
    assert plan["call"].nunique() == len(plan) == 1 and budget >= ONE_HOUR
    assert (plan["stop"] - plan["start"]).max() <= budget
    results = kpms.load_results(path=str(tmp_path / "data/07_model_output/kpms/results.h5"))
    recording = results[name]
    assert recording["syllable"].shape == (ONE_HOUR,)
    assert recording["latent_state"].shape == (ONE_HOUR, 2)
    assert recording["centroid"].shape == (ONE_HOUR, 2)
    assert set(recording["syllable"].tolist()) <= set(range(8))
    # Every piece was modelled (a piece of zeros or a repeated piece would be a stitching bug).
    for start in plan["start"]:
        piece = recording["centroid"][start : start + 1000]
        assert piece.std(axis=0).min() > 0
    with h5py.File(tmp_path / "data/07_model_output/kpms/results.h5", "r") as f:
        assert f.attrs["model_name"] == "tiny"
