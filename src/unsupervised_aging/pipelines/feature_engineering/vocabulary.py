"""Which syllables, bigrams and metasyllables get columns, fixed once on the training videos.

keypoint-moseq's inclusion rule: a label is included when its share of bouts pooled over the
training videos exceeds ``min_frequency`` (as ``compute_stats_df`` and
``generate_transition_matrices`` do); a bigram of included labels when its share of all training
transitions is at least ``min_bigram_frequency``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from unsupervised_aging.pipelines.feature_engineering import sequences as seq
from unsupervised_aging.pipelines.feature_engineering.inputs import (
    Results,
    read_recording,
    to_metasyllables,
)

logger = logging.getLogger(__name__)


class _Counts:
    """Bout and bigram counts pooled over recordings; grows when a recording has a new label."""

    def __init__(self, n_labels: int) -> None:
        self.bouts = np.zeros(n_labels)
        self.bigrams = np.zeros((n_labels, n_labels))

    def add(self, sequence: np.ndarray, n_labels: int) -> None:
        n = max(n_labels, self.bouts.size)
        if n > self.bouts.size:
            bouts, bigrams = self.bouts, self.bigrams
            self.bouts, self.bigrams = np.zeros(n), np.zeros((n, n))
            self.bouts[: bouts.size] = bouts
            self.bigrams[: bouts.size, : bouts.size] = bigrams
        encoded = seq.run_length_encode(sequence)
        self.bouts += seq.bout_counts(encoded, n)
        self.bigrams += seq.bigram_counts(encoded, n)

    def included(
        self, min_frequency: float, min_bigram_frequency: float
    ) -> tuple[list[int], list[list[int]]]:
        """Labels above ``min_frequency`` of the bouts; bigrams among them at ``min_bigram_frequency``."""
        labels = np.flatnonzero(seq.shares(self.bouts) > min_frequency)
        share = seq.shares(self.bigrams)
        keep = np.zeros_like(share, dtype=bool)
        keep[np.ix_(labels, labels)] = True
        keep &= share >= min_bigram_frequency
        return labels.tolist(), np.argwhere(keep).tolist()


def count_vocabulary(
    results: Results,
    names: list[str],
    lookup: np.ndarray,
    min_frequency: float,
    min_bigram_frequency: float,
) -> dict[str, Any]:
    """Count bouts and bigrams of the training videos, one at a time, and apply the inclusion rule.

    Parameters
    ----------
    results
        ``{name: {"syllable": (T,) int, ...}}``, read lazily.
    names
        Training videos present in ``results``.
    lookup
        ``(S_mapped,)`` metasyllable of each syllable, -1 where unmapped.
    min_frequency, min_bigram_frequency
        Inclusion thresholds.

    Returns
    -------
    dict
        JSON-ready: ``n_syllables``, ``syllables``, ``bigrams``, ``metasyllable_of`` (per
        syllable, -1 when unmapped), ``merged`` (bool), ``n_metasyllables``, ``metasyllables``,
        ``metabigrams``.
    """
    mapped = np.flatnonzero(lookup >= 0)
    merged = bool(np.any(lookup[mapped] != mapped))
    n_meta = int(lookup.max(initial=-1)) + 1
    syllables, metasyllables = _Counts(lookup.size), _Counts(n_meta + 1)  # n_meta: "unmapped"
    for name in tqdm(names, desc="Counting training syllables"):
        labels = np.asarray(read_recording(results, name, ("syllable",))["syllable"], dtype=np.int64)
        syllables.add(labels, int(labels.max(initial=-1)) + 1)
        if merged:
            metasyllables.add(to_metasyllables(labels, lookup, n_meta), n_meta + 1)
    n_syllables = syllables.bouts.size
    unmapped = sorted({*np.flatnonzero(lookup < 0).tolist(), *range(lookup.size, n_syllables)})
    if merged and unmapped:
        logger.warning("syllable_mapping lists no metasyllable for syllables %s: they get none", unmapped)
    included, bigrams = syllables.included(min_frequency, min_bigram_frequency)
    meta_included, meta_bigrams = metasyllables.included(min_frequency, min_bigram_frequency)
    vocabulary: dict[str, Any] = {
        "n_syllables": n_syllables,
        "syllables": included,
        "bigrams": bigrams,
        "metasyllable_of": lookup.tolist(),
        "merged": merged,
        "n_metasyllables": n_meta if merged else 0,
        "metasyllables": [m for m in meta_included if m < n_meta] if merged else [],
        "metabigrams": [b for b in meta_bigrams if max(b) < n_meta] if merged else [],
    }
    logger.info(
        "Feature vocabulary: %d of %d syllables, %d bigrams, %d metasyllables (from %d training videos)",
        len(included),
        n_syllables,
        len(bigrams),
        len(vocabulary["metasyllables"]),
        len(names),
    )
    return vocabulary
