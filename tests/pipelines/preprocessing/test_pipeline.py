"""The preprocessing pipeline end to end on tiny real files, through the project's catalog entries."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from kedro.io import DatasetError

from tests.pipelines.preprocessing.helpers import (
    params,
    run,
    walking_pose,
    write_cohort,
    write_metadata,
    written_outputs,
)
from tests.pose_io.factories import dlc_frame, write_dlc
from unsupervised_aging.pose_io import JABS_KEYPOINTS, write_jabs

NAMES = ["plain", "with space", 'quote\'s "x"', "âge 12 ü"]


def test_outputs_follow_the_data_contract(tmp_path: Path) -> None:
    meta = write_cohort(tmp_path, NAMES, n_frames=40)
    write_metadata(tmp_path, meta.assign(cm_per_pixel=[0.1, None, None, None]))  # metadata's scale wins
    (tmp_path / "data/01_raw/poses/.DS_Store").write_bytes(b"\0junk")  # hidden files are skipped
    cat = run(tmp_path, params(**{"training_set.n": 3}))

    metadata = cat.load("metadata")
    assert sorted(metadata["name"]) == sorted(NAMES)
    assert {"n_frames", "fps", "source_files", "mouse_id", "age", "sex", "strain"} <= set(metadata.columns)
    assert (metadata["n_frames"] == 40).all() and (metadata["fps"] == 30.0).all()
    scale = metadata.set_index("name")["cm_per_pixel"]
    assert scale["plain"] == 0.1 and (scale.drop("plain") == 0.06).all()  # else the JABS file's

    poses = cat.load("poses")
    assert sorted(poses) == sorted(NAMES)
    pose = poses["âge 12 ü"]()
    expected = walking_pose(40, seed=NAMES.index("âge 12 ü"))
    np.testing.assert_array_equal(pose.coordinates, expected.coordinates)  # whole pixels, (x, y)
    assert pose.bodyparts == JABS_KEYPOINTS and pose.cm_per_pixel == pytest.approx(0.06)

    table = cat.load("pose_csvs")["with space"]()
    assert len(table) == 40
    assert list(table.columns[:4]) == ["frame", "NOSE_x", "NOSE_y", "NOSE_likelihood"]
    np.testing.assert_allclose(table["TIP_TAIL_y"], poses["with space"]().coordinates[:, -1, 1])

    qc = cat.load("qc_report")
    assert sorted(qc["name"]) == sorted(NAMES) and not qc["flagged"].any()
    assert {"nan_share_NOSE", "low_conf_share_TIP_TAIL", "missing_share"} <= set(qc.columns)
    assert (tmp_path / "data/08_reporting/qc_report.png").stat().st_size > 0

    training = cat.load("training_set")
    assert len(training) == 3 and set(training["name"]) <= set(NAMES)
    assert list(training.columns) == ["name", "mouse_id", "age", "sex", "age_bin", "reason"]
    assert training["reason"].str.contains("stratum").all()

    batches = cat.load("inference_batches")
    assert sorted(batches["name"]) == sorted(NAMES)  # training videos too
    assert list(batches.columns) == ["name", "n_frames"]
    assert dict(zip(batches["name"], batches["n_frames"], strict=True)) == dict(
        zip(metadata["name"], metadata["n_frames"], strict=True)
    )
    assert meta.shape[0] == len(batches)


def test_runs_on_the_project_raw_catalog_entries(tmp_path: Path) -> None:
    """The demo cohort's layout: conf/base/catalog_raw.yml as it is, rooted in a temporary folder."""
    write_cohort(tmp_path, ["0012", "NA", "b 'c'"])
    cat = run(tmp_path)
    assert sorted(cat.load("metadata")["name"]) == ["0012", "NA", "b 'c'"]  # names stay text
    assert sorted(cat.load("poses")) == ["0012", "NA", "b 'c'"]


def test_ensemble_consensus_with_disagreement(tmp_path: Path) -> None:
    """The same video tracked by three estimators (JABS, JABS, DeepLabCut csv) becomes one consensus pose."""
    base = walking_pose(30, seed=1, missing=0.0)
    poses_dir = tmp_path / "data/01_raw/poses"
    for estimator, shift in (("est_a", 0.0), ("est_b", 2.0)):
        shifted = type(base)(base.coordinates + shift, base.confidences, JABS_KEYPOINTS, fps=30.0)
        write_jabs(poses_dir / estimator / "vid 1_pose_est_v5.h5", shifted)
    far = np.concatenate([base.coordinates + 40.0, base.confidences[..., None]], axis=-1)[:, None]
    write_dlc(
        poses_dir / "est_c" / "vid 1DLC_resnet50_x.csv",
        dlc_frame(far, JABS_KEYPOINTS, "DLC_resnet50_x", None),
    )
    write_jabs(poses_dir / "est_a" / "solo_pose_est_v5.h5", walking_pose(30, seed=2))
    write_metadata(
        tmp_path, pd.DataFrame({"name": ["vid 1", "solo"], "mouse_id": ["a", "b"], "age": [10, 50]})
    )

    cat = run(tmp_path, params(**{"ensemble.estimator_folders": ["est_a", "est_b", "est_c"]}))
    meta = cat.load("metadata").set_index("name")
    assert json.loads(meta.loc["vid 1", "estimators"]) == ["est_a", "est_b", "est_c"]
    pose = cat.load("poses")["vid 1"]()
    # the median of (0, +2, +40) shifts with equal-ish weights is the +2 estimator, not the outlier
    assert np.nanmedian(np.abs(pose.coordinates - (base.coordinates + 2.0))) < 1.0
    assert pose.extra["disagreement"].shape == (30, 12)
    qc = cat.load("qc_report").set_index("name")
    assert qc.loc["vid 1", "disagreement_px"] > 10 and np.isnan(qc.loc["solo", "disagreement_px"])
    assert pose.confidences.max() < 0.8  # the outlier estimator lowers the consensus confidence


def test_unmatched_names_are_listed_and_skipped_or_an_error_in_strict_mode(tmp_path: Path, caplog) -> None:
    meta = write_cohort(tmp_path, ["a", "b", "c"])
    write_metadata(tmp_path, pd.concat([meta.iloc[:2], meta.iloc[:1].assign(name="ghost")]))
    with caplog.at_level(logging.WARNING):
        cat = run(tmp_path)
    assert "pose video 'c': no metadata row" in caplog.text
    assert "line 4, column 'name' = 'ghost': no pose video of that name" in caplog.text
    assert sorted(cat.load("inference_batches")["name"]) == ["a", "b"]
    assert sorted(cat.load("qc_report")["name"]) == ["a", "b", "c"]  # QC still shows every file

    for path in written_outputs(tmp_path):
        (tmp_path / path).unlink()
    with pytest.raises(ValueError, match="strict: false") as info:
        run(tmp_path, params(strict=True))
    assert "metadata.csv" in str(info.value) and "'ghost'" in str(info.value)
    assert written_outputs(tmp_path) == []


# --- bad input: one line naming the file and the fix, nothing written ---------------------------


def _corrupt(root: Path) -> str:
    path = root / "data/01_raw/poses/a_pose_est_v5.h5"
    path.write_bytes(path.read_bytes()[:2000])
    return str(path)


def _empty_h5(root: Path) -> str:
    path = root / "data/01_raw/poses/b_pose_est_v5.h5"
    path.write_bytes(b"")
    return str(path)


def _other_keypoints(root: Path) -> str:
    arr = np.random.default_rng(0).uniform(0, 100, (40, 1, 3, 3))
    return str(
        write_dlc(
            root / "data/01_raw/poses/zDLC_x.h5", dlc_frame(arr, ["nose", "tail", "ear"], "DLC_x", None)
        )
    )


def _all_missing(root: Path) -> str:
    path = root / "data/01_raw/poses/b_pose_est_v5.h5"
    with h5py.File(path, "r+") as f:
        f["poseest/confidence"][...] = 0
    return str(path)


def _metadata_without_name(root: Path) -> str:
    pd.read_csv(root / "data/01_raw/metadata.csv").rename(columns={"name": "video"}).to_csv(
        root / "data/01_raw/metadata.csv", index=False
    )
    return "metadata.csv"


def _duplicate_names(root: Path) -> str:
    meta = pd.read_csv(root / "data/01_raw/metadata.csv")
    write_metadata(root, meta.assign(name=["a", "b", "a"]))
    return "metadata.csv"


def _non_numeric_age(root: Path) -> str:
    meta = pd.read_csv(root / "data/01_raw/metadata.csv")
    write_metadata(root, meta.assign(age=["10", "twelve weeks", "30"]))
    return "metadata.csv"


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_corrupt, "not a readable HDF5|cannot read"),
        (_empty_h5, "empty file"),
        (_other_keypoints, "keypoints differ"),
        (_all_missing, "every frame is missing"),
        (_metadata_without_name, "no 'name' column"),
        (_duplicate_names, r"line 4, column 'name' = 'a': repeats line 2; keep one row per video"),
        (_non_numeric_age, r"line 3, column 'age' = 'twelve weeks': write age as a positive number"),
    ],
)
def test_bad_input_fails_with_one_line_and_writes_nothing(tmp_path: Path, spoil, message: str) -> None:
    write_cohort(tmp_path, ["a", "b", "c"])
    culprit = spoil(tmp_path)
    with pytest.raises(ValueError, match=message) as info:
        run(tmp_path)
    assert culprit in str(info.value) and "\n" not in str(info.value)
    assert written_outputs(tmp_path) == []


def test_missing_and_empty_pose_folders_get_different_messages(tmp_path: Path) -> None:
    write_metadata(tmp_path, pd.DataFrame({"name": ["a"], "mouse_id": ["m"], "age": [3]}))
    with pytest.raises(DatasetError, match=r"data/01_raw/poses: folder does not exist; put the pose files"):
        run(tmp_path)
    (tmp_path / "data/01_raw/poses").mkdir(parents=True)
    with pytest.raises(DatasetError, match=r"data/01_raw/poses: empty folder; put the pose files"):
        run(tmp_path)
    assert written_outputs(tmp_path) == []
