"""Checks of the tables that flow between stages, with one wording for every stage.

Every error is one line: ``<table>: <what is wrong>; <what to do>``. A stage that reads a table
another stage wrote calls these instead of writing its own check, so a missing column or a bad value
reads the same wherever it is caught. Input tables a user typed (``metadata.csv``) are checked cell
by cell with :func:`number_problems` and every :class:`Problem` is reported at once by
:func:`raise_problems`, each with its CSV line, column, value and fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
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


#: ``Problem.value`` of a problem that is not one cell's value (a missing column, a whole row).
NO_VALUE = object()


@dataclass(frozen=True)
class Problem:
    """One bad cell (or row, or file) of an input table, and what to do about it.

    Attributes
    ----------
    where
        ``"line 4"`` (CSV line as a text editor shows it, header = line 1) or a file name.
    column
        The column, or ``""`` when the problem is not one cell's.
    value
        The offending value as read (``None`` when empty).
    fix
        What the user should do, e.g. ``"write age as a positive number of weeks"``.
    """

    where: str
    column: str
    fix: str
    value: object = NO_VALUE

    def __str__(self) -> str:
        cell = f", column '{self.column}'" if self.column else ""
        value = "" if self.value is NO_VALUE else f" = {_shown(self.value)}"
        return f"{self.where}{cell}{value}: {self.fix}"


#: How many problems one error lists before summing up the rest.
MAX_LISTED = 40


def _shown(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(empty)"
    return repr(value)


def csv_line(index: int) -> str:
    """``"line <n>"`` of the row at 0-based position ``index`` of a CSV with one header line."""
    return f"line {index + 2}"


def raise_problems(table_name: str, problems: Sequence[Problem], then: str = "") -> None:
    """Raise one error listing every problem, or return when there is none.

    One problem reads as one line, ``<table>: <problem>[; <then>]``; several as a heading line
    ``<table>: <n> problems; fix them[ or <then>] and rerun:`` followed by one indented line per
    problem (the first :data:`MAX_LISTED`, then how many more).

    Raises
    ------
    InputTableError
        When ``problems`` is not empty.
    """
    if not problems:
        return
    if len(problems) == 1:
        raise InputTableError(f"{table_name}: {problems[0]}" + (f"; {then}" if then else ""))
    lines = [f"  {p}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"  … and {len(problems) - MAX_LISTED} more")
    head = f"{table_name}: {len(problems)} problems; fix them{f' or {then}' if then else ''} and rerun:"
    raise InputTableError("\n".join([head, *lines]))


class InputTableError(ValueError):
    """Bad input table; the message lists every problem with where it is and what to do."""


def number_problems(
    table: pd.DataFrame, column: str, *, positive: bool, required: bool, fix: str
) -> tuple[pd.Series, list[Problem]]:
    """Parse ``column`` as numbers and list every cell that is not one (or not > 0, or empty).

    Parameters
    ----------
    table
        A table read from CSV; its index is the row's 0-based position in the file.
    column
        The column to check.
    positive, required
        Whether values must be > 0, and whether an empty cell is a problem.
    fix
        What to do, appended to each problem (``"write age as a positive number of weeks"``).

    Returns
    -------
    values, problems
        ``(n_rows,)`` floats (NaN where empty or bad) and one :class:`Problem` per bad cell
        (a decimal comma, ``12,5``, gets its own fix).
    """
    raw = table[column]
    text = raw.astype("string").str.strip()
    empty = raw.isna() | (text == "")
    values = pd.to_numeric(raw.where(~empty), errors="coerce").astype(float)
    bad = ~empty & ~np.isfinite(values)
    if positive:
        bad |= ~empty & ~(values > 0)
    if required:
        bad |= empty
    comma = text.str.fullmatch(r"-?\d+,\d+").fillna(False).astype(bool)
    problems = [
        Problem(
            csv_line(int(i)),
            column,
            "use a decimal point, not a comma" if comma[i] else fix,
            None if empty[i] else raw[i],
        )
        for i in table.index[bad]
    ]
    return values.where(~bad), problems
