"""Simulate a cohort of mice of different ages in an open field (the demo data, docs/architecture.md#demo).

Each video is a semi-Markov chain of behaviour motifs (:mod:`.motifs`) whose transition
preferences, bout durations, speeds, stride and turning change smoothly with age, plus a
per-mouse "biological age" offset and individual preferences, so grouping by mouse matters.
Motifs drive the centroid's speed and turning and the body shape (:mod:`.body`); tracking noise,
low confidences and NaN dropout stretches are added last. Everything is vectorised over videos.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from unsupervised_aging.pose import Pose
from unsupervised_aging.synthetic.body import JABS_BODYPARTS, body_frame_keypoints, to_world
from unsupervised_aging.synthetic.motifs import (
    AGE_RANGE_WEEKS,
    MOTIFS,
    age_fraction,
    bout_durations_s,
    motif_table,
    speed_factor,
    transition_matrices,
    turn_factor,
)

logger = logging.getLogger(__name__)

ARENA_PX = 500.0
CM_PER_PIXEL = 0.08
STRAIN = "C57BL/6J"
_WALL_MARGIN_PX = 70.0
_STRIDE_PX = 38.0  # stride length of a young mouse
# Tracking noise (px) and dropout stretches started per second, per keypoint in JABS order.
_NOISE_PX = np.array([0.8, 0.8, 0.8, 0.7, 1.5, 1.5, 0.6, 1.5, 1.5, 0.8, 1.2, 2.0])
_DROPOUT_PER_S = np.array([0.02, 0.01, 0.01, 0.005, 0.06, 0.06, 0.005, 0.04, 0.04, 0.01, 0.03, 0.08])
_CONFIDENCE_LOSS = np.array([0.05, 0.05, 0.05, 0.03, 0.2, 0.2, 0.02, 0.15, 0.15, 0.05, 0.1, 0.25])


def simulate_cohort(
    n_mice: int = 16,
    videos_per_mouse: int = 2,
    n_frames: int = 1800,
    fps: float = 30.0,
    seed: int = 0,
) -> tuple[dict[str, Pose], pd.DataFrame]:
    """Simulate open-field pose tracking of a cohort of mice of ages 8-160 weeks.

    Parameters
    ----------
    n_mice
        Number of mice.
    videos_per_mouse
        Videos of each mouse, recorded at different ages.
    n_frames
        Frames per video.
    fps
        Frames per second.
    seed
        Seed of the random generator; the same arguments give the same cohort.

    Returns
    -------
    poses
        ``{name: Pose}`` for ``n_mice * videos_per_mouse`` videos: coordinates ``(n_frames, 12, 2)``
        ``(x, y)`` px with NaN dropouts, confidences ``(n_frames, 12)`` with 0 at dropouts, the 12
        JABS keypoints, ``cm_per_pixel`` 0.08 and the true motif of every frame in
        ``extra["motif"]`` (``(n_frames,)`` int8 indexing :data:`MOTIFS`).
    metadata
        One row per video: ``name, mouse_id, age`` (weeks), ``sex, strain, frailty_index, fps``.
    """
    if n_mice < 1 or videos_per_mouse < 1 or n_frames < 2 or fps <= 0:
        raise ValueError(
            f"simulate_cohort: need n_mice >= 1, videos_per_mouse >= 1, n_frames >= 2 and fps > 0; got "
            f"{n_mice}, {videos_per_mouse}, {n_frames}, {fps}"
        )
    rng = np.random.default_rng(seed)
    metadata, bio_age = _sample_cohort(rng, n_mice, videos_per_mouse)
    n_videos, n_motifs = len(metadata), len(MOTIFS)

    mouse = metadata["mouse_index"].to_numpy()
    mouse_pref = rng.normal(0.0, 0.15, (n_mice, n_motifs))
    female = metadata.groupby("mouse_index")["sex"].first().to_numpy() == "F"
    mouse_speed = np.exp(rng.normal(0.0, 0.1, n_mice)) * np.where(female, 1.05, 1.0)  # females a bit faster
    mouse_stride = np.exp(rng.normal(0.0, 0.06, n_mice))
    mouse_size = np.exp(rng.normal(0.0, 0.05, n_mice))
    log_offsets = mouse_pref[mouse] + rng.normal(0.0, 0.1, (n_videos, n_motifs))

    motif, bout_gain, bout_wander = _motif_sequences(rng, bio_age, log_offsets, n_frames, fps)
    speed = motif_table("speed")[motif] * bout_gain * (speed_factor(bio_age) * mouse_speed[mouse])[:, None]
    turn = (motif_table("turn")[motif] * bout_gain + bout_wander) * turn_factor(bio_age)[:, None]
    speed, turn = _smooth(speed, fps, 0.12), _smooth(turn, fps, 0.12)
    x, y, heading = _trajectories(rng, speed, turn, fps)

    stride_len = _STRIDE_PX * (1.0 - 0.25 * bio_age) * mouse_stride[mouse]
    shape = {k: _smooth(motif_table(k)[motif], fps, 0.1) for k in ("front", "rear", "width", "bend", "scan")}
    shape.update({k: _smooth(motif_table(k)[motif], fps, 0.1) for k in ("groom", "lift", "stride", "curl")})
    t = np.arange(n_frames) / fps
    stride_phase = np.cumsum(2 * np.pi * speed / stride_len[:, None] / fps, axis=1)
    scan_phase = 2 * np.pi * 1.2 * t[None] + rng.uniform(0, 2 * np.pi, (n_videos, 1))
    groom_bob = np.sin(2 * np.pi * 5.0 * t[None])
    # Old mice are a little longer and markedly wider (weight gain).
    size = (mouse_size[mouse] * (1.0 + 0.08 * bio_age))[:, None] * np.ones((1, n_frames))
    width_age = (1.0 + 0.15 * bio_age)[:, None]
    body = body_frame_keypoints(
        size=size,
        front=shape["front"],
        rear=shape["rear"],
        width=shape["width"] * width_age * (1 + 0.03 * np.sin(2 * np.pi * 3.0 * t[None])),
        bend=shape["bend"] + 0.004 * turn,
        head_yaw=0.45 * shape["scan"] * np.sin(scan_phase) + 0.08 * turn,
        stride_offset=0.3 * stride_len[:, None] * shape["stride"] * np.sin(stride_phase),
        tail_side=4.0 * shape["stride"] * np.sin(0.5 * stride_phase) + 14.0 * shape["curl"] * size,
        paws_to_nose=np.clip(shape["groom"] + shape["lift"], 0.0, 1.0),
        nose_bob=3.0 * shape["groom"] * groom_bob,
    )
    coords = to_world(body, x, y, heading)
    coords, conf = _tracking_errors(rng, coords, shape["groom"] + shape["lift"], fps)

    poses = {}
    for i, name in enumerate(metadata["name"]):
        poses[name] = Pose(
            coordinates=coords[i],
            confidences=conf[i],
            bodyparts=list(JABS_BODYPARTS),
            fps=float(fps),
            cm_per_pixel=CM_PER_PIXEL,
            source=f"synthetic cohort (seed {seed})",
            extra={"motif": motif[i].astype(np.int8)},
        )
    metadata["fps"] = float(fps)
    logger.info("Simulated %d videos of %d mice, %d frames each", n_videos, n_mice, n_frames)
    return poses, metadata.drop(columns="mouse_index")


def _sample_cohort(
    rng: np.random.Generator, n_mice: int, videos_per_mouse: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Mice, their ages at each video and frailty; also each video's biological age on the 0-1 scale."""
    young, old = AGE_RANGE_WEEKS
    # Stratified ages over the whole range, dealt to mice at random and sorted per mouse, so every
    # age is covered and each mouse's videos are at different ages (a longitudinal design).
    n_videos = n_mice * videos_per_mouse
    strata = (rng.permutation(n_videos) + rng.uniform(0, 1, n_videos)) / n_videos
    ages = np.sort((young + (old - young) * strata).reshape(n_mice, videos_per_mouse), axis=1)
    ages = np.round(ages, 1)
    sex = np.where(rng.permutation(n_mice) % 2 == 0, "F", "M")
    bio_offset = rng.normal(0.0, 0.06, n_mice)  # some mice age faster than others
    mouse = np.repeat(np.arange(n_mice), videos_per_mouse)
    age = ages.ravel()
    bio_age = np.clip(age_fraction(age) + bio_offset[mouse], -0.1, 1.1)
    frailty = np.clip(
        0.04 + 0.3 * np.clip(bio_age, 0, None) ** 1.3 + rng.normal(0.0, 0.05, age.size), 0.0, 1.0
    )
    metadata = pd.DataFrame(
        {
            "name": [f"demo_m{m:03d}_v{v}" for m in range(n_mice) for v in range(videos_per_mouse)],
            "mouse_id": [f"M{m:03d}" for m in mouse],
            "age": age,
            "sex": sex[mouse],
            "strain": STRAIN,
            "frailty_index": np.round(frailty, 3),
            "mouse_index": mouse,
        }
    )
    return metadata, bio_age


def _motif_sequences(
    rng: np.random.Generator, bio_age: np.ndarray, log_offsets: np.ndarray, n_frames: int, fps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Semi-Markov motif sequence of every video.

    Returns
    -------
    motif
        ``(N, T)`` int motif per frame.
    bout_gain
        ``(N, T)`` per-bout multiplier of speed and turning (lognormal, so no two bouts are identical).
    bout_wander
        ``(N, T)`` per-bout random turning, rad/s, for locomotion and sniffing.
    """
    n_videos = bio_age.size
    trans = np.cumsum(transition_matrices(bio_age, log_offsets), axis=2)
    mean_frames = bout_durations_s(bio_age) * fps
    wanders = np.isin(np.arange(len(MOTIFS)), [MOTIFS.index(m) for m in ("sniff", "walk", "run")])
    rows = np.arange(n_videos)
    current = rng.integers(0, len(MOTIFS), n_videos)
    elapsed = np.zeros(n_videos, dtype=int)
    starts, motifs, gains, wander = [], [], [], []
    while (elapsed < n_frames).any():
        mean = mean_frames[rows, current]
        duration = np.maximum(3, np.round(rng.gamma(4.0, mean / 4.0))).astype(int)
        starts.append(elapsed.copy())
        motifs.append(current.copy())
        gains.append(np.exp(rng.normal(0.0, 0.15, n_videos)))
        wander.append(rng.normal(0.0, 0.6, n_videos) * wanders[current])
        elapsed += duration
        u = rng.uniform(0, 1, n_videos)[:, None]
        current = np.minimum((u > trans[rows, current]).sum(axis=1), len(MOTIFS) - 1)
    starts_a, motifs_a, gains_a, wander_a = (np.stack(a, axis=1) for a in (starts, motifs, gains, wander))
    frames = np.arange(n_frames)
    bout = np.stack([np.searchsorted(starts_a[i], frames, side="right") - 1 for i in rows])
    return (
        np.take_along_axis(motifs_a, bout, axis=1),
        np.take_along_axis(gains_a, bout, axis=1),
        np.take_along_axis(wander_a, bout, axis=1),
    )


def _smooth(values: np.ndarray, fps: float, tau_s: float) -> np.ndarray:
    """Causal exponential smoothing along time (axis 1) with time constant ``tau_s``."""
    alpha = np.exp(-1.0 / (tau_s * fps))
    init = values[:, :1] * alpha
    return lfilter([1 - alpha], [1, -alpha], values, axis=1, zi=init)[0]


def _trajectories(
    rng: np.random.Generator, speed: np.ndarray, turn: np.ndarray, fps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integrate speed (px/s) and leftward turning (rad/s) into positions, steering away from the walls.

    Returns
    -------
    x, y, heading
        ``(N, T)`` position of CENTER_SPINE (px) and heading (radians, image coordinates).
    """
    n_videos, n_frames = speed.shape
    lo, hi = _WALL_MARGIN_PX, ARENA_PX - _WALL_MARGIN_PX
    x, y = (rng.uniform(lo + 50, hi - 50, n_videos) for _ in range(2))
    theta = rng.uniform(-np.pi, np.pi, n_videos)
    out = np.empty((3, n_videos, n_frames))
    step = 1.0 / fps
    for t in range(n_frames):
        c, s = np.cos(theta), np.sin(theta)
        ahead_x, ahead_y = x + 40.0 * c, y + 40.0 * s
        near_wall = (ahead_x < lo) | (ahead_x > hi) | (ahead_y < lo) | (ahead_y > hi)
        to_center = c * (ARENA_PX / 2 - y) - s * (ARENA_PX / 2 - x)  # > 0: centre lies at increasing theta
        steer = near_wall * np.sign(to_center + 1e-9) * 4.0 * np.minimum(1.0, speed[:, t] / 60.0)
        theta = theta + step * (steer - turn[:, t])  # leftward turning decreases theta (y points down)
        x = np.clip(x + step * speed[:, t] * np.cos(theta), lo - 15, hi + 15)
        y = np.clip(y + step * speed[:, t] * np.sin(theta), lo - 15, hi + 15)
        out[:, :, t] = x, y, theta
    return out[0], out[1], out[2]


def _tracking_errors(
    rng: np.random.Generator, coords: np.ndarray, occluded: np.ndarray, fps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Add pose-estimation noise, confidences and NaN dropouts.

    Parameters
    ----------
    coords
        ``(N, T, K, 2)`` true keypoints.
    occluded
        ``(N, T)`` weight of poses that hide the front paws (grooming, rearing).

    Returns
    -------
    coords, confidences
        ``(N, T, K, 2)`` float32 inside the image, NaN at dropouts; ``(N, T, K)`` float32, 0 at dropouts.
    """
    n_videos, n_frames, n_kp, _ = coords.shape
    noise_level = np.exp(rng.normal(0.0, 0.2, (n_videos, 1, 1, 1)))
    coords = coords + rng.normal(0.0, 1.0, coords.shape) * _NOISE_PX[None, None, :, None] * noise_level
    coords = np.clip(coords, 0.0, ARENA_PX - 1)

    # Dropout stretches: starts at a per-keypoint rate, geometric lengths (mean 0.2 s), plus short
    # stretches where the whole animal is lost, and occluded front paws while grooming or rearing.
    starts = rng.uniform(0, 1, (n_videos, n_frames, n_kp)) < _DROPOUT_PER_S / fps
    starts |= (rng.uniform(0, 1, (n_videos, n_frames, 1)) < 0.01 / fps) & np.ones(n_kp, dtype=bool)
    lengths = rng.geometric(1.0 / (0.2 * fps), starts.shape)
    delta = np.zeros((n_videos, n_frames + 1, n_kp), dtype=np.int32)
    v, t, k = np.nonzero(starts)
    np.add.at(delta, (v, t, k), 1)
    np.add.at(delta, (v, np.minimum(t + lengths[v, t, k], n_frames), k), -1)
    missing = np.cumsum(delta[:, :-1], axis=1) > 0
    paw_hidden = rng.uniform(0, 1, (n_videos, n_frames)) < 0.08 * np.clip(occluded, 0, 1)
    missing[:, :, [JABS_BODYPARTS.index("LEFT_FRONT_PAW"), JABS_BODYPARTS.index("RIGHT_FRONT_PAW")]] |= (
        paw_hidden[..., None]
    )

    conf = 1.0 - _CONFIDENCE_LOSS * rng.beta(1.5, 4.0, (n_videos, n_frames, n_kp)) * 2.0
    conf = np.clip(conf, 0.05, 1.0)
    conf[missing] = 0.0
    coords[missing] = np.nan
    return coords.astype(np.float32), conf.astype(np.float32)
