"""The fits' JAX calls, as module-level functions the stall watchdog's worker process runs.

Each beats once per Gibbs iteration (``unsupervised_aging.kpms.private_api.iteration_heartbeats``),
so the watchdog in ``unsupervised_aging.kpms.watchdog`` tells a slow iteration from a stall, and
places the model where jax-moseq's steps return it (``on_mixed_map_device``), so they compile once.
Arrays travel between the processes as NumPy (:func:`on_host`): a JAX float64 array unpickled in
a worker that has not imported keypoint-moseq yet (which turns on JAX's 64-bit mode) becomes float32.
"""

from __future__ import annotations

from typing import Any

from unsupervised_aging.datasets.kpms_checkpoint import KpmsCheckpoint
from unsupervised_aging.kpms.config import with_indexes
from unsupervised_aging.kpms.private_api import iteration_heartbeats, on_mixed_map_device
from unsupervised_aging.kpms.watchdog import beat


def on_host(tree: Any) -> Any:
    """``tree`` with every JAX array copied to a NumPy array (dtype kept)."""
    import jax

    return jax.device_get(tree)


def scan_fit(
    data: dict, metadata: tuple, config: dict, pca: Any, kappa: float, iters: int, seed: int
) -> dict[str, Any]:
    """A short AR-HMM fit at one kappa, kept in memory (no checkpoint)."""
    import jax.random as jr
    import keypoint_moseq as kpms

    model = kpms.init_model(data, pca=pca, seed=jr.PRNGKey(seed), **with_indexes(config))
    model = on_mixed_map_device(kpms.update_hypparams(model, kappa=float(kappa)))
    with iteration_heartbeats(beat):
        model, _ = kpms.fit_model(
            model,
            data,
            metadata,
            num_iters=iters,
            ar_only=True,
            save_every_n_iters=None,
            generate_progress_plots=False,
            parallel_message_passing=False,
        )
    return on_host(model)


def init_fit(
    workspace: KpmsCheckpoint, data: dict, metadata: tuple, config: dict, pca: Any, seed: int, kappa: float
) -> dict[str, Any]:
    """A new model at AR kappa ``kappa``, saved as snapshot 0 of ``workspace`` (which it replaces)."""
    import jax.random as jr
    import keypoint_moseq as kpms

    model = kpms.init_model(data, pca=pca, seed=jr.PRNGKey(seed), **config)
    model = kpms.update_hypparams(model, kappa=kappa)
    workspace.path.unlink(missing_ok=True)
    kpms.save_hdf5(str(workspace.path), {"model_snapshots": {"0": model}, "metadata": metadata, "data": data})
    return on_host(model)


def fit_phase(
    model: dict,
    data: dict,
    metadata: tuple,
    start: int,
    stop: int,
    ar_only: bool,
    kappa: float,
    options: dict,
) -> dict[str, Any]:
    """Iterations ``start`` … ``stop`` of ``kpms.fit_model`` at ``kappa``, snapshots saved per ``options``."""
    import keypoint_moseq as kpms

    model = on_mixed_map_device(kpms.update_hypparams(model, kappa=kappa))
    with iteration_heartbeats(beat):
        model, _ = kpms.fit_model(
            model, data, metadata, start_iter=start, num_iters=stop, ar_only=ar_only, **options
        )
    return on_host(model)
