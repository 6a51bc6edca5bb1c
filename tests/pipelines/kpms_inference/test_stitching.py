"""Cutting a recording into pieces and stitching the pieces back."""

from __future__ import annotations

import numpy as np
import pytest

from unsupervised_aging.pipelines.kpms_inference.planning import MIN_FRAGMENT_LENGTH, cut_into_pieces
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
