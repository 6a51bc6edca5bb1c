"""Tracking quality per video and keypoint: NaN share, low-confidence share, ensemble disagreement."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from unsupervised_aging.pose import Pose


def pose_quality(pose: Pose, low_confidence: float) -> dict[str, float]:
    """QC figures of one video.

    Returns
    -------
    dict
        ``nan_share`` and ``low_conf_share`` (present points with confidence below
        ``low_confidence``) over all points and per keypoint (``nan_share_<kp>``, …), and
        ``disagreement_px`` (mean, and per keypoint) when the pose is an ensemble consensus.
    """
    nan = np.isnan(pose.coordinates).any(-1)  # (T, K)
    low = ~nan & (pose.confidences < low_confidence)
    row = {"nan_share": float(nan.mean()), "low_conf_share": float(low.mean())}
    row |= {f"nan_share_{bp}": float(v) for bp, v in zip(pose.bodyparts, nan.mean(0), strict=True)}
    row |= {f"low_conf_share_{bp}": float(v) for bp, v in zip(pose.bodyparts, low.mean(0), strict=True)}
    disagreement = pose.extra.get("disagreement")
    if disagreement is not None:
        with np.errstate(all="ignore"):
            per_keypoint = np.nanmean(disagreement, axis=0) if np.isfinite(disagreement).any() else None
        row["disagreement_px"] = float(np.nanmean(disagreement)) if per_keypoint is not None else np.nan
        for k, bp in enumerate(pose.bodyparts):
            row[f"disagreement_px_{bp}"] = float(per_keypoint[k]) if per_keypoint is not None else np.nan
    return row


def flag_videos(
    qc: pd.DataFrame, bodyparts: list[str], max_missing_share: float, min_frames: int
) -> pd.DataFrame:
    """Add ``missing_share`` (NaN or low confidence), ``flagged``, ``too_short`` and ``flag_reason``.

    A video is flagged when more than ``max_missing_share`` of its points are missing or of low
    confidence (keypoint-moseq warns above 0.5 NaN per keypoint and advises excluding such data),
    when a keypoint is missing in every frame (nothing to interpolate it from), or when it has
    fewer than ``min_frames`` frames (``too_short``: too short to fit syllables on).

    Parameters
    ----------
    qc
        One row per video: ``name``, ``n_frames``, ``nan_share``, ``low_conf_share`` and
        ``nan_share_<bodypart>`` per keypoint.
    bodyparts
        The keypoints, in the columns' order.
    """
    qc = qc.copy()
    qc["missing_share"] = qc["nan_share"] + qc["low_conf_share"]
    lost = qc[[f"nan_share_{bp}" for bp in bodyparts]].to_numpy() >= 1.0  # (videos, K)
    qc["too_short"] = qc["n_frames"] < min_frames
    reasons = []
    for row, lost_row in zip(qc.itertuples(index=False), lost, strict=True):
        reason = []
        if row.missing_share > max_missing_share:
            reason.append(
                f"{row.missing_share:.0%} of points NaN or low-confidence > {max_missing_share:.0%}"
            )
        if lost_row.any():
            lost_names = [bp for bp, x in zip(bodyparts, lost_row, strict=True) if x]
            reason.append(f"keypoint(s) {lost_names} missing in every frame")
        if row.too_short:
            reason.append(f"{row.n_frames} frames < preprocessing.qc.min_frames {min_frames}")
        reasons.append("; ".join(reason))
    qc["flag_reason"] = reasons
    qc["flagged"] = qc["flag_reason"] != ""
    return qc


def plot_quality(qc: pd.DataFrame, bodyparts: list[str], max_missing_share: float) -> Figure:
    """Heatmap of missing share per video × keypoint, and each video's overall share vs. the threshold."""
    missing = np.array(
        [
            [row[f"nan_share_{bp}"] + row[f"low_conf_share_{bp}"] for bp in bodyparts]
            for _, row in qc.iterrows()
        ]
    )
    n = len(qc)
    height = min(2.5 + 0.18 * n, 14)
    fig, (ax_map, ax_bar) = plt.subplots(
        1, 2, figsize=(12, height), gridspec_kw={"width_ratios": [3, 1]}, sharey=True, layout="constrained"
    )
    image = ax_map.imshow(missing, aspect="auto", cmap="magma_r", vmin=0, vmax=1, interpolation="nearest")
    ax_map.set_xticks(range(len(bodyparts)), bodyparts, rotation=60, ha="right", fontsize=8)
    if n <= 80:
        ax_map.set_yticks(range(n), qc["name"], fontsize=7)
    ax_map.set_ylabel("video")
    ax_map.set_title("share of frames NaN or low-confidence")
    fig.colorbar(image, ax=ax_map, shrink=0.6)
    colors = np.where(qc["flagged"], "tab:red", "tab:blue")
    ax_bar.barh(range(n), qc["missing_share"], color=colors)
    ax_bar.axvline(max_missing_share, color="k", linestyle="--", label="flag threshold")
    ax_bar.set_xlim(0, 1)
    ax_bar.set_xlabel("missing share (all keypoints)")
    ax_bar.set_title(f"{int(qc['flagged'].sum())} of {n} flagged")
    ax_bar.legend(loc="lower right", fontsize=7)
    return fig
