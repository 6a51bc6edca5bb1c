"""Resolve the feature sets of the parameters into columns of the model input.

A set is a list of glob ``patterns`` on column names (``usage_*``, ``state_*``; works on any
external table) and/or catalogue ``families`` (``syllable_usage``, ``kinematics``, ...; needs the
``feature_catalogue`` table of feature_engineering, columns ``column, family``). A set that matches
no column of the table is left out of the comparison and logged.
"""

from __future__ import annotations

import fnmatch
import logging

import numpy as np
import pandas as pd

from unsupervised_aging.pipelines.model_evaluation.settings import FeatureSet
from unsupervised_aging.tables import require_columns

logger = logging.getLogger(__name__)


def resolve(
    feature_names: list[str], sets: tuple[FeatureSet, ...], catalogue: pd.DataFrame | None
) -> dict[str, np.ndarray]:
    """Column indices of each feature set.

    Parameters
    ----------
    feature_names
        ``n_features`` columns of the model input, in order.
    sets
        The sets of the parameters.
    catalogue
        The feature catalogue (``column``, ``family``), or None when the table has none.

    Returns
    -------
    dict
        Set name -> sorted ``(n_set_features,)`` indices (sets that match nothing are left out).

    Raises
    ------
    ValueError
        A set names families but no catalogue was given.
    """
    family_of: dict[str, str] = {}
    if catalogue is not None:
        require_columns(catalogue, ["column", "family"], "feature_catalogue", "rerun feature_engineering")
        family_of = dict(zip(catalogue["column"].astype(str), catalogue["family"].astype(str), strict=True))
    resolved = {}
    for feature_set in sets:
        if feature_set.families and catalogue is None:
            raise ValueError(
                f"model_evaluation.feature_sets.sets.{feature_set.name} names families "
                f"({', '.join(feature_set.families)}) but no feature catalogue is used; set "
                "feature_sets.use_catalogue: true (needs the feature_catalogue entry) or use patterns"
            )
        chosen = [
            i
            for i, name in enumerate(feature_names)
            if any(fnmatch.fnmatchcase(name, p) for p in feature_set.patterns)
            or family_of.get(name) in feature_set.families
        ]
        if chosen:
            resolved[feature_set.name] = np.array(chosen, dtype=int)
        else:
            logger.warning(
                "Feature set '%s' matches no column of the features table; left out", feature_set.name
            )
    return resolved
