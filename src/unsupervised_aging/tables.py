"""Checks of the tables that flow between stages, with one wording for every stage.

Every error is one line: ``<table>: <what is wrong>; <what to do>``. A stage that reads a table
another stage wrote calls these instead of writing its own check, so a missing column or a bad value
reads the same wherever it is caught.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def require_columns(table: pd.DataFrame, columns: Iterable[str], table_name: str, fix: str) -> None:
    """Raise unless ``table`` has every column of ``columns``.

    Parameters
    ----------
    table
        Any table.
    columns
        The columns the caller needs.
    table_name
        The catalog name of the table, used in the message (``"metadata"``).
    fix
        What the user should do, e.g. ``"rerun preprocessing"``.

    Raises
    ------
    ValueError
        ``<table_name>: missing column(s) [...]; <fix>``.
    """
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(f"{table_name}: missing column(s) {missing}; {fix}")


def require_positive(
    table: pd.DataFrame, column: str, table_name: str, fix: str, key: str = "name"
) -> pd.Series:
    """Return ``table[column]`` as floats, raising if a value is missing, non-numeric or ≤ 0.

    Parameters
    ----------
    table
        A table with ``column`` and ``key``.
    column
        The column that must hold positive numbers (``"fps"``).
    table_name, fix
        As in :func:`require_columns`.
    key
        The column that names rows in the message.

    Returns
    -------
    Series
        ``(n_rows,)`` float values, same index as ``table``.

    Raises
    ------
    ValueError
        ``<table_name>: column '<column>' must be a positive number, not <value> for <key> [...]; <fix>``.
    """
    require_columns(table, [column, key], table_name, fix)
    values = pd.to_numeric(table[column], errors="coerce")
    bad = ~(values > 0)
    if bad.any():
        first = table.loc[bad].iloc[0]
        raise ValueError(
            f"{table_name}: column '{column}' must be a positive number, not {first[column]!r} for "
            f"{key} {table.loc[bad, key].astype(str).tolist()[:5]}; {fix}"
        )
    return values.astype(float)
