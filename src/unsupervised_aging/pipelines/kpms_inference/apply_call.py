"""One ``kpms.apply_model`` call, as the watchdog's worker process runs it.

Module-level so that the spawned worker can import it by name; it reports a heartbeat after
every Gibbs iteration (:func:`unsupervised_aging.kpms.private_api.iteration_heartbeats`), and the
model it initialises is placed so that each Gibbs step compiles once (``placed_initial_models``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from unsupervised_aging.kpms.config import with_indexes
from unsupervised_aging.kpms.private_api import iteration_heartbeats, placed_initial_models
from unsupervised_aging.kpms.watchdog import beat
from unsupervised_aging.pipelines.kpms_inference.fixed_shape import PADDING_KEY

Recording = dict[str, np.ndarray]


def apply_model(
    model: dict[str, Any],
    data: dict[str, np.ndarray],
    metadata: tuple[np.ndarray, np.ndarray],
    config: dict[str, Any],
    num_iters: int,
    parallel_message_passing: bool | None,
    mixed_map_iters: int,
) -> dict[str, Recording]:
    """Apply ``model`` to one formatted call.

    Parameters
    ----------
    model
        keypoint-moseq model dict (``params``, ``hypparams``, ``seed``, ...).
    data, metadata
        Output of :func:`~.fixed_shape.format_call`.
    config
        keypoint-moseq config (its ``init_model`` settings: heading keypoints, noise).
    num_iters
        Gibbs iterations.
    parallel_message_passing
        ``None``: keypoint-moseq's choice (off on a CPU); off cuts GPU memory 4-6x.
    mixed_map_iters
        n: jax-moseq's vectorised maps in n sequential chunks (~n x less memory).

    Returns
    -------
    dict
        ``{recording: {"syllable" (T,) int, "latent_state" (T, D), "centroid" (T, 2), "heading" (T,)}}``
        per piece of the call, padding left out.
    """
    import keypoint_moseq as kpms
    from jax_moseq.utils import get_mixed_map_iters, set_mixed_map_iters

    before = get_mixed_map_iters()
    set_mixed_map_iters(int(mixed_map_iters))
    try:
        with iteration_heartbeats(beat), placed_initial_models():
            results = kpms.apply_model(
                model,
                data,
                metadata,
                num_iters=int(num_iters),
                save_results=False,
                **{**with_indexes(config), "parallel_message_passing": parallel_message_passing},
            )
    finally:
        set_mixed_map_iters(before)
    return {
        str(name): {key: np.asarray(value) for key, value in recording.items()}
        for name, recording in results.items()
        if name != PADDING_KEY
    }
