"""Bad input gives one clear error naming what to fix (no keypoint-moseq fits here)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from unsupervised_aging.pipelines.kpms_training.nodes import build_kpms_config, compare_models, fit_pca
from unsupervised_aging.pipelines.kpms_training.pipeline import model_seeds
from unsupervised_aging.pose import Pose


def test_empty_seed_list_is_refused():
    with pytest.raises(ValueError, match="seeds is empty"):
        model_seeds({"kpms_training": {"seeds": []}})
    with pytest.raises(ValueError, match="seeds is empty"):
        compare_models()


def test_seeds_from_parameters_and_missing_seeds_fail_loudly():
    assert model_seeds({"kpms_training": {"seeds": [7, 3, 5]}}) == [7, 3, 5]
    with pytest.raises(ValueError, match="seeds is missing"):
        model_seeds({"kpms_training": {"num_states": 20}})
    with pytest.raises(ValueError, match="duplicates"):
        model_seeds({"kpms_training": {"seeds": [1, 1]}})


def test_bodyparts_not_in_data(poses, metadata, training_set, params):
    with pytest.raises(ValueError, match=r"use_bodyparts names \['SNOUT'\]"):
        build_kpms_config(poses, metadata, training_set, {**params, "use_bodyparts": ["SNOUT", "NOSE"]})
    with pytest.raises(ValueError, match="anterior_bodyparts"):
        build_kpms_config(poses, metadata, training_set, {**params, "anterior_bodyparts": ["TIP_TAIL"]})
    with pytest.raises(ValueError, match="expects"):
        build_kpms_config(poses, metadata, training_set, {**params, "bodyparts": ["A", "B"]})


def test_training_video_without_pose(poses, metadata, training_set, params):
    bad = training_set.assign(name=["missing video", *training_set["name"][1:]])
    with pytest.raises(ValueError, match="missing video"):
        build_kpms_config(poses, metadata, bad, params)


def test_config_takes_parameters_and_fps(poses, metadata, training_set, params):
    config = build_kpms_config(poses, metadata.assign(fps=25.0), training_set, params)
    assert config["use_bodyparts"] == params["use_bodyparts"]
    assert config["bodyparts"][-1] == "TIP_TAIL"
    assert config["fps"] == 25.0
    assert config["trans_hypparams"]["num_states"] == params["num_states"]


def test_all_nan_training_set(poses, metadata, training_set, params):
    def nan_pose(load):
        pose = load()
        return Pose(np.full_like(pose.coordinates, np.nan), pose.confidences * 0, pose.bodyparts, pose.fps)

    all_nan = {name: (lambda load=load: nan_pose(load)) for name, load in poses.items()}
    config = build_kpms_config(poses, metadata, training_set, params)
    with pytest.raises(ValueError, match="only NaN"):
        fit_pca(all_nan, training_set, config, params)


def test_too_few_frames_for_latent_dim(poses, metadata, training_set, params):
    config = build_kpms_config(poses, metadata, training_set, params)
    short = {name: (lambda load=load: _first_frames(load(), 40)) for name, load in poses.items()}
    with pytest.raises(ValueError, match="too few to fit"):
        fit_pca(short, training_set, config, params)
    with pytest.raises(ValueError, match="latent_dim=50"):
        fit_pca(poses, training_set, config, {**params, "latent_dim": 50})


def _first_frames(pose: Pose, n: int) -> Pose:
    return Pose(pose.coordinates[:n], pose.confidences[:n], pose.bodyparts, pose.fps)


def test_training_uses_first_frames_and_skips_all_nan_videos(poses, training_set, caplog):
    from unsupervised_aging.pipelines.kpms_training.kpms_data import load_training_poses

    names = list(training_set["name"])
    first = poses[names[0]]()
    loaders = {
        **poses,
        names[0]: lambda: Pose(first.coordinates * np.nan, first.confidences, first.bodyparts, 30.0),
    }
    with caplog.at_level(logging.WARNING, logger="unsupervised_aging"):  # importing kpms sets root to ERROR
        coordinates, confidences = load_training_poses(
            loaders, names, first.bodyparts, first.bodyparts[:10], 120
        )
    assert sorted(coordinates) == sorted(names[1:])
    assert names[0] in caplog.text
    assert all(c.shape == (120, 12, 2) for c in coordinates.values())
    assert all(c.shape == (120, 12) for c in confidences.values())
