"""One seed's fit: AR-HMM warm-up then the full keypoint-SLDS, resumable from its snapshots."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import pandas as pd

from unsupervised_aging.datasets.kpms_checkpoint import KpmsCheckpoint
from unsupervised_aging.pipelines.kpms_training.kappa import median_duration_ms
from unsupervised_aging.pipelines.kpms_training.kpms_data import with_indexes
from unsupervised_aging.pipelines.kpms_training.settings import TrainingSettings
from unsupervised_aging.pipelines.kpms_training.watchdog import StallWatchdog

logger = logging.getLogger(__name__)


def fingerprint(config: dict, names: list[str], settings: list[Any]) -> str:
    """Hash of the settings that make an existing partial fit resumable."""
    payload = json.dumps([config, names, settings], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def start_or_resume(
    workspace: KpmsCheckpoint,
    data: dict,
    metadata: tuple,
    config: dict,
    pca: Any,
    seed: int,
    ar_kappa: float,
    expected: str,
) -> tuple[dict[str, Any], int]:
    """The model to continue from and its iteration: the last snapshot of a matching fit, else a new one.

    A new fit's initial model is saved as snapshot 0 with the ``fingerprint`` attribute
    ``expected``; snapshots of a fit with another fingerprint are discarded.
    """
    import h5py
    import jax.random as jr
    import keypoint_moseq as kpms

    done = workspace.iterations()
    if done and workspace.attrs().get("fingerprint") != expected:
        logger.warning("%s: left by a fit with other settings; starting afresh", workspace.path)
        done = []
    if done:
        logger.info("seed %d: resuming from snapshot %d in %s", seed, done[-1], workspace.path)
        return workspace.model(done[-1]), done[-1]
    model = kpms.init_model(data, pca=pca, seed=jr.PRNGKey(seed), **config)
    model = kpms.update_hypparams(model, kappa=ar_kappa)
    workspace.path.unlink(missing_ok=True)
    kpms.save_hdf5(str(workspace.path), {"model_snapshots": {"0": model}, "metadata": metadata, "data": data})
    with h5py.File(workspace.path, "a") as f:
        f.attrs["fingerprint"] = expected
    return model, 0


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
    watchdog: StallWatchdog,
) -> KpmsCheckpoint:
    """Fit (or finish) one seed's model in ``workspace`` and reindex its syllables by frequency.

    Snapshots are saved every ``save_every_n_iters``; a fit with the same config, videos, seed,
    AR iterations, AR kappa and ``max_frames_per_video`` continues from its last snapshot
    (raising ``full_iters`` extends a finished fit). The full model's kappa is
    ``config["trans_hypparams"]["kappa"]``.

    Raises
    ------
    RuntimeError
        If keypoint-moseq stopped early (NaNs).
    """
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
    with watchdog.stage("model initialisation"):
        model, start = start_or_resume(workspace, data, metadata, config, pca, seed, ar_kappa, expected)
    if start < ar_iters:
        logger.info("seed %d: AR-HMM iterations %d-%d (kappa %.3g)", seed, start, ar_iters, ar_kappa)
        with watchdog.stage(f"the AR-HMM fit (iterations {start}-{ar_iters})"):
            model, _ = kpms.fit_model(
                model, data, metadata, start_iter=start, num_iters=ar_iters, ar_only=True, **options
            )
        start = ar_iters
    if start < total:
        logger.info("seed %d: full-model iterations %d-%d (kappa %.3g)", seed, start, total, full_kappa)
        model = kpms.update_hypparams(model, kappa=full_kappa)
        with watchdog.stage(f"the full-model fit (iterations {start}-{total})"):
            kpms.fit_model(model, data, metadata, start_iter=start, num_iters=total, ar_only=False, **options)
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
