"""Model selection by expected marginal likelihood (keypoint-moseq's own score)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from unsupervised_aging.datasets.kpms_checkpoint import KpmsCheckpoint

logger = logging.getLogger(__name__)


def compare(checkpoints: list[KpmsCheckpoint]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Score each model by ``kpms.expected_marginal_likelihoods`` and select the best.

    A single model cannot be scored (the score needs the others' trajectories) and is selected
    unscored.

    Returns
    -------
    comparison
        ``{"method", "selected", "models": [{"model_name", "score", "standard_error"}]}``.
    selected
        ``{"model_name": str, "model": dict}``: the best model's last snapshot.

    Raises
    ------
    ValueError
        If ``checkpoints`` is empty (an empty seed list).
    """
    import keypoint_moseq as kpms

    if not checkpoints:
        raise ValueError("No models to compare: kpms_training.seeds is empty; give at least one seed")
    names = [c.model_name for c in checkpoints]
    if len(checkpoints) > 1:
        scores, errors = kpms.expected_marginal_likelihoods(
            checkpoint_paths=[str(c.path) for c in checkpoints]
        )
        best = int(np.nanargmax(scores))
    else:
        logger.warning("Only one model (%s): expected marginal likelihood needs two; selecting it", names[0])
        scores, errors, best = np.array([np.nan]), np.array([np.nan]), 0
    comparison = {
        "method": "expected_marginal_likelihood",
        "selected": names[best],
        "models": [
            {
                "model_name": n,
                "score": None if np.isnan(s) else float(s),
                "standard_error": None if np.isnan(e) else float(e),
            }
            for n, s, e in zip(names, scores, errors, strict=True)
        ],
    }
    logger.info("Selected %s by expected marginal likelihood", names[best])
    return comparison, {"model_name": names[best], "model": checkpoints[best].model()}
