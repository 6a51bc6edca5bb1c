"""Known answers for run-length statistics and kinematics on hand-written sequences."""

import numpy as np
import pytest

from unsupervised_aging.pipelines.feature_engineering import sequences as seq
from unsupervised_aging.pipelines.feature_engineering.kinematics import frame_kinematics, mean_per_label

LABELS = np.array([1, 1, 2, 2, 2, 1, 0, 0, 0, 0, 1, 1, 1])  # bouts: 1×2, 2×3, 1×1, 0×4, 1×3


def test_run_length_encoding():
    bouts = seq.run_length_encode(LABELS)
    np.testing.assert_array_equal(bouts.labels, [1, 2, 1, 0, 1])
    np.testing.assert_array_equal(bouts.starts, [0, 2, 5, 6, 10])
    np.testing.assert_array_equal(bouts.lengths, [2, 3, 1, 4, 3])
    assert seq.run_length_encode(np.array([], dtype=int)).labels.size == 0


def test_usage_of_frames_and_bouts():
    bouts = seq.run_length_encode(LABELS)
    np.testing.assert_allclose(seq.shares(seq.frame_counts(LABELS, 4)), [4 / 13, 6 / 13, 3 / 13, 0])
    np.testing.assert_allclose(seq.shares(seq.bout_counts(bouts, 4)), [1 / 5, 3 / 5, 1 / 5, 0])


def test_duration_mean_median_cv_in_seconds():
    stats = seq.duration_stats(seq.run_length_encode(LABELS), 4, fps=2.0)
    # syllable 1 bouts last 2, 1, 3 frames = 1.0, 0.5, 1.5 s
    np.testing.assert_allclose(stats["mean"][:3], [2.0, 1.0, 1.5])
    np.testing.assert_allclose(stats["median"][:3], [2.0, 1.0, 1.5])
    np.testing.assert_allclose(stats["cv"][1], np.std([1.0, 0.5, 1.5]) / 1.0)
    assert stats["cv"][0] == 0.0
    assert np.isnan(stats["mean"][3]) and np.isnan(stats["median"][3]) and np.isnan(stats["cv"][3])


def test_median_of_even_number_of_bouts():
    stats = seq.duration_stats(seq.run_length_encode(np.array([0, 1, 0, 0, 0, 0, 1, 0, 0])), 2, fps=1.0)
    np.testing.assert_allclose(stats["median"], [2.0, 1.0])  # bouts of 0: 1, 4, 2 frames; of 1: 1, 1


def test_bigram_counts_and_normalisation():
    counts = seq.bigram_counts(seq.run_length_encode(LABELS), 3)
    expected = np.zeros((3, 3))
    expected[1, 2] = expected[2, 1] = expected[1, 0] = expected[0, 1] = 1
    np.testing.assert_array_equal(counts, expected)
    np.testing.assert_allclose(seq.normalise_transitions(counts, "bigram"), expected / 4)
    rows = seq.normalise_transitions(counts, "rows")
    np.testing.assert_allclose(rows[1], [0.5, 0, 0.5])
    with pytest.raises(ValueError, match="unknown"):
        seq.normalise_transitions(counts, "columns-ish")


def test_entropies():
    # 0 → 1 → 0 → 1 …: each next bout is certain
    alternating = seq.bigram_counts(seq.run_length_encode(np.array([0, 1] * 10)), 2)
    assert seq.transition_entropy_bits(alternating) == pytest.approx(0.0)
    # from 0, next is 1 or 2 with equal counts; from 1 and 2, always 0: H = P(0) * 1 bit
    counts = np.array([[0, 2, 2], [2, 0, 0], [2, 0, 0]])
    assert seq.transition_entropy_bits(counts) == pytest.approx(0.5)
    assert seq.entropy_bits(np.array([0.5, 0.25, 0.25, 0.0])) == pytest.approx(1.5)
    assert np.isnan(seq.transition_entropy_bits(np.zeros((2, 2))))


def test_kinematics_straight_line_and_turn_through_pi():
    t = np.arange(5)
    centroid = np.stack([3.0 * t, 4.0 * t], axis=1)  # 5 px per frame
    heading = np.angle(np.exp(1j * (np.pi - 0.1 + 0.05 * t)))  # turns through ±π at +0.05 rad/frame
    speed, angvel = frame_kinematics(centroid, heading, fps=10.0, length_per_pixel=0.5)
    np.testing.assert_allclose(speed, 25.0)  # 5 px × 0.5 cm/px × 10 fps
    np.testing.assert_allclose(angvel, 0.5)  # no 2π jump
    np.testing.assert_allclose(
        mean_per_label(np.array([1.0, 3.0, np.nan, 5.0]), np.array([0, 0, 1, 2]), 4),
        [2.0, np.nan, 5.0, np.nan],
    )
