"""One seed's fit: AR-HMM warm-up then the full keypoint-SLDS, resumable from its snapshots."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import pandas as pd

from unsupervised_aging.datasets.kpms_checkpoint import KpmsCheckpoint
from unsupervised_aging.kpms.config import with_indexes
from unsupervised_aging.kpms.watchdog import Watchdog
from unsupervised_aging.pipelines.kpms_training import workers
from unsupervised_aging.pipelines.kpms_training.kappa import median_duration_ms
from unsupervised_aging.pipelines.kpms_training.settings import TrainingSettings

logger = logging.getLogger(__name__)


def fingerprint(config: dict, names: list[str], settings: list[Any]) -> str:
    """Hash of the settings that make an existing partial fit resumable."""
    payload = json.dumps([config, names, settings], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def resumable_snapshot(workspace: KpmsCheckpoint, expected: str, seed: int) -> int | None:
    """The last snapshot of a fit in ``workspace`` with fingerprint ``expected``, else ``None``."""
    done = workspace.iterations()
    if done and workspace.attrs().get("fingerprint") != expected:
        logger.warning("%s: left by a fit with other settings; starting afresh", workspace.path)
        return None
    if done:
        logger.info("seed %d: resuming from snapshot %d in %s", seed, done[-1], workspace.path)
        return done[-1]
    return None


def fit_seed(
    data: dict[str, Any],
    metadata: tuple,
    names: list[str],
    config: dict[str, Any],
    pca: Any,
    ar_kappa: float,
    workspace: KpmsCheckpoint,
    settings: TrainingSettings,
    seed: int,
    watchdog: Watchdog,
    hint: str,
) -> KpmsCheckpoint:
    """Fit (or finish) one seed's model in ``workspace`` and reindex its syllables by frequency.

    Snapshots are saved every ``save_every_n_iters``; a fit with the same config, videos, seed,
    AR iterations, AR kappa and ``max_frames_per_video`` continues from its last snapshot
    (raising ``full_iters`` extends a finished fit). The full model's kappa is
    ``config["trans_hypparams"]["kappa"]``. The JAX calls run in ``watchdog``'s worker: a stage
    that stalls raises ``StallError`` naming the node (``fit_kpms_model_seed<seed>``) and the
    stage, with ``hint``.

    Raises
    ------
    RuntimeError
        If keypoint-moseq stopped early (NaNs).
    """
    import h5py
    import keypoint_moseq as kpms

    ar_iters, total = settings.ar_iters, settings.ar_iters + settings.full_iters
    full_kappa = float(config["trans_hypparams"]["kappa"])
    config = with_indexes(config)
    resume_key = [seed, ar_iters, ar_kappa, settings.max_frames_per_video]
    expected = fingerprint({k: v for k, v in config.items() if not k.endswith("_idxs")}, names, resume_key)
    options = {
        "project_dir": str(workspace.project_dir),
        "model_name": workspace.model_name,
        "save_every_n_iters": settings.save_every_n_iters,
        "generate_progress_plots": False,
        "parallel_message_passing": False,
    }
    node = f"fit_kpms_model_seed{seed}"
    host_data = workers.on_host(data)
    start = resumable_snapshot(workspace, expected, seed)
    if start is None:
        model, start = (
            watchdog.call(
                workers.init_fit, workspace, host_data, metadata, config, pca, seed, ar_kappa,
                what=f"{node}, model initialisation", hint=hint,
            ),
            0,
        )  # fmt: skip
        with h5py.File(workspace.path, "a") as f:
            f.attrs["fingerprint"] = expected
    else:
        model = workers.on_host(workspace.model(start))
    phases = [(ar_iters, True, ar_kappa, "AR-HMM"), (total, False, full_kappa, "full-model")]
    for stop, ar_only, kappa, label in phases:
        if start >= stop:
            continue
        logger.info("seed %d: %s iterations %d-%d (kappa %.3g)", seed, label, start, stop, kappa)
        model = watchdog.call(
            workers.fit_phase, model, host_data, metadata, start, stop, ar_only, kappa, options,
            what=f"{node}, the {label} fit (iterations {start}-{stop})", hint=hint,
        )  # fmt: skip
        start = stop
    reached = workspace.iterations()[-1]
    if reached < total:
        raise RuntimeError(
            f"seed {seed}: fitting stopped at iteration {reached} of {total} (NaNs, see the log); rerun to "
            f"resume from {workspace.path} or lower kappa / raise jitter"
        )
    kpms.reindex_syllables_in_checkpoint(path=str(workspace.path))
    return workspace


def fit_history(checkpoint: KpmsCheckpoint, data: dict, fps: float, ar_iters: int) -> pd.DataFrame:
    """Log-likelihood and median syllable duration at each saved snapshot of a fit.

    Returns
    -------
    DataFrame
        ``iteration``, ``phase`` (``ar`` up to ``ar_iters``, then ``full``), ``log_likelihood``,
        ``median_duration_ms``.
    """
    import jax
    from jax_moseq.models.keypoint_slds import model_likelihood

    rows = []
    for iteration in checkpoint.iterations():
        model = checkpoint.model(iteration)
        terms = model_likelihood(
            data, model["states"], model["params"], model["hypparams"], model["noise_prior"]
        )
        rows.append(
            {
                "iteration": iteration,
                "phase": "ar" if iteration <= ar_iters else "full",
                "log_likelihood": float(sum(float(v) for v in jax.device_get(terms).values())),
                "median_duration_ms": median_duration_ms(model, data, fps),
            }
        )
    return pd.DataFrame(rows)
