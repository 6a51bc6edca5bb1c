"""Consensus, training-set sampling and batching, on small tables whose answers can be reasoned out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.pipelines.preprocessing.helpers import params, walking_pose
from unsupervised_aging.pipelines.preprocessing.consensus import consensus_pose, weighted_median
from unsupervised_aging.pipelines.preprocessing.nodes import build_poses, scan_pose_files, validate_metadata
from unsupervised_aging.pipelines.preprocessing.sampling import sample_training_videos
from unsupervised_aging.pipelines.preprocessing.validation import check_metadata, match_names
from unsupervised_aging.pose import Pose


@pytest.mark.parametrize(
    ("values", "weights", "expected"),
    [
        ([1.0, 2.0, 10.0], [1, 1, 1], 2.0),
        ([1.0, 2.0, 10.0], [1, 1, 5], 10.0),
        ([1.0, 3.0], [1, 1], 2.0),
        ([np.nan, 4.0, 8.0], [0, 1, 3], 8.0),
        ([np.nan, np.nan], [0, 0], np.nan),
    ],
)
def test_weighted_median(values: list[float], weights: list[float], expected: float) -> None:
    result = weighted_median(np.array(values)[:, None], np.array(weights, dtype=float)[:, None])[0]
    np.testing.assert_equal(result, expected)


def test_consensus_agrees_perfectly_when_estimators_agree() -> None:
    pose = walking_pose(20, seed=3, missing=0.0)
    consensus = consensus_pose([pose, pose, pose], scale_px=10.0)
    np.testing.assert_array_equal(consensus.coordinates, pose.coordinates)
    np.testing.assert_allclose(consensus.extra["disagreement"], 0.0)
    np.testing.assert_allclose(consensus.confidences, pose.confidences, rtol=1e-6)


def test_consensus_point_seen_by_one_estimator_keeps_it_with_lower_confidence() -> None:
    a = walking_pose(5, seed=4, missing=0.0)
    coords = a.coordinates.copy()
    coords[0, 0] = np.nan
    b = Pose(coords, np.where(np.isnan(coords[..., 0]), 0, a.confidences), a.bodyparts, fps=30.0)
    consensus = consensus_pose([a, b], scale_px=10.0)
    np.testing.assert_array_equal(consensus.coordinates[0, 0], a.coordinates[0, 0])
    assert np.isnan(consensus.extra["disagreement"][0, 0])
    assert consensus.confidences[0, 0] == pytest.approx(a.confidences[0, 0] / 2)


def _metadata(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [f"v{i:03d}" for i in range(n)],
            "mouse_id": [f"m{i // 2}" for i in range(n)],
            "age": np.linspace(8, 160, n),
            "sex": ["M", "F"] * (n // 2),
        }
    )


def test_training_set_is_stratified_seeded_and_capped() -> None:
    meta = _metadata(80)
    first = sample_training_videos(meta, {}, n=20, n_bins=4, edges=None, seed=1)
    assert len(first) == 20
    counts = first.groupby(["age_bin", "sex"]).size()
    assert len(counts) == 8 and counts.min() >= 2 and counts.max() <= 3  # 8 strata of 10 → 2–3 each
    again = sample_training_videos(meta, {}, n=20, n_bins=4, edges=None, seed=1)
    pd.testing.assert_frame_equal(first, again)
    other = sample_training_videos(meta, {}, n=20, n_bins=4, edges=None, seed=2)
    assert set(other["name"]) != set(first["name"])
    everything = sample_training_videos(meta, {"v000": "too short"}, n=250, n_bins=4, edges=None, seed=1)
    assert len(everything) == 79 and "v000" not in set(everything["name"])
    assert everything["reason"].str.startswith("all 79 eligible").all()


def test_training_set_with_explicit_age_edges_and_no_sex_column() -> None:
    meta = _metadata(12).drop(columns="sex")
    table = sample_training_videos(meta, {}, n=6, n_bins=4, edges=[0, 52, 200], seed=0)
    assert set(table["sex"]) == {"unknown"} and set(table["age_bin"]) == {"0-52 wk", "52-200 wk"}
    with pytest.raises(ValueError, match="age_bin_edges"):
        sample_training_videos(meta, {}, n=6, n_bins=4, edges=[0, 52], seed=0)


def test_metadata_checks_name_types_and_missing_rows() -> None:
    meta = check_metadata(
        pd.DataFrame({"name": ["a", "b"], "mouse_id": [1, 2], "age": ["3", "4.5"], "fps": [30, None]}), []
    )
    assert meta["age"].tolist() == [3.0, 4.5] and meta["mouse_id"].tolist() == ["1", "2"]
    with pytest.raises(ValueError, match=r"line 3, column 'age' = \(empty\): write age as a positive"):
        check_metadata(pd.DataFrame({"name": ["a", "b"], "mouse_id": [1, 2], "age": [3, None]}), [])
    with pytest.raises(ValueError, match="no 'mouse_id' column"):
        check_metadata(pd.DataFrame({"name": ["a"], "age": [3]}), [])
    with pytest.raises(ValueError, match="no row names a pose video"):
        match_names(pd.Series(["x"]), ["y"], strict=False)
    # NFC and NFD spellings of the same non-ASCII name match
    nfd = check_metadata(pd.DataFrame({"name": ["a\u0301ge"], "mouse_id": [1], "age": [3]}), [])["name"]
    assert match_names(nfd, ["\u00e1ge"], strict=True) == ["\u00e1ge"]


def test_keypoints_in_another_order_are_put_in_the_first_file_order() -> None:
    first = walking_pose(10, seed=5)
    flipped = Pose(first.coordinates[:, ::-1], first.confidences[:, ::-1], first.bodyparts[::-1], fps=25.0)
    raw = {"a.h5": lambda: {"a": first}, "b.csv": lambda: {"b": flipped}}
    index, _ = scan_pose_files(raw, params(**{"ensemble.estimator_folders": []}))
    meta = validate_metadata(
        pd.DataFrame({"name": ["a", "b"], "mouse_id": [1, 2], "age": [5, 9]}), index, params()
    )
    assert meta.set_index("name")["fps"].to_dict() == {"a": 30.0, "b": 25.0}
    b = build_poses(raw, meta, params())["b"]()
    assert b.bodyparts == first.bodyparts
    np.testing.assert_array_equal(b.coordinates, first.coordinates)
