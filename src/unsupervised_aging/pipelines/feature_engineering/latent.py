"""Summary statistics of keypoint-moseq's continuous latent state (the original study's latent features)."""

from __future__ import annotations

import warnings

import numpy as np


def latent_columns(n_dims: int) -> list[tuple[str, str, int]]:
    """``(column, statistic, dimension)`` of every latent feature, in column order."""
    width = max(2, len(str(n_dims - 1)))
    return [
        (f"latent_{statistic}_{dim:0{width}d}", statistic, dim)
        for statistic in ("mean", "median", "std")
        for dim in range(n_dims)
    ]


def latent_features(latent_state: np.ndarray) -> dict[str, float]:
    """Mean, median and standard deviation of each latent dimension over one recording's frames.

    Parameters
    ----------
    latent_state
        ``(T, D)`` latent trajectory (keypoint-moseq's ``latent_state``, PCA units); NaN frames are
        left out.

    Returns
    -------
    dict
        ``latent_mean_03``, ``latent_median_03``, ``latent_std_03`` (population std) for each
        dimension; NaN for a dimension with no finite frame.
    """
    latent = np.asarray(latent_state, dtype=np.float64)
    with warnings.catch_warnings():  # numpy warns on an all-NaN dimension; NaN is the answer
        warnings.simplefilter("ignore", RuntimeWarning)
        values = {
            "mean": np.nanmean(latent, axis=0),
            "median": np.nanmedian(latent, axis=0),
            "std": np.nanstd(latent, axis=0),
        }
    return {
        column: float(values[statistic][dim]) for column, statistic, dim in latent_columns(latent.shape[1])
    }
