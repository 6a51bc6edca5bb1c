"""An external per-video features table (e.g. JABS gait and open-field measures) joined by video name.

The table is the optional catalog entry ``supervised_features``: a CSV with a ``name`` column (the
``name`` of ``metadata.csv``) and one numeric column per measure. Its columns get a prefix
(``sup_``), so they never collide with ours and the catalogue files them as ``supervised``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import pandas as pd

from unsupervised_aging.tables import require_columns

logger = logging.getLogger(__name__)

TABLE = "supervised_features"


def _shown(names: list[str]) -> str:
    return f"{names[:5]}{' …' if len(names) > 5 else ''}"


def _numeric_columns(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns as floats; wholly non-numeric columns dropped with a warning, mixed ones an error."""
    numeric, dropped = {}, []
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() & table[column].notna()
        if bad.any() and values.notna().sum() == 0:
            dropped.append(column)
        elif bad.any():
            row = bad.to_numpy().nonzero()[0][0]
            raise ValueError(
                f"{TABLE}: column '{column}' is numeric but holds {table[column].iloc[row]!r} for video "
                f"{table['name'].iloc[row]!r} (row {row + 2} of the CSV); write a number or leave it empty"
            )
        else:
            numeric[column] = values.astype(float)
    if dropped:
        logger.warning("%s: non-numeric columns %s are not features; they are left out", TABLE, dropped)
    return pd.DataFrame(numeric, index=table.index)


def merge_supervised(
    features: pd.DataFrame, supervised: pd.DataFrame, prefix: str, reserved: Iterable[str]
) -> pd.DataFrame:
    """Append the supervised table's columns, prefixed, to ``features`` (left join on ``name``).

    Parameters
    ----------
    features
        One row per video with a ``name`` column.
    supervised
        The ``supervised_features`` table; empty (no file) means no supervised features.
    prefix
        Prefix of the appended columns (``sup_``).
    reserved
        Metadata columns (``mouse_id``, targets, covariates): a supervised column of the same name
        is left out with a warning (a target must never become a feature).

    Returns
    -------
    pd.DataFrame
        ``features`` with ``<prefix><column>`` columns, NaN for videos the table lacks.

    Raises
    ------
    ValueError
        One line naming the videos with several rows, or the column and row of a non-number in a
        numeric column.
    """
    if supervised.empty and len(supervised.columns) <= 1:
        logger.info("%s: no table (no file); features have no supervised columns", TABLE)
        return features
    require_columns(supervised, ["name"], TABLE, "add a column 'name' with the video names of metadata.csv")
    table = supervised.assign(name=supervised["name"].astype(str)).reset_index(drop=True)
    duplicated = sorted(set(table.loc[table["name"].duplicated(), "name"]))
    if duplicated:
        raise ValueError(f"{TABLE}: videos {_shown(duplicated)} have several rows; keep one row per video")
    reserved = set(reserved)
    clashing = [c for c in table.columns if c in reserved]
    if clashing:
        logger.warning(
            "%s: columns %s are metadata columns, not features; they are left out", TABLE, clashing
        )
    values = _numeric_columns(table, [c for c in table.columns if c != "name" and c not in reserved])
    videos = set(features["name"])
    unmatched = sorted(set(table["name"]) - videos)
    if unmatched:
        logger.warning("%s: %d names match no video: %s", TABLE, len(unmatched), _shown(unmatched))
    without = sorted(videos - set(table["name"]))
    if without:
        logger.warning("%s: %d videos have no row (NaN features): %s", TABLE, len(without), _shown(without))
    logger.info("%s: %d columns for %d videos", TABLE, values.shape[1], len(videos) - len(without))
    prefixed = values.add_prefix(prefix).assign(name=table["name"])
    return features.merge(prefixed, on="name", how="left", validate="one_to_one")
