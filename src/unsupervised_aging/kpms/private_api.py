"""Every use of keypoint-moseq's private API, in one place (docs/architecture.md).

keypoint-moseq 0.8 has no public function for these; ``tests/kpms/test_private_api.py`` fails
when an upgrade changes what they rely on, so the upgrade is checked here and nowhere else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

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


#: The axis name ``jax.pmap`` gives its mesh when given none (``jax._src.pmap``, JAX 0.12).
PMAP_AXIS_NAME = "_internal_pmap_axis_name"


def on_mixed_map_device(model: dict[str, Any]) -> dict[str, Any]:
    """``model`` with its ``states`` and ``params`` placed as jax-moseq's Gibbs steps return them.

    jax-moseq's ``mixed_map`` runs ``jax.pmap``, whose outputs are committed to a one-device mesh
    named :data:`PMAP_AXIS_NAME`; arrays made by ``init_model`` or sent from NumPy are not committed.
    ``jit`` keys its compiled code on that, so every Gibbs step compiled twice: once for the first
    iteration and again once its outputs came back (~20 s on a CPU per call shape). Placed like this
    from the start, each step compiles once. ``tests/kpms/test_private_api.py`` checks the placement
    against a real ``mixed_map`` output.
    """
    import jax
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    sharding = NamedSharding(Mesh(np.array(jax.devices()[:1]), (PMAP_AXIS_NAME,)), PartitionSpec())
    placed = {key: jax.device_put(model[key], sharding) for key in ("states", "params") if key in model}
    return {**model, **placed}


@contextlib.contextmanager
def placed_initial_models() -> Iterator[None]:
    """Inside this block, the model ``kpms.apply_model`` initialises is placed by :func:`on_mixed_map_device`.

    ``apply_model`` calls ``init_model`` from ``keypoint_moseq.fitting``'s namespace and goes straight
    into its Gibbs loop, so that name is swapped for the block, as :func:`iteration_heartbeats` swaps
    ``tqdm``.
    """
    import keypoint_moseq.fitting as fitting

    original = fitting.init_model

    def init_model(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return on_mixed_map_device(original(*args, **kwargs))

    fitting.init_model = init_model
    try:
        yield
    finally:
        fitting.init_model = original
