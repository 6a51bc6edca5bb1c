"""Planning, bad inputs and index.csv of kpms_inference (no apply_model call)."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest

from unsupervised_aging.datasets.kpms_results import ResultsDict
from unsupervised_aging.kpms.private_api import segment_overlap
from unsupervised_aging.pipelines.kpms_inference.fixed_shape import Piece, format_call
from unsupervised_aging.pipelines.kpms_inference.nodes import make_index, plan_inference

from .conftest import N_FRAMES, loaders, video_table


def _recording() -> dict[str, np.ndarray]:
    return {"syllable": np.zeros(200, int), "latent_state": np.zeros((200, 2))}


def test_plan_reuses_only_results_of_the_same_model(cohort, tiny_model, params, caplog):
    poses, _ = cohort
    selected, config = tiny_model
    names = sorted(poses)
    done = ResultsDict({n: _recording() for n in names[:2]}, attrs={"model_name": "tiny"})

    plan = plan_inference(video_table(names), loaders(poses), done, selected, config, params, n_slots=2)
    assert plan.set_index("name").loc[names[:2], "action"].eq("reuse").all()
    assert plan.set_index("name").loc[names[2:], "action"].eq("apply").all()
    applied = plan[plan["action"] == "apply"]
    assert (applied["slot"] == applied["call"] % 2).all()
    assert (plan.loc[plan["action"] == "reuse", ["call", "slot"]] == -1).all(axis=None)
    assert sorted(plan["name"]) == names

    other = ResultsDict(done, attrs={"model_name": "older_model"})
    with caplog.at_level(logging.WARNING):
        plan = plan_inference(video_table(names), loaders(poses), other, selected, config, params, n_slots=2)
    assert plan["action"].eq("apply").all()
    assert "older_model" in caplog.text

    off = {**params, "incremental": False}
    plan = plan_inference(video_table(names), loaders(poses), done, selected, config, off, n_slots=2)
    assert plan["action"].eq("apply").all()


def test_plan_rejects_a_video_table_naming_unknown_videos(cohort, tiny_model, params):
    poses, _ = cohort
    selected, config = tiny_model
    table = video_table([*sorted(poses), "ghost_video"])
    with pytest.raises(ValueError, match="ghost_video"):
        plan_inference(table, loaders(poses), ResultsDict(), selected, config, params, n_slots=2)


def test_plan_rejects_model_of_other_keypoints(cohort, tiny_model, params):
    poses, _ = cohort
    selected, config = tiny_model
    table = video_table(sorted(poses))
    wider = {**config, "use_bodyparts": [*config["use_bodyparts"], "MID_TAIL"]}
    with pytest.raises(ValueError, match="fit on 6 keypoints but kpms_config uses 7"):
        plan_inference(table, loaders(poses), ResultsDict(), selected, wider, params, n_slots=2)

    renamed = {
        n: replace(p, bodyparts=["SNOUT" if b == "NOSE" else b for b in p.bodyparts])
        for n, p in poses.items()
    }
    with pytest.raises(ValueError, match=r"uses keypoints \['NOSE'\] that this video lacks"):
        plan_inference(table, loaders(renamed), ResultsDict(), selected, config, params, n_slots=2)


def test_index_groups_videos_by_metadata_column(cohort, params):
    poses, metadata = cohort
    plan = video_table(sorted(poses))
    index = make_index(plan, metadata, params)
    assert list(index.columns[:2]) == ["name", "group"]
    assert index.set_index("name")["group"].to_dict() == metadata.set_index("name")["sex"].to_dict()
    assert {"mouse_id", "age"} <= set(index.columns)

    with pytest.raises(ValueError, match="metadata has no row"):
        make_index(plan, metadata.iloc[1:], params)


def test_a_long_video_is_cut_at_segment_boundaries_into_calls_within_the_budget(cohort, tiny_model, params):
    poses, _ = cohort
    selected, config = tiny_model
    names = sorted(poses)
    table = video_table(names).assign(n_frames=[1_000, *[N_FRAMES] * (len(names) - 1)])
    budget = {**params, "frames_per_call": 300, "max_seg_length": 100}
    plan = plan_inference(table, loaders(poses), ResultsDict(), selected, config, budget, n_slots=2)
    frames = plan["stop"] - plan["start"]
    assert plan.groupby("call").apply(lambda c: (c["stop"] - c["start"]).sum()).max() <= 300
    long = plan[plan["name"] == names[0]].sort_values("start")
    assert long[["start", "stop"]].to_numpy().tolist() == [[0, 300], [300, 600], [600, 900], [900, 1000]]
    assert (long["start"] % 100 == 0).all()  # segment length 100: cut where keypoint-moseq cuts
    assert long["tail"].tolist() == [segment_overlap()] * 3 + [0]  # context for all but the last piece
    assert (plan.loc[plan["name"] != names[0], "tail"] == 0).all()
    assert long["call"].nunique() == 4
    assert frames.groupby(plan["name"]).sum().to_dict() == table.set_index("name")["n_frames"].to_dict()


def test_missing_or_unknown_parameters_fail_loudly(cohort, tiny_model, params):
    poses, _ = cohort
    selected, config = tiny_model
    table = video_table(sorted(poses))
    incomplete = {k: v for k, v in params.items() if k != "stall_timeout_s"}
    with pytest.raises(ValueError, match=r"kpms_inference: missing key\(s\) \['stall_timeout_s'\]"):
        plan_inference(table, loaders(poses), ResultsDict(), selected, config, incomplete, n_slots=2)
    with pytest.raises(ValueError, match="frames_per_call=0 must be a positive integer"):
        plan_inference(
            table,
            loaders(poses),
            ResultsDict(),
            selected,
            config,
            {**params, "frames_per_call": 0},
            n_slots=2,
        )


def test_a_split_video_is_formatted_into_exactly_the_rows_and_noise_of_an_unsplit_call(tiny_model):
    _, config = tiny_model
    rng = np.random.default_rng(3)
    n_frames, seg, overlap, seed = 1_000, 100, segment_overlap(), [0, 7]
    coordinates = rng.normal(size=(n_frames, len(config["use_bodyparts"]), 2))
    confidences = rng.uniform(0.5, 1, size=coordinates.shape[:2])
    unsplit = [Piece("v", 0, coordinates, confidences, 0)]
    whole, (_, whole_bounds) = format_call(unsplit, config, seg, 10, seed)
    pieces = []
    for start, stop in [(0, 300), (300, 600), (600, 1_000)]:
        tail = min(overlap, n_frames - stop)
        span = slice(start, stop + tail)
        pieces.append(Piece("v", start, coordinates[span], confidences[span], tail))
    other = Piece("w", 0, coordinates[:250], confidences[:250], 0)  # a video sharing the call
    split, (keys, bounds) = format_call([other, *pieces], config, seg, 13, seed)

    assert config["added_noise_level"] > 0
    rows = keys != "w@frame0"
    assert rows.sum() == 10  # the tails add no row
    offsets = np.array([int(key.split("@frame")[1]) for key in keys[rows]])
    np.testing.assert_array_equal(bounds[rows] + offsets[:, None], whole_bounds)
    for key in ("Y", "conf", "mask"):
        np.testing.assert_array_equal(split[key][rows], whole[key])
    reseeded, _ = format_call(unsplit, config, seg, 10, [1, 7])
    assert not np.array_equal(reseeded["Y"], whole["Y"])  # another seed, another jitter
