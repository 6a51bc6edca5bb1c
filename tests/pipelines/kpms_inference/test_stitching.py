"""Cutting a recording into pieces and stitching the pieces back."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from unsupervised_aging.pipelines.kpms_inference.planning import (
    MIN_FRAGMENT_LENGTH,
    cut_into_pieces,
    plan_pieces,
)
from unsupervised_aging.pipelines.kpms_inference.stitching import stitch


def test_pieces_cover_the_recording_and_a_tiny_remainder_joins_the_last_piece():
    assert cut_into_pieces(1_000, 300) == [(0, 300), (300, 600), (600, 900), (900, 1_000)]
    assert cut_into_pieces(900 + MIN_FRAGMENT_LENGTH, 300)[-1] == (600, 900 + MIN_FRAGMENT_LENGTH)
    assert cut_into_pieces(200, 300) == [(0, 200)]


def test_stitch_restores_the_order_and_rejects_gaps():
    frames = np.arange(10)
    pieces = [
        (s, e, {"syllable": frames[s:e], "latent_state": np.c_[frames, frames][s:e]})
        for s, e in [(6, 10), (0, 3), (3, 6)]
    ]
    stitched = stitch("video", pieces)
    assert (stitched["syllable"] == frames).all()
    assert stitched["latent_state"].shape == (10, 2)
    with pytest.raises(ValueError, match=r"video: piece \[6, 10\) does not continue at frame 3"):
        stitch("video", [pieces[0], pieces[1]])


def test_every_piece_of_a_video_runs_in_its_slot_and_calls_keep_the_budget():
    """A slot stitches its own pieces: pieces of one video spread over slots could not be stitched."""
    videos = pd.DataFrame({"name": [f"v{i}" for i in range(5)], "n_frames": [108_000] * 4 + [20_000]})
    plan = plan_pieces(videos, reuse={"v4"}, frames_per_call=36_000, seg_length=10_000, n_slots=2)
    applied = plan[plan["action"] == "apply"]
    assert (applied.groupby("name")["slot"].nunique() == 1).all()
    assert sorted(applied.groupby("slot")["name"].nunique()) == [2, 2]  # balanced by frames
    assert (applied.groupby("call")["slot"].nunique() == 1).all()  # a call belongs to one slot
    assert ((applied["stop"] - applied["start"]).groupby(applied["call"]).sum() <= 36_000).all()
    for _, pieces in applied.groupby("name"):  # the pieces cover the video, end to end
        spans = sorted(zip(pieces["start"], pieces["stop"], strict=True))
        assert spans[0][0] == 0 and spans[-1][1] == 108_000
        assert all(a[1] == b[0] for a, b in pairwise(spans))
    reused = plan[plan["name"] == "v4"]
    assert reused[["call", "slot"]].to_numpy().tolist() == [[-1, -1]]
