"""keypoint-moseq's config as its functions take it (``**config``)."""

from __future__ import annotations

from typing import Any

import numpy as np


def with_indexes(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` plus ``anterior_idxs``/``posterior_idxs``, as ``kpms.load_config`` returns it.

    keypoint-moseq's functions (``format_data``, ``fit_pca``, ``init_model``, ``apply_model``)
    take the whole config as keyword arguments and pick what they need; the heading keypoints
    are needed as indexes into ``use_bodyparts``.

    Raises
    ------
    ValueError
        If a heading keypoint is not in ``use_bodyparts``.
    """
    use = list(config["use_bodyparts"])
    indexes = {}
    for key in ("anterior", "posterior"):
        parts = list(config[f"{key}_bodyparts"])
        missing = [b for b in parts if b not in use]
        if missing:
            raise ValueError(
                f"kpms config: {key}_bodyparts {missing} are not in use_bodyparts {use}; "
                "fix parameters_kpms_training.yml"
            )
        indexes[f"{key}_idxs"] = np.array([use.index(b) for b in parts])
    return {**config, **indexes}
