"""Every use of keypoint-moseq's private API, in one place (docs/architecture.md).

keypoint-moseq 0.8 has no public function for these; ``tests/kpms/test_private_api.py`` fails
when an upgrade changes what they rely on, so the upgrade is checked here and nowhere else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

#: The keypoint-moseq release these functions were checked against.
CHECKED_VERSION = "0.8.1"


def find_optimal_segment_length(lengths: Sequence[int], max_seg_length: int, min_fragment_length: int) -> int:
    """keypoint-moseq's choice of segment length for recordings of ``lengths`` frames.

    The same choice ``kpms.format_data`` makes when given no ``seg_length``: at most
    ``max_seg_length``, padding at most 50 %.
    """
    from keypoint_moseq.util import _find_optimal_segment_length

    return int(
        _find_optimal_segment_length(
            list(lengths), max_seg_length=int(max_seg_length), min_fragment_length=int(min_fragment_length)
        )
    )


def segment_overlap() -> int:
    """Frames by which ``kpms.format_data`` extends every segment into the next one.

    ``jax_moseq.utils.batch`` (called by ``format_data`` with its default ``seg_overlap``) cuts a
    recording into rows ``(0, L + overlap), (L, 2L + overlap), ...``; each row's last ``overlap``
    frames are context that the next row overwrites when the results are put back together.
    """
    import inspect

    from jax_moseq.utils import batch

    return int(inspect.signature(batch).parameters["seg_overlap"].default)


@contextlib.contextmanager
def iteration_heartbeats(beat: Callable[[], None]) -> Iterator[None]:
    """Call ``beat()`` after every Gibbs iteration of ``kpms.apply_model`` and ``kpms.fit_model``.

    Both loop over ``tqdm.trange(...)`` of the ``tqdm`` module that ``keypoint_moseq.fitting``
    imports; inside this block that name is a copy of the module whose ``trange`` beats once
    per finished iteration. Progress bars look the same.
    """
    import keypoint_moseq.fitting as fitting
    import tqdm

    class _BeatingBar(tqdm.tqdm):
        def __iter__(self) -> Iterator:
            for item in super().__iter__():
                yield item
                beat()  # the loop body (one iteration) has run

    def trange(*args: int, **kwargs: object) -> _BeatingBar:
        return _BeatingBar(range(*args), **kwargs)

    beating = type(tqdm)("tqdm")
    beating.__dict__.update(tqdm.__dict__)
    beating.trange = trange
    original = fitting.tqdm
    fitting.tqdm = beating
    try:
        yield
    finally:
        fitting.tqdm = original
