"""Every supported format, written by its own tool, reads into the same canonical pose."""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
import sleap_io as sio

from tests.pose_io.factories import JABS_NAMES, dlc_frame, sleap_labels, track_array, write_dlc
from unsupervised_aging.pose import Pose
from unsupervised_aging.pose_io import PoseFileError, detect_format, read_pose_file, write_jabs


def assert_pose_matches(pose: Pose, arr: np.ndarray) -> None:
    """``pose`` holds the (x, y) and confidence of one animal's ``(T, K, 3)`` array, NaN where missing."""
    np.testing.assert_array_equal(pose.coordinates, arr[..., :2].astype(np.float32))
    expected_conf = np.where(np.isnan(arr[..., 0]), 0.0, arr[..., 2])
    np.testing.assert_allclose(pose.confidences, expected_conf, rtol=1e-6)


# --- JABS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [2, 3, 4, 5])
def test_jabs_single_animal_written_by_sleap_io_reads_as_x_y(tmp_path: Path, version: int) -> None:
    arr = track_array(12, 1, 12)
    sio.save_jabs(sleap_labels(arr, tmp_path / "cage 1 é.avi"), version)
    poses = read_pose_file(tmp_path / f"cage 1 é_pose_est_v{version}.h5")
    assert list(poses) == ["cage 1 é"]
    assert_pose_matches(poses["cage 1 é"], arr[:, 0])
    assert poses["cage 1 é"].bodyparts == JABS_NAMES


@pytest.mark.parametrize(("version", "names"), [(3, ["v_track0", "v_track1"]), (5, ["v_mouse1", "v_mouse2"])])
def test_jabs_multi_animal_gives_one_pose_per_animal(tmp_path: Path, version: int, names: list[str]) -> None:
    arr = track_array(10, 2, 12)
    sio.save_jabs(sleap_labels(arr, tmp_path / "v.avi"), version)
    poses = read_pose_file(tmp_path / f"v_pose_est_v{version}.h5")
    assert sorted(poses) == names
    for i, name in enumerate(sorted(poses)):
        assert_pose_matches(poses[name], arr[:, i])


def test_jabs_follows_identities_over_tracklets_and_falls_back_to_tracklets(tmp_path: Path) -> None:
    arr = track_array(10, 2, 12)
    sio.save_jabs(sleap_labels(arr, tmp_path / "v.avi"), 5)
    path = tmp_path / "v_pose_est_v5.h5"
    with h5py.File(path, "r+") as f:  # break both animals into short tracklets, as real files have
        tracklets = f["poseest/instance_track_id"][()]
        tracklets[5:] += 10
        f["poseest/instance_track_id"][...] = tracklets
    assert sorted(read_pose_file(path)) == ["v_mouse1", "v_mouse2"]
    with h5py.File(path, "r+") as f:  # no identities assigned: tracklets are all there is
        f["poseest/instance_embed_id"][...] = 0
    poses = read_pose_file(path)
    assert len(poses) == 4 and all("_track" in name for name in poses)


def test_jabs_v6_with_segmentation_reads(tmp_path: Path) -> None:
    arr = track_array(8, 1, 12)
    sio.save_jabs(sleap_labels(arr, tmp_path / "v.avi"), 5)
    v6 = tmp_path / "v_pose_est_v6.h5"
    shutil.copy(tmp_path / "v_pose_est_v5.h5", v6)
    with h5py.File(v6, "r+") as f:
        f["poseest"].attrs["version"] = np.array([6, 0], dtype=np.uint16)
        f.create_dataset("poseest/seg_data", data=np.zeros((8, 1, 1, 4, 2), dtype=np.int32))
    assert_pose_matches(read_pose_file(v6)["v"], arr[:, 0])


def test_write_jabs_stores_y_x_and_sleap_io_reads_it_back(tmp_path: Path) -> None:
    arr = track_array(9, 1, 12)[:, 0]
    pose = Pose(arr[..., :2], np.nan_to_num(arr[..., 2]), JABS_NAMES, fps=30.0, cm_per_pixel=0.07)
    path = tmp_path / "mouse 'q'_pose_est_v5.h5"
    write_jabs(path, pose)
    with h5py.File(path, "r") as f:
        points, conf = f["poseest/points"][()], f["poseest/confidence"][()]
        assert points.dtype == np.uint16 and points.shape == (9, 1, 12, 2)
        np.testing.assert_array_equal(points[0, 0, :, 0], arr[0, :, 1])  # stored (y, x)
        assert conf[1, 0, 2] == 0 and points[1, 0, 2].tolist() == [0, 0]  # NaN → confidence 0, points 0
        assert f["poseest"].attrs["cm_per_pixel"] == pytest.approx(0.07)
        assert f["poseest/instance_embed_id"][0, 0] == 1 and f["poseest/instance_count"][0] == 1
    np.testing.assert_array_equal(sio.load_jabs(str(path)).numpy()[:, 0], pose.coordinates)
    assert read_pose_file(path)["mouse 'q'"].cm_per_pixel == pytest.approx(0.07)


def test_write_jabs_rejects_other_keypoints_and_leaves_no_file(tmp_path: Path) -> None:
    pose = Pose(np.zeros((3, 2, 2)), np.ones((3, 2)), ["a", "b"], fps=30.0)
    with pytest.raises(ValueError, match="12 keypoints"):
        write_jabs(tmp_path / "x_pose_est_v5.h5", pose)
    assert list(tmp_path.iterdir()) == []


# --- DeepLabCut ---------------------------------------------------------------------------------

SCORER = "DLC_resnet50_openfieldOct30shuffle1_100000"


@pytest.mark.parametrize("suffix", [".h5", ".csv"])
def test_deeplabcut_single_animal_strips_scorer(tmp_path: Path, suffix: str) -> None:
    arr = track_array(11, 1, 4)
    bodyparts = ["nose", "left ear", "tail_base", "spine"]
    path = write_dlc(tmp_path / f"mouse 7{SCORER}_filtered{suffix}", dlc_frame(arr, bodyparts, SCORER, None))
    poses = read_pose_file(path)
    assert list(poses) == ["mouse 7"]
    assert poses["mouse 7"].bodyparts == bodyparts
    assert_pose_matches(poses["mouse 7"], arr[:, 0])


@pytest.mark.parametrize("suffix", [".h5", ".csv"])
def test_deeplabcut_multi_animal_one_pose_per_individual_without_single(tmp_path: Path, suffix: str) -> None:
    arr = track_array(6, 3, 3)
    df = dlc_frame(arr, ["snout", "neck", "tail"], "DLC_dlcrnetms5_x", ["m1", "m2", "single"])
    poses = read_pose_file(write_dlc(tmp_path / f"arena2DLC_dlcrnetms5_x_el{suffix}", df))
    assert sorted(poses) == ["arena2_m1", "arena2_m2"]
    assert_pose_matches(poses["arena2_m2"], arr[:, 1])


# --- SLEAP --------------------------------------------------------------------------------------


def test_sleap_slp_multi_track(tmp_path: Path) -> None:
    arr = track_array(7, 2, 5)
    skeleton = sio.Skeleton(["head", "thorax", "abdomen", "wing l", "wing r"])
    path = tmp_path / "fly pair.predictions.slp"
    sio.save_slp(sleap_labels(arr, tmp_path / "fly pair.mp4", skeleton), str(path))
    poses = read_pose_file(path)
    assert sorted(poses) == ["fly pair_track0", "fly pair_track1"]
    assert poses["fly pair_track0"].bodyparts == skeleton.node_names
    assert_pose_matches(poses["fly pair_track1"], arr[:, 1])


@pytest.mark.parametrize("preset", ["matlab", "standard"])
def test_sleap_analysis_h5_any_axis_order(tmp_path: Path, preset: str) -> None:
    arr = track_array(7, 1, 5)
    skeleton = sio.Skeleton(["a", "b", "c", "d", "e"])
    path = tmp_path / "rat.analysis.h5"
    sio.save_analysis_h5(sleap_labels(arr, tmp_path / "rat.mp4", skeleton), str(path), preset=preset)
    assert detect_format(path) == "sleap_analysis"
    assert_pose_matches(read_pose_file(path)["rat"], arr[:, 0])


# --- NWB ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_animals", [1, 2])
def test_nwb_written_by_sleap_io(tmp_path: Path, n_animals: int) -> None:
    arr = track_array(6, n_animals, 12)  # a NaN keypoint makes sleap-io write sparse timestamps
    path = tmp_path / "session 3.nwb"
    sio.save_nwb(sleap_labels(arr, tmp_path / "session 3.mp4"), str(path), nwb_format="predictions")
    poses = read_pose_file(path)
    names = ["session 3"] if n_animals == 1 else ["session 3_track0", "session 3_track1"]
    assert sorted(poses) == names
    for i, name in enumerate(names):  # objects are named after sleap-io's tracks animal0, animal1
        assert poses[name].bodyparts == JABS_NAMES
        assert_pose_matches(poses[name], arr[:, i])


# --- bad input ----------------------------------------------------------------------------------


def _text(name: str, text: str):
    def make(folder: Path) -> Path:
        (folder / name).write_text(text)
        return folder / name

    return make


def _bytes(name: str, data: bytes):
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    return make


def _h5(name: str, with_dataset: bool):
    def make(folder: Path) -> Path:
        with h5py.File(folder / name, "w") as f:
            if with_dataset:
                f.create_dataset("x", data=[1])
        return folder / name

    return make


def _truncated(folder: Path) -> Path:
    sio.save_jabs(sleap_labels(track_array(30, 1, 12), folder / "cut.avi"), 5)
    real = folder / "cut_pose_est_v5.h5"
    real.write_bytes(real.read_bytes()[:1500])
    return real


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_text("a.txt", "x"), "unknown pose file format"),
        (_text("b.csv", "t,x,y\n0,1,2\n"), "CSV without DeepLabCut"),
        (_bytes("c.h5", b""), "empty file"),
        (_h5("d.h5", with_dataset=False), "holds no data"),
        (_bytes("e.h5", b"\x89HDF garbage" * 50), "not a readable HDF5"),
        (_truncated, "not a readable HDF5|cannot read"),
        (_h5("f.h5", with_dataset=True), "unknown HDF5 layout"),
    ],
)
def test_bad_files_give_one_line_naming_the_file(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path)
    with pytest.raises(PoseFileError, match=message) as info:
        read_pose_file(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_file_with_every_frame_missing_is_an_error(tmp_path: Path) -> None:
    arr = track_array(5, 1, 12)
    pose = Pose(arr[:, 0, :, :2], np.nan_to_num(arr[:, 0, :, 2]), JABS_NAMES, fps=30.0)
    path = tmp_path / "blank_pose_est_v5.h5"
    write_jabs(path, pose)
    with h5py.File(path, "r+") as f:
        f["poseest/confidence"][...] = 0
    with pytest.raises(PoseFileError, match="every frame is missing") as info:
        read_pose_file(path)
    assert str(path) in str(info.value)
