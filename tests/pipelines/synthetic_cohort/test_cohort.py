"""The simulated cohort: shapes, determinism, dropouts, plausible bodies, and age that shapes behaviour."""

import numpy as np
import pytest
from sklearn.linear_model import RidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import GroupKFold, cross_val_predict

from unsupervised_aging.synthetic import JABS_BODYPARTS, MOTIFS, simulate_cohort


@pytest.fixture(scope="module")
def cohort():
    return simulate_cohort(seed=3)


def _cross(a, b):
    """z of the 2-D cross product, row by row."""
    return a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]


def _keypoint(pose, name):
    return pose.coordinates[:, JABS_BODYPARTS.index(name)].astype(float)


def test_shapes_names_and_metadata():
    poses, meta = simulate_cohort(n_mice=3, videos_per_mouse=2, n_frames=120, fps=25.0, seed=1)
    assert list(meta.columns) == ["name", "mouse_id", "age", "sex", "strain", "frailty_index", "fps"]
    assert list(meta["name"]) == list(poses) and meta["name"].is_unique
    assert meta.groupby("mouse_id")["age"].nunique().eq(2).all()  # same mouse, different ages
    assert meta["age"].between(8, 160).all() and set(meta["sex"]) <= {"F", "M"}
    assert (meta["fps"] == 25.0).all()
    for pose in poses.values():
        assert pose.coordinates.shape == (120, 12, 2) and pose.coordinates.dtype == np.float32
        assert pose.confidences.shape == (120, 12)
        assert pose.bodyparts == list(JABS_BODYPARTS) and pose.bodyparts[0] == "NOSE"
        assert pose.fps == 25.0 and 0.05 < pose.cm_per_pixel < 0.1
        assert pose.extra["motif"].shape == (120,) and pose.extra["motif"].max() < len(MOTIFS)
        assert np.nanmin(pose.coordinates) >= 0 and np.nanmax(pose.coordinates) < 500


def test_same_seed_same_cohort_other_seed_other_cohort():
    a_poses, a_meta = simulate_cohort(n_mice=2, n_frames=200, seed=7)
    b_poses, b_meta = simulate_cohort(n_mice=2, n_frames=200, seed=7)
    c_poses, c_meta = simulate_cohort(n_mice=2, n_frames=200, seed=8)
    assert a_meta.equals(b_meta) and not a_meta.equals(c_meta)
    for name in a_poses:
        np.testing.assert_array_equal(a_poses[name].coordinates, b_poses[name].coordinates)
        np.testing.assert_array_equal(a_poses[name].confidences, b_poses[name].confidences)
    assert not np.allclose(a_poses[name].coordinates, c_poses[name].coordinates, equal_nan=True)


def test_dropouts_are_nan_stretches_with_zero_confidence(cohort):
    poses, _ = cohort
    longest = 0
    for pose in poses.values():
        missing = np.isnan(pose.coordinates).any(-1)
        assert np.array_equal(missing, pose.confidences == 0)
        assert np.isnan(pose.coordinates[missing]).all()  # x and y missing together
        for k in range(missing.shape[1]):
            runs = np.diff(np.flatnonzero(np.diff(np.r_[0, missing[:, k].astype(int), 0])))[::2]
            longest = max(longest, runs.max(initial=0))
    share = np.mean([np.isnan(p.coordinates).mean() for p in poses.values()])
    assert 0.001 < share < 0.1 and longest >= 5


def test_body_geometry_is_plausible(cohort):
    poses, _ = cohort
    for pose in list(poses.values())[:4]:
        nose, neck, center, tail = (
            _keypoint(pose, k) for k in ("NOSE", "BASE_NECK", "CENTER_SPINE", "BASE_TAIL")
        )
        length = np.nanmedian(np.linalg.norm(nose - tail, axis=1))
        assert 55 < length < 85
        axis = neck - center
        assert np.nanmean(np.sum((nose - neck) * axis, axis=1) > 0) > 0.95  # nose ahead of the neck
        assert np.nanmean(np.sum((tail - center) * axis, axis=1) < 0) > 0.99  # tail behind
        left, right = _keypoint(pose, "LEFT_EAR"), _keypoint(pose, "RIGHT_EAR")
        # image y points down: the animal's left has a negative cross product with its heading
        assert np.nanmean(_cross(axis, left - neck) < 0) > 0.9
        assert np.nanmean(_cross(axis, right - neck) > 0) > 0.9


def test_age_shapes_behaviour(cohort):
    poses, meta = cohort
    speed, still = [], []
    for name in meta["name"]:
        pose = poses[name]
        step = np.linalg.norm(np.diff(_keypoint(pose, "CENTER_SPINE"), axis=0), axis=1) * pose.fps
        speed.append(np.nanmean(step))
        still.append(np.nanmean(step < 15.0))
    age = meta["age"].to_numpy()
    assert np.corrcoef(age, speed)[0, 1] < -0.5
    assert np.corrcoef(age, still)[0, 1] > 0.5
    assert np.corrcoef(age, meta["frailty_index"])[0, 1] > 0.6

    usage = np.array([np.bincount(poses[n].extra["motif"], minlength=len(MOTIFS)) for n in meta["name"]])
    usage = usage / usage.sum(1, keepdims=True)
    pred = cross_val_predict(
        RidgeCV(alphas=np.logspace(-3, 3, 13)), usage, age, groups=meta["mouse_id"], cv=GroupKFold(8)
    )
    assert r2_score(age, pred) > 0.5  # motif usage predicts age across mice far better than the mean
