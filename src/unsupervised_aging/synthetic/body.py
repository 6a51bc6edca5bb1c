"""Keypoints of a simulated mouse from its position, heading and body-shape parameters."""

from __future__ import annotations

import numpy as np

from unsupervised_aging.pose_io.jabs import JABS_KEYPOINTS

#: The 12 JABS keypoints, in JABS order.
JABS_BODYPARTS: tuple[str, ...] = tuple(JABS_KEYPOINTS)

# Body plan of a young adult at rest length, px along the spine from CENTER_SPINE (nose to base of
# tail 74 px, about 5.9 cm at 0.08 cm/px) and lateral offsets.
_NECK, _HEAD, _FRONT_PAW, _REAR_PAW, _BASE_TAIL, _TAIL = 21.0, 16.0, 14.0, -20.0, -37.0, 28.0
_EAR_FORWARD, _EAR_SIDE, _FRONT_PAW_SIDE, _REAR_PAW_SIDE = 4.0, 8.0, 9.0, 11.0


def _arc(s: np.ndarray, bend: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Point at arc length ``s`` along a spine of constant curvature ``bend`` tangent to +x at 0."""
    x = s * np.sinc(bend * s / np.pi)
    y = 0.5 * bend * s**2 * np.sinc(bend * s / (2 * np.pi)) ** 2
    return x, y


def body_frame_keypoints(
    size: np.ndarray,
    front: np.ndarray,
    rear: np.ndarray,
    width: np.ndarray,
    bend: np.ndarray,
    head_yaw: np.ndarray,
    stride_offset: np.ndarray,
    tail_side: np.ndarray,
    paws_to_nose: np.ndarray,
    nose_bob: np.ndarray,
) -> np.ndarray:
    """Keypoints in the body frame: CENTER_SPINE at the origin, facing +x, the animal's left +y.

    All inputs broadcast to one shape ``S`` (typically ``(N, T)``).

    Parameters
    ----------
    size
        Overall scale of the animal.
    front, rear, width
        Length scales of head/neck and hindquarters, and the lateral scale.
    bend
        Spine curvature, 1/px; positive bends nose and tail to the animal's left.
    head_yaw
        Head angle relative to the neck's tangent, radians (positive to the left).
    stride_offset
        Fore-aft excursion of the left front and right rear paws, px (the other pair moves opposite).
    tail_side
        Lateral displacement of the tail tip, px (mid tail moves half as far).
    paws_to_nose
        Weight in ``[0, 1]`` pulling the front paws to the snout (grooming, rearing).
    nose_bob
        Fore-aft displacement of the nose, px.

    Returns
    -------
    np.ndarray
        ``S + (12, 2)`` float64 body-frame coordinates.
    """
    bend = bend / size
    spine = {
        "BASE_NECK": _NECK * front * size,
        "CENTER_SPINE": np.zeros_like(size * front),
        "BASE_TAIL": _BASE_TAIL * rear * size,
        "MID_TAIL": (_BASE_TAIL * rear - _TAIL) * size,
        "TIP_TAIL": (_BASE_TAIL * rear - 2 * _TAIL) * size,
    }
    pts = {name: np.stack(_arc(s, bend), axis=-1) for name, s in spine.items()}
    pts["MID_TAIL"][..., 1] += 0.5 * tail_side
    pts["TIP_TAIL"][..., 1] += tail_side

    neck = pts["BASE_NECK"]
    head_angle = bend * spine["BASE_NECK"] + head_yaw
    head_dir = np.stack([np.cos(head_angle), np.sin(head_angle)], axis=-1)
    head_left = np.stack([-np.sin(head_angle), np.cos(head_angle)], axis=-1)
    head_len = (_HEAD * size * np.clip(front, 0.6, None) + nose_bob)[..., None]
    pts["NOSE"] = neck + head_len * head_dir
    ear_fwd = (_EAR_FORWARD * size * front)[..., None]
    ear_side = (_EAR_SIDE * size * width)[..., None]
    pts["LEFT_EAR"] = neck + ear_fwd * head_dir + ear_side * head_left
    pts["RIGHT_EAR"] = neck + ear_fwd * head_dir - ear_side * head_left

    for side, sign in (("LEFT", 1.0), ("RIGHT", -1.0)):
        for part, s0, lateral, phase in (
            ("FRONT", _FRONT_PAW * front * size, _FRONT_PAW_SIDE, sign),
            ("REAR", _REAR_PAW * rear * size, _REAR_PAW_SIDE, -sign),
        ):
            s = s0 + phase * stride_offset
            x, y = _arc(s, bend)
            angle = bend * s
            lat = sign * lateral * size * width
            pts[f"{side}_{part}_PAW"] = np.stack([x - lat * np.sin(angle), y + lat * np.cos(angle)], axis=-1)
        snout = pts["NOSE"] - (0.35 * head_len) * head_dir + (sign * 4.0 * size)[..., None] * head_left
        w = paws_to_nose[..., None]
        pts[f"{side}_FRONT_PAW"] = (1 - w) * pts[f"{side}_FRONT_PAW"] + w * snout
    return np.stack([pts[name] for name in JABS_BODYPARTS], axis=-2)


def to_world(body: np.ndarray, x: np.ndarray, y: np.ndarray, heading: np.ndarray) -> np.ndarray:
    """Place body-frame keypoints in the image.

    Image coordinates have y pointing down, so the animal's left of heading ``theta``
    (forward ``(cos, sin)``) is ``(sin, -cos)``.

    Parameters
    ----------
    body
        ``S + (K, 2)`` body-frame keypoints.
    x, y, heading
        Shape ``S``: image position of CENTER_SPINE (px) and heading (radians).

    Returns
    -------
    np.ndarray
        ``S + (K, 2)`` image coordinates ``(x, y)``.
    """
    c, s = np.cos(heading)[..., None], np.sin(heading)[..., None]
    bx, by = body[..., 0], body[..., 1]
    return np.stack([x[..., None] + c * bx + s * by, y[..., None] + s * bx - c * by], axis=-1)
