"""Recordings put back together from the pieces they were applied in."""

from __future__ import annotations

import numpy as np

Recording = dict[str, np.ndarray]


def stitch(name: str, pieces: list[tuple[int, int, Recording]]) -> Recording:
    """Concatenate a video's pieces along time.

    Parameters
    ----------
    name
        The video (for messages).
    pieces
        ``[(start, stop, recording), ...]`` covering the video without gaps, in any order;
        every array of a piece's recording has ``stop - start`` frames on its first axis.

    Returns
    -------
    Recording
        ``{key: array}`` with every piece's frames in order.

    Raises
    ------
    ValueError
        If the pieces leave a gap, overlap, or disagree on their keys or lengths.
    """
    pieces = sorted(pieces, key=lambda piece: piece[0])
    expected = 0
    for start, stop, recording in pieces:
        lengths = {key: len(value) for key, value in recording.items()}
        if start != expected or set(lengths.values()) != {stop - start}:
            raise ValueError(
                f"{name}: piece [{start}, {stop}) does not continue at frame {expected} with {stop - start} "
                f"frames (got {lengths}); delete data/07_model_output/kpms/slots and rerun kpms_inference"
            )
        expected = stop
    keys = list(pieces[0][2])
    if any(list(recording) != keys for _, _, recording in pieces):
        raise ValueError(f"{name}: its pieces hold different results; rerun kpms_inference")
    if len(pieces) == 1:
        return pieces[0][2]
    return {key: np.concatenate([recording[key] for _, _, recording in pieces]) for key in keys}
