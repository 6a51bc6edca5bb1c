"""kpms_training nodes: config, PCA, kappa calibration, AR-HMM + keypoint-SLDS fits, model selection.

Every node takes the ``kpms_training`` parameters dict (``params:kpms_training``), read once into
:class:`~.settings.TrainingSettings`; the work is done in the modules each node names. keypoint-moseq
needs a project folder on disk only for checkpoints, which the fitting node gets from the catalog
(``kpms_fit_workspace_{seed}``). keypoint-moseq is imported inside functions: importing it takes ~17 s.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from unsupervised_aging.datasets.kpms_checkpoint import KpmsCheckpoint
from unsupervised_aging.kpms.poses import PoseLoaders
from unsupervised_aging.kpms.watchdog import Watchdog
from unsupervised_aging.pipelines.kpms_training import fitting, kappa, kpms_config, pca, selection
from unsupervised_aging.pipelines.kpms_training.kpms_data import format_training_data
from unsupervised_aging.pipelines.kpms_training.settings import TrainingSettings

STALL_HINT = (
    "Rerun to resume from the last snapshot (`kedro run --pipeline kpms_training`); if it stalls again, "
    "check that jaxlib is >= 0.11.1 (`uv sync --frozen`) or raise kpms_training.stall_timeout_s."
)


def build_kpms_config(
    poses: PoseLoaders, metadata: pd.DataFrame, training_set: pd.DataFrame, params: dict[str, Any]
) -> dict[str, Any]:
    """keypoint-moseq config from the parameters and the training videos (see ``kpms_config.build_config``).

    Returns
    -------
    dict
        The config as ``kpms.load_config`` reads it (no index arrays); ``latent_dim`` and
        ``kappa`` are set by later nodes.
    """
    return kpms_config.build_config(poses, metadata, training_set, TrainingSettings.from_params(params))


def fit_pca(
    poses: PoseLoaders, training_set: pd.DataFrame, config: dict[str, Any], params: dict[str, Any]
) -> tuple[Any, dict[str, Any], pd.DataFrame]:
    """PCA of the training poses and the latent dimension (see ``pca.fit``).

    Returns
    -------
    pca, config, variance
        The PCA, ``config`` with ``latent_dim``, and the explained variance per component.
    """
    settings = TrainingSettings.from_params(params)
    data, _, _ = format_training_data(poses, training_set, config, settings.max_frames_per_video)
    return pca.fit(data, config, settings)


def calibrate_kappa(
    poses: PoseLoaders, training_set: pd.DataFrame, config: dict[str, Any], pca: Any, params: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The AR-HMM kappa whose median syllable lasts closest to the target (see ``kappa.calibrate``).

    Returns
    -------
    scan, config
        One row per kappa tried (``selected`` marks the choice), and ``config`` with the full
        model's kappa.
    """
    settings = TrainingSettings.from_params(params)
    data, metadata, _ = format_training_data(poses, training_set, config, settings.max_frames_per_video)
    with Watchdog(settings.stall_timeout_s) as watchdog:
        return kappa.calibrate(data, metadata, config, pca, settings, watchdog, STALL_HINT)


def fit_kpms_model(
    poses: PoseLoaders,
    training_set: pd.DataFrame,
    config: dict[str, Any],
    pca: Any,
    kappa_scan: pd.DataFrame,
    workspace: KpmsCheckpoint,
    params: dict[str, Any],
    seed: int,
) -> tuple[KpmsCheckpoint, pd.DataFrame]:
    """AR-HMM warm-up then the full keypoint-SLDS for one seed, resuming an interrupted fit.

    See ``fitting.fit_seed``. The JAX calls run in a watchdog worker process: a stage that makes
    no progress (no Gibbs iteration, no CPU) for ``stall_timeout_s`` fails with one line naming
    this node (``fit_kpms_model_seed<seed>``) and the stage.

    Parameters
    ----------
    kappa_scan
        Output of :func:`calibrate_kappa`; its ``selected`` row gives the AR-HMM kappa.
    workspace
        Where keypoint-moseq writes the checkpoint while fitting (``<project>/<model>/checkpoint.h5``).
    seed
        Random seed of the model (JAX PRNG key).

    Returns
    -------
    checkpoint
        The finished checkpoint (``workspace``), snapshots ``0 … ar_iters + full_iters``.
    history
        ``iteration``, ``phase``, ``log_likelihood``, ``median_duration_ms`` per snapshot.
    """
    settings = TrainingSettings.from_params(params)
    ar_kappa = float(kappa_scan.loc[kappa_scan["selected"].astype(bool), "kappa"].iloc[0])
    data, metadata, names = format_training_data(poses, training_set, config, settings.max_frames_per_video)
    with Watchdog(settings.stall_timeout_s) as watchdog:
        checkpoint = fitting.fit_seed(
            data, metadata, names, config, pca, ar_kappa, workspace, settings, seed, watchdog, STALL_HINT
        )
    return checkpoint, fitting.fit_history(checkpoint, data, float(config["fps"]), settings.ar_iters)


def compare_models(*checkpoints: KpmsCheckpoint) -> tuple[dict[str, Any], dict[str, Any]]:
    """Select the best model by expected marginal likelihood (see ``selection.compare``).

    Returns
    -------
    comparison, selected
        Scores per model and the selected one, and ``{"model_name", "model"}`` of the best.
    """
    return selection.compare(list(checkpoints))
