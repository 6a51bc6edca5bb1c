"""Syllable → metasyllable lookup from kpms_training's ``syllable_mapping`` table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from unsupervised_aging.tables import require_columns


def metasyllable_lookup(syllable_mapping: pd.DataFrame) -> np.ndarray:
    """``(max syllable + 1,)`` int64: the metasyllable of each syllable, -1 where the mapping has none.

    Raises
    ------
    ValueError
        If ``syllable_mapping`` lacks the ``syllable`` or ``metasyllable`` column.
    """
    require_columns(syllable_mapping, ["syllable", "metasyllable"], "syllable_mapping", "rerun kpms_training")
    syllables = syllable_mapping["syllable"].to_numpy(int)
    lookup = np.full(int(syllables.max(initial=-1)) + 1, -1, dtype=np.int64)
    lookup[syllables] = syllable_mapping["metasyllable"].to_numpy(int)
    return lookup


def lookup_metasyllables(syllables: np.ndarray, lookup: np.ndarray) -> np.ndarray:
    """Map ``(T,)`` syllables through ``lookup``; ``(T,)`` int64 with -1 for syllables it does not list."""
    syllables = np.asarray(syllables, dtype=np.int64)
    known = (syllables >= 0) & (syllables < lookup.size)
    return np.where(known, lookup[np.where(known, syllables, 0)], -1)
