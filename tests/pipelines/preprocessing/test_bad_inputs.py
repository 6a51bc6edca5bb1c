"""Each kind of bad input a lab's messy data holds, as a real file: a clear answer, nothing half-written."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import h5py
import pytest
from kedro.io import DatasetError

from tests.pipelines.preprocessing.helpers import params, run, walking_pose, write_cohort, written_outputs
from unsupervised_aging.pose_io import write_jabs

META = "data/01_raw/metadata.csv"


def _write_text(root: Path, text: str, encoding: str = "utf-8") -> None:
    (root / META).write_bytes(text.encode(encoding))


def test_every_bad_metadata_cell_is_listed_at_once_with_its_line_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    write_cohort(tmp_path, ["a", "b", "c", "d", "e"])
    _write_text(
        tmp_path,
        "name,mouse_id,age,fps,frailty_index\n"
        "a,m1,-3,30,0.2\n"
        "b,m1,12,0,\n"
        "\n"  # a blank line: the next row is line 5 in a text editor
        "c,,20,30,frail\n"
        "d,m2,30,,n/a\n"
        'e,m3,40,30,"0,25"\n',
    )
    with pytest.raises(ValueError) as info:
        run(tmp_path)
    lines = str(info.value).splitlines()
    number = "write frailty_index as a number, or leave it empty if unknown"
    assert lines[0] == "metadata.csv (raw_metadata): 6 problems; fix them and rerun:"
    assert lines[1:] == [
        "  line 2, column 'age' = '-3': write age as a positive number of weeks",
        "  line 3, column 'fps' = '0': write fps as a positive number, or leave it empty",
        "  line 5, column 'mouse_id' = (empty): give every video the id of its mouse",
        f"  line 5, column 'frailty_index' = 'frail': {number}",
        f"  line 6, column 'frailty_index' = 'n/a': {number}",
        "  line 7, column 'frailty_index' = '0,25': use a decimal point, not a comma",
    ]
    assert written_outputs(tmp_path) == []


@pytest.mark.parametrize(
    ("content", "encoding", "message"),
    [
        (
            "name,mouse_id,age\nâge 1,m1,10\n",
            "latin-1",
            r"not UTF-8 text \(byte 0xe2 on line 2, 'â' in Latin-1",
        ),
        (
            "name;mouse_id;age\na;m1;12,5\n",
            "utf-8",
            r"separated by ';' and its numbers decimal commas \(12,5\)",
        ),
        ("name\tmouse_id\tage\na\tm1\t12\n", "utf-8", r"separated by tabs, not by ','"),
        ("name, mouse_id, age\na, m1, 12\n", "utf-8", r"spaces around column names \[' mouse_id', ' age'\]"),
        ("name,mouse_id,age\n", "utf-8", r"line 2: a header but no rows; add one row per video"),
        ("", "utf-8", r"empty file; write a header line"),
    ],
    ids=["latin-1", "semicolon-decimal-comma", "tabs", "spaces-after-commas", "header-only", "empty"],
)
def test_spreadsheet_exports_get_one_line_naming_the_file_and_the_fix(
    tmp_path: Path, content: str, encoding: str, message: str
) -> None:
    write_cohort(tmp_path, ["a"])
    _write_text(tmp_path, content, encoding)
    with pytest.raises((DatasetError, ValueError), match=message) as info:
        run(tmp_path)
    assert "metadata.csv" in str(info.value) and "\n" not in str(info.value)
    assert "Failed while loading" not in str(info.value)
    assert written_outputs(tmp_path) == []


def test_missing_metadata_and_broken_symlink_are_one_line_each(tmp_path: Path) -> None:
    write_cohort(tmp_path, ["a", "b"])
    (tmp_path / META).unlink()
    with pytest.raises(DatasetError, match=r"metadata.csv: no such file; write metadata.csv there") as info:
        run(tmp_path)
    assert "\n" not in str(info.value)
    write_cohort(tmp_path, ["a", "b"])
    link = tmp_path / "data/01_raw/poses/c_pose_est_v5.h5"
    os.symlink(tmp_path / "gone/c_pose_est_v5.h5", link)
    with pytest.raises(DatasetError, match=r"broken symbolic link\(s\) .*c_pose_est_v5.h5 -> .*gone") as info:
        run(tmp_path)
    assert "Errno" not in str(info.value)
    assert written_outputs(tmp_path) == []


def test_a_stray_text_file_is_skipped_with_a_warning(tmp_path: Path, caplog) -> None:
    """Not worth aborting a run for: it cannot be a pose file by its ending (README, notes)."""
    write_cohort(tmp_path, ["a", "b"])
    (tmp_path / "data/01_raw/poses/notes.txt").write_text("recorded on tuesday")
    with caplog.at_level(logging.WARNING):
        cat = run(tmp_path)
    assert "skipped 1 file(s) that are not pose files by their ending" in caplog.text
    assert "notes.txt" in caplog.text and "move them out" in caplog.text
    assert sorted(cat.load("metadata")["name"]) == ["a", "b"]


def test_dropped_videos_say_why_with_the_nearest_name(tmp_path: Path, caplog) -> None:
    meta = write_cohort(tmp_path, ["a", "b", "cage3_day1"])
    meta["name"] = ["a", "b ", "cage3"]  # a trailing space; the pose file carries a suffix
    meta.to_csv(tmp_path / META, index=False)
    with caplog.at_level(logging.WARNING):
        cat = run(tmp_path)
    assert (
        "line 3, column 'name' = 'b ': no pose video of that name (nearest 'b': differs by spaces"
        in caplog.text
    )
    nearest = "(nearest 'cage3_day1': differs by the suffix '_day1')"
    assert f"line 4, column 'name' = 'cage3': no pose video of that name {nearest}" in caplog.text
    assert "pose video 'b': no metadata row (nearest 'b ': differs by spaces" in caplog.text
    assert cat.load("metadata")["name"].tolist() == ["a"]


def test_lost_keypoint_and_short_video_are_flagged_and_short_ones_kept_out_of_training(
    tmp_path: Path, caplog
) -> None:
    write_cohort(tmp_path, ["a", "b", "c"], n_frames=40)
    with h5py.File(tmp_path / "data/01_raw/poses/b_pose_est_v5.h5", "r+") as f:
        f["poseest/confidence"][:, 0, 11] = 0  # TIP_TAIL never tracked
    write_jabs(tmp_path / "data/01_raw/poses/c_pose_est_v5.h5", walking_pose(10, seed=9))  # 10 frames
    with caplog.at_level(logging.WARNING):
        cat = run(tmp_path, params(**{"training_set.exclude_flagged": False}))
    qc = cat.load("qc_report").set_index("name")
    assert qc.loc["b", "flag_reason"] == "keypoint(s) ['TIP_TAIL'] missing in every frame"
    assert (
        qc.loc["c", "too_short"]
        and "10 frames < preprocessing.qc.min_frames 20" in qc.loc["c", "flag_reason"]
    )
    assert not qc.loc["a", "flagged"]
    assert "QC flags 2 of 3 video(s)" in caplog.text
    assert (
        "Training set leaves out 1 video(s): 'c' (10 frames < preprocessing.qc.min_frames 20)" in caplog.text
    )
    assert sorted(cat.load("training_set")["name"]) == ["a", "b"]  # exclude_flagged off: only c is out
    assert sorted(cat.load("inference_batches")["name"]) == ["a", "b", "c"]  # still labelled


def test_a_re_recording_in_a_second_subfolder_is_an_error_naming_both_files(tmp_path: Path) -> None:
    write_cohort(tmp_path, ["a", "b"])
    poses = tmp_path / "data/01_raw/poses"
    (poses / "2024").mkdir()
    os.replace(poses / "b_pose_est_v5.h5", poses / "2024/b_pose_est_v5.h5")
    write_jabs(poses / "2025/b_pose_est_v5.h5", walking_pose(40, seed=7))
    with pytest.raises(
        ValueError, match=r"'2025/b_pose_est_v5.h5' and '2024/b_pose_est_v5.h5' both hold video 'b'"
    ):
        run(tmp_path)
    assert written_outputs(tmp_path) == []
    cat = run(tmp_path, params(**{"ensemble.estimator_folders": ["2024", "2025"]}))  # declared trackers
    assert json.loads(cat.load("metadata").set_index("name").loc["b", "estimators"]) == ["2024", "2025"]


def test_every_video_flagged_fails_before_rewriting_anything(tmp_path: Path) -> None:
    write_cohort(tmp_path, ["a", "b", "c"])
    run(tmp_path)
    before = {p: (tmp_path / p).read_bytes() for p in written_outputs(tmp_path)}
    with pytest.raises(ValueError, match=r"every one of the 3 videos is left out of the training set"):
        run(tmp_path, params(**{"qc.min_frames": 1000}))
    assert {p: (tmp_path / p).read_bytes() for p in written_outputs(tmp_path)} == before
