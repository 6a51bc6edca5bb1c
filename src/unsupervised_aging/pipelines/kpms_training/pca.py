"""PCA of the aligned training poses and the latent dimension it gives."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from unsupervised_aging.kpms.config import with_indexes
from unsupervised_aging.pipelines.kpms_training.settings import PARAMETERS_FILE, TrainingSettings

logger = logging.getLogger(__name__)


def check_pca_size(data: dict[str, Any], config: dict[str, Any], settings: TrainingSettings) -> None:
    """Refuse a latent dimension or a training set too small for the PCA's features.

    Parameters
    ----------
    data
        Formatted training data: ``Y`` ``(n_segments, seg_length, K_use, 2)``, ``mask``.

    Raises
    ------
    ValueError
        If ``latent_dim`` is outside ``1 … n_features`` or there are fewer than
        ``min_frames_per_feature x n_features`` frames.
    """
    n_use = len(config["use_bodyparts"])
    n_features = (n_use - 1) * int(np.shape(data["Y"])[-1])
    n_frames = int(np.asarray(data["mask"]).sum())
    latent_dim = settings.latent_dim
    if latent_dim is not None and not 1 <= latent_dim <= n_features:
        raise ValueError(
            f"kpms_training.latent_dim={latent_dim} must be between 1 and {n_features} "
            f"(2 x ({n_use} use_bodyparts - 1)); fix {PARAMETERS_FILE}"
        )
    min_frames = settings.min_frames_per_feature * n_features
    if n_frames < min_frames:
        raise ValueError(
            f"Training set has {n_frames} frames, too few to fit a {n_features}-feature PCA and latent "
            f"dimension {latent_dim or 'from variance'} (need >= {min_frames}); add videos to training_set"
        )


def fit(
    data: dict[str, Any], config: dict[str, Any], settings: TrainingSettings
) -> tuple[Any, dict[str, Any], pd.DataFrame]:
    """``kpms.fit_pca`` and the latent dimension: fixed, or the fewest PCs reaching the variance target.

    Returns
    -------
    pca
        scikit-learn PCA.
    config
        ``config`` with ``ar_hypparams.latent_dim`` set.
    variance
        ``n_components``, ``explained_variance_ratio``, ``cumulative``, ``selected``.
    """
    import keypoint_moseq as kpms

    check_pca_size(data, config, settings)
    pca = kpms.fit_pca(**data, **with_indexes(config))
    cumulative = np.cumsum(pca.explained_variance_ratio_)
    latent_dim = settings.latent_dim
    if latent_dim is None:
        target = settings.pca_variance_target
        latent_dim = int(min(np.searchsorted(cumulative, target) + 1, len(cumulative)))
        logger.info(
            "latent_dim=%d: the fewest PCs explaining >= %.0f%% of variance", latent_dim, 100 * target
        )
    config = {**config, "ar_hypparams": {**config["ar_hypparams"], "latent_dim": int(latent_dim)}}
    components = np.arange(1, len(cumulative) + 1)
    variance = pd.DataFrame(
        {
            "n_components": components,
            "explained_variance_ratio": pca.explained_variance_ratio_,
            "cumulative": cumulative,
            "selected": components == latent_dim,
        }
    )
    return pca, config, variance
