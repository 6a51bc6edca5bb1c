"""Reused and new results gathered into one results file, with metasyllables added."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from unsupervised_aging.kpms.syllables import lookup_metasyllables

Recording = dict[str, np.ndarray]


def _syllables(source: Mapping[str, Recording], name: str) -> np.ndarray:
    read = getattr(source, "read", None)  # KpmsResults reads one key without the rest
    return np.asarray(read(name, ("syllable",))["syllable"] if read else source[name]["syllable"])


def check_mapping_covers(sources: dict[str, Mapping[str, Recording]], lookup: np.ndarray) -> None:
    """Raise if a recording has a syllable that ``lookup`` does not map.

    Raises
    ------
    ValueError
        Naming the first such recording and its unmapped syllables.
    """
    for name, source in sources.items():
        raw = _syllables(source, name)
        unmapped = lookup_metasyllables(raw, lookup) < 0
        if unmapped.any():
            raise ValueError(
                f"{name}: syllable(s) {sorted(set(raw[unmapped].tolist()))[:5]} have no row in "
                "syllable_mapping; it was built for another model: rerun kpms_training"
            )


class RelabelledResults(Mapping[str, Recording]):
    """Recordings gathered from several results files, with metasyllables added.

    Each recording is read from its source when accessed (one in memory while saved).
    ``syllable`` stays the model's own syllables (what keypoint-moseq's functions expect);
    ``metasyllable`` is recomputed through ``lookup`` (a source's old one is replaced).

    Parameters
    ----------
    sources
        ``{name: mapping holding name}``, in the order to write.
    lookup
        Metasyllable per syllable, checked with :func:`check_mapping_covers`.
    attrs
        File-level attributes to save.
    """

    def __init__(
        self, sources: dict[str, Mapping[str, Recording]], lookup: np.ndarray, attrs: dict[str, Any]
    ) -> None:
        self._sources = sources
        self._lookup = lookup
        self.attrs = dict(attrs)

    def __getitem__(self, name: str) -> Recording:
        recording = dict(self._sources[name][name])
        recording["metasyllable"] = lookup_metasyllables(recording["syllable"], self._lookup)
        return recording

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)
