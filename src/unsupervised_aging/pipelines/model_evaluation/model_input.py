"""Turn a features table (ours or any external CSV) into arrays for grouped model evaluation."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

#: How error messages name the input: the catalog entry a user can point at another CSV.
SOURCE = "features table (catalog entry 'features')"


@dataclass(frozen=True)
class ModelInput:
    """Everything the evaluation needs, with validated shapes.

    Attributes
    ----------
    X
        ``(n_videos, n_features)`` float array; NaN where a feature is missing.
    y
        ``(n_videos,)`` float target.
    groups
        ``(n_videos,)`` group labels as strings (one per mouse); no video shares a mouse across
        train and test.
    names
        ``(n_videos,)`` video names.
    feature_names
        ``n_features`` column names, in the order of ``X``'s columns.
    target, group
        The column names the user chose.
    covariate
        ``(n_videos,)`` the covariate of the age-only baselines (``age``; NaN where missing).
    feature_sets
        Feature set name -> ``(n_set_features,)`` column indices into ``X`` (``feature_sets``).
    """

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    names: np.ndarray
    feature_names: list[str]
    target: str
    group: str
    covariate: np.ndarray
    feature_sets: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_groups(self) -> int:
        """Number of distinct groups (mice)."""
        return len(np.unique(self.groups))


def _numeric_target(table: pd.DataFrame, target: str) -> pd.Series:
    if target not in table.columns:
        raise ValueError(
            f"{SOURCE} has no target column '{target}' (columns: {', '.join(map(str, table.columns[:12]))}"
            f"{', …' if table.shape[1] > 12 else ''}); set model_evaluation.target to one of them"
        )
    raw = table[target]
    values = pd.to_numeric(raw, errors="coerce")
    bad = raw[values.isna() & raw.notna()]
    if len(bad):
        raise ValueError(
            f"{SOURCE}: target column '{target}' is not numeric "
            f"(e.g. {bad.iloc[0]!r} in row {bad.index[0]}); "
            "fix those values or choose a numeric model_evaluation.target"
        )
    return values.astype(float)


def prepare_model_input(
    table: pd.DataFrame,
    target: str,
    group: str,
    id_column: str,
    exclude_columns: list[str],
    min_groups: int,
    covariate: str,
) -> ModelInput:
    """Validate a features table and split it into features, target, groups and names.

    Features are every numeric (or boolean) column except the target, the group, the id and
    ``exclude_columns`` (e.g. other targets such as ``frailty_index``, which would leak). Other
    columns (``sex``, ``strain``, …) are left out and logged, all-NaN features are dropped and
    logged, infinities become NaN (imputed inside the folds), and videos with no target are
    dropped and logged.

    Parameters
    ----------
    table
        ``(n_videos, n_columns)`` features table.
    target, group, id_column
        Column names of the target (e.g. ``age``), of the grouping unit (e.g. ``mouse_id``) and of
        the video name (made up from the row number when absent).
    exclude_columns
        Columns never used as features.
    min_groups
        Fewest distinct groups the cross-validation needs (the number of outer folds).
    covariate
        Column of the age-only baselines (kept out of the features; NaN when absent).

    Returns
    -------
    ModelInput

    Raises
    ------
    ValueError
        One line naming the column and what to fix: missing or non-numeric target, missing group
        column or values, constant target, fewer groups than ``min_groups``, no features.
    """
    y = _numeric_target(table, target)
    if group not in table.columns:
        raise ValueError(
            f"{SOURCE} has no group column '{group}'; set model_evaluation.group to the column that "
            f"identifies the animal (videos of one animal never go to both train and test)"
        )
    missing_y = y.isna()
    if missing_y.any():
        logger.warning(
            "Dropping %d of %d videos without a '%s' value", int(missing_y.sum()), len(table), target
        )
        table, y = table.loc[~missing_y], y.loc[~missing_y]
    if table[group].isna().any():
        rows = table.index[table[group].isna()].tolist()[:5]
        raise ValueError(
            f"{SOURCE}: group column '{group}' is empty in rows {rows}; fill in every video's {group}"
        )
    if y.nunique() < 2:
        raise ValueError(
            f"{SOURCE}: target column '{target}' is constant ({y.iloc[0] if len(y) else 'no values'}); "
            f"a regression needs varying values — check the column or choose another model_evaluation.target"
        )
    groups = table[group].astype(str).to_numpy()
    n_groups = len(np.unique(groups))
    if n_groups < min_groups:
        raise ValueError(
            f"{SOURCE}: only {n_groups} distinct '{group}' values but {min_groups} outer folds; "
            f"lower model_evaluation.outer_folds to at most {n_groups} or add animals"
        )
    if id_column in table.columns:
        names = table[id_column].astype(str).to_numpy()
    else:
        logger.warning("%s has no '%s' column; naming videos row_<i>", SOURCE, id_column)
        names = np.array([f"row_{i}" for i in range(len(table))])

    reserved = {target, group, id_column, covariate, *exclude_columns}
    candidates = [c for c in table.columns if c not in reserved]
    numeric = [c for c in candidates if pd.api.types.is_numeric_dtype(table[c]) or table[c].dtype == bool]
    left_out = [c for c in candidates if c not in numeric]
    if left_out:
        logger.info("Leaving out %d non-numeric columns: %s", len(left_out), ", ".join(map(str, left_out)))
    features = table[numeric].astype(float).replace([np.inf, -np.inf], np.nan)
    all_nan = features.columns[features.isna().all()].tolist()
    if all_nan:
        logger.warning("Dropping %d all-NaN feature columns: %s", len(all_nan), ", ".join(map(str, all_nan)))
        features = features.drop(columns=all_nan)
    if features.shape[1] == 0:
        raise ValueError(
            f"{SOURCE} has no numeric feature columns besides '{target}', '{group}' and "
            f"model_evaluation.exclude_columns; check the file"
        )
    logger.info(
        "Model input: %d videos from %d %s groups, %d features, target '%s'",
        len(features),
        n_groups,
        group,
        features.shape[1],
        target,
    )
    return ModelInput(
        X=features.to_numpy(dtype=float),
        y=y.to_numpy(dtype=float),
        groups=groups,
        names=names,
        feature_names=[str(c) for c in features.columns],
        target=target,
        group=group,
        covariate=(
            pd.to_numeric(table[covariate], errors="coerce").to_numpy(dtype=float)
            if covariate in table.columns
            else np.full(len(table), np.nan)
        ),
    )
