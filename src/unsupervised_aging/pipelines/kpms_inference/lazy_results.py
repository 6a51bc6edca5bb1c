"""Results mappings that hold one batch (or one recording) in memory while they are saved.

``KpmsResultsDataset.save`` iterates ``{recording: {key: array}}`` and reads one recording at a
time, so a node that returns one of these mappings keeps memory flat however many videos it
covers (Kedro's lazy saving, as ``PartitionedDataset`` does with callables): the work happens
while the dataset writes the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

Recording = dict[str, np.ndarray]


class BatchedResults(Mapping[str, Recording]):
    """Results of several batches, each computed when one of its recordings is first read.

    Reading in iteration order (batch after batch) computes every batch once and keeps only
    the current batch's results.

    Parameters
    ----------
    batches
        Recording names per batch, in processing order.
    run_batch
        Computes ``{name: recording}`` for one batch's names.
    attrs
        File-level attributes to save (``model_name``).
    """

    def __init__(
        self,
        batches: list[list[str]],
        run_batch: Callable[[list[str]], dict[str, Recording]],
        attrs: dict[str, Any],
    ) -> None:
        self._batches = batches
        self._batch_of = {name: i for i, names in enumerate(batches) for name in names}
        self._run_batch = run_batch
        self._current: tuple[int, dict[str, Recording]] | None = None
        self.attrs = dict(attrs)

    def __getitem__(self, name: str) -> Recording:
        i = self._batch_of[name]
        if self._current is None or self._current[0] != i:
            self._current = None  # release the previous batch before computing the next
            self._current = (i, self._run_batch(self._batches[i]))
        return self._current[1][name]

    def __iter__(self) -> Iterator[str]:
        return (name for names in self._batches for name in names)

    def __len__(self) -> int:
        return len(self._batch_of)


class RelabelledResults(Mapping[str, Recording]):
    """Recordings gathered from several results files, with metasyllables added.

    Each recording is read from its source when accessed. ``syllable`` stays the model's own
    syllables (what keypoint-moseq's functions expect); ``metasyllable`` becomes
    ``relabel(name, syllable)`` (recomputed, so a source's old ``metasyllable`` is replaced).

    Parameters
    ----------
    sources
        ``{name: mapping holding name}``, in the order to write.
    relabel
        Maps a recording's syllables ``(T,)`` to its metasyllables ``(T,)``.
    attrs
        File-level attributes to save.
    """

    def __init__(
        self,
        sources: dict[str, Mapping[str, Recording]],
        relabel: Callable[[str, np.ndarray], np.ndarray],
        attrs: dict[str, Any],
    ) -> None:
        self._sources = sources
        self._relabel = relabel
        self.attrs = dict(attrs)

    def __getitem__(self, name: str) -> Recording:
        recording = dict(self._sources[name][name])
        recording["metasyllable"] = self._relabel(name, np.asarray(recording["syllable"]))
        return recording

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)
