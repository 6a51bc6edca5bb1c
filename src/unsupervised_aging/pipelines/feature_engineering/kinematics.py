"""Speed, angular velocity and distance from keypoint-moseq's centroid and heading.

Frame ``t`` (``t >= 1``) moves from ``t - 1`` to ``t`` and is credited to the label at ``t``; frame 0
has no motion and is left out (keypoint-moseq instead gives it speed 0). Heading changes are wrapped
to [-π, π], so a turn through ±π is not a jump of 2π.
"""

from __future__ import annotations

import numpy as np


def frame_kinematics(
    centroid: np.ndarray, heading: np.ndarray, fps: float, length_per_pixel: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Speed and angular velocity of each frame transition.

    Parameters
    ----------
    centroid
        ``(T, 2)`` positions in pixels.
    heading
        ``(T,)`` heading in radians.
    fps
        Frame rate.
    length_per_pixel
        Length unit per pixel (cm per pixel, or 1 to stay in pixels).

    Returns
    -------
    speed, angular_velocity
        ``(T - 1,)`` each: length units per second, radians per second (signed, counter-clockwise
        positive). NaN where the centroid or heading is NaN.
    """
    step = np.diff(np.asarray(centroid, dtype=float), axis=0)
    speed = np.hypot(step[:, 0], step[:, 1]) * (fps * length_per_pixel)
    turn = np.diff(np.asarray(heading, dtype=float))
    turn -= (2 * np.pi) * np.round(turn / (2 * np.pi))  # wrap to [-π, π]
    return speed, turn * fps


def mean_per_label(values: np.ndarray, labels: np.ndarray, n_labels: int) -> np.ndarray:
    """Mean of ``values`` per label, ignoring NaN.

    Parameters
    ----------
    values
        ``(N,)`` floats.
    labels
        ``(N,)`` ints in ``[0, n_labels)``.
    n_labels
        Number of labels ``S``.

    Returns
    -------
    np.ndarray
        ``(S,)``; NaN for labels with no finite value.
    """
    finite = np.isfinite(values)
    n = np.bincount(labels[finite], minlength=n_labels)[:n_labels]
    total = np.bincount(labels[finite], weights=values[finite], minlength=n_labels)[:n_labels]
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / n
