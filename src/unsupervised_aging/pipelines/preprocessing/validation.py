"""Checks of metadata.csv, cell by cell, and of its names against the pose files.

Every bad cell is reported at once, by its CSV line as a text editor shows it (header = line 1),
its column, its value and the fix (``unsupervised_aging.tables.raise_problems``), before any
output is written.
"""

from __future__ import annotations

import difflib
import logging
import unicodedata

import pandas as pd

from unsupervised_aging.tables import Problem, csv_line, number_problems, raise_problems

logger = logging.getLogger(__name__)

#: How errors name the raw metadata (the catalog entry ``raw_metadata``).
METADATA = "metadata.csv (raw_metadata)"
REQUIRED = ("name", "mouse_id", "age")
#: Optional columns that must be positive numbers when given (else the pose file's value is used).
POSITIVE = ("fps", "cm_per_pixel")


def normalise_name(name: object) -> str:
    """Unicode NFC form, so names typed in a CSV match file names written by another system."""
    return unicodedata.normalize("NFC", str(name))


def _listing(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _header_problems(raw: pd.DataFrame) -> list[Problem]:
    """A table whose header cannot be right: another separator, spaces after commas, missing columns."""
    columns = [str(c) for c in raw.columns]
    if len(columns) == 1 and (";" in columns[0] or "\t" in columns[0]):
        return [
            Problem(
                "line 1",
                "",
                "columns are separated by ';' or tabs, not ','; save it as comma-separated CSV with "
                "decimal points",
                columns[0],
            )
        ]
    spaced = [c for c in columns if c != c.strip()]
    if spaced:
        return [
            Problem(
                "line 1",
                "",
                f"spaces around column names {spaced}; remove the spaces after the commas (or add "
                "skipinitialspace: true to raw_metadata's load_args)",
            )
        ]
    return [
        Problem(
            "line 1",
            column,
            f"no '{column}' column (columns: {columns}); add it: name = pose file name less the "
            "format suffix, mouse_id, age in weeks",
        )
        for column in REQUIRED
        if column not in columns
    ]


def _text_problems(meta: pd.DataFrame, column: str, fix: str) -> list[Problem]:
    empty = meta[column].isna() | (meta[column].astype("string").str.strip() == "")
    return [Problem(csv_line(int(i)), column, fix, None) for i in meta.index[empty]]


def check_metadata(raw: pd.DataFrame, numeric: list[str]) -> pd.DataFrame:
    """Validate the metadata table's own content and report every bad cell at once.

    Parameters
    ----------
    raw
        ``metadata.csv`` as read (text cells); its index is the row's position in the file,
        blank lines included, so ``index + 2`` is the CSV line.
    numeric
        Optional columns that must be numbers or empty (targets such as ``frailty_index``).

    Returns
    -------
    pd.DataFrame
        The non-blank rows, with ``name`` NFC text, ``mouse_id`` text, and ``age``, ``fps``,
        ``cm_per_pixel`` and the ``numeric`` columns as floats.

    Raises
    ------
    InputTableError
        Listing every problem: a header that cannot be right (another separator, spaces after
        the commas, a missing required column), no data row, and per cell an empty or duplicate
        ``name``, an empty ``mouse_id``, an ``age`` that is not a positive number, an ``fps`` or
        ``cm_per_pixel`` given but not positive, a ``numeric`` column that is not a number.
    """
    raise_problems(METADATA, _header_problems(raw))
    meta = raw.loc[~raw.isna().all(axis=1)].copy()  # blank lines
    if meta.empty:
        raise_problems(
            METADATA,
            [Problem("line 2", "", "a header but no rows; add one row per video (name, mouse_id, age)")],
        )
    problems = _text_problems(meta, "name", "give every video its name (the pose file name less its suffix)")
    problems += _text_problems(meta, "mouse_id", "give every video the id of its mouse")
    meta["name"] = meta["name"].map(normalise_name, na_action="ignore")
    first_line = {}
    for i, name in meta["name"].dropna().items():
        if name in first_line:
            problems.append(
                Problem(csv_line(int(i)), "name", f"repeats {first_line[name]}; keep one row per video", name)
            )
        else:
            first_line[name] = csv_line(int(i))
    checks = [("age", True, True, "write age as a positive number of weeks")]
    checks += [(c, True, False, f"write {c} as a positive number, or leave it empty") for c in POSITIVE]
    checks += [(c, False, False, f"write {c} as a number, or leave it empty if unknown") for c in numeric]
    for column, positive, required, fix in checks:
        if column not in meta.columns:
            continue
        values, bad = number_problems(meta, column, positive=positive, required=required, fix=fix)
        problems += bad
        meta[column] = values
    problems.sort(key=lambda p: int(p.where.split()[1]))
    raise_problems(METADATA, problems)
    meta["mouse_id"] = meta["mouse_id"].astype(str).str.strip()
    return meta


def _nearest(name: str, others: list[str]) -> str:
    """Why ``name`` matches nothing in ``others``, naming the nearest one."""
    lowered = {o.casefold(): o for o in others}
    stripped = {o.strip(): o for o in others}
    if name.strip() in stripped and stripped[name.strip()] != name:
        return f"nearest {stripped[name.strip()]!r}: differs by spaces at the start or end"
    if name.casefold() in lowered:
        return f"nearest {lowered[name.casefold()]!r}: differs in upper/lower case"
    longer = [o for o in others if o.startswith(name) or name.startswith(o)]
    if longer:
        best = min(longer, key=lambda o: abs(len(o) - len(name)))
        extra = best[len(name) :] if len(best) > len(name) else name[len(best) :]
        return f"nearest {best!r}: differs by the suffix {extra!r}"
    close = difflib.get_close_matches(name, others, n=1, cutoff=0.6)
    return f"nearest {close[0]!r}" if close else "no similar name"


def match_names(meta_names: pd.Series, pose_names: list[str], strict: bool) -> list[str]:
    """Names present both in the metadata and among the pose files.

    Pose videos without a metadata row and rows without a pose video are listed in one warning
    (and left out of every later stage), each with its CSV line and the nearest name on the other
    side (a trailing space, a suffix, another case), or raise in strict mode.

    Parameters
    ----------
    meta_names
        ``name`` column of the checked metadata, indexed by row position in the file.
    pose_names
        Video names read from the pose files.

    Raises
    ------
    InputTableError
        In strict mode on any mismatch; always when no name matches.
    """
    meta_set, pose_set = set(meta_names), set(pose_names)
    common = sorted(meta_set & pose_set)
    only_meta = [(i, n) for i, n in meta_names.items() if n not in pose_set]
    only_pose = sorted(pose_set - meta_set)
    problems = [
        Problem(csv_line(int(i)), "name", f"no pose video of that name ({_nearest(n, sorted(pose_set))})", n)
        for i, n in only_meta
    ]
    problems += [
        Problem(f"pose video {n!r}", "", f"no metadata row ({_nearest(n, sorted(meta_set))})")
        for n in only_pose
    ]
    if not common:
        head = Problem(
            "every row",
            "name",
            "no row names a pose video; make 'name' the pose file name less its suffix "
            f"(pose videos: {_listing(sorted(pose_set), 5)})",
        )
        raise_problems(METADATA, [head, *problems])
    if problems:
        if strict:
            raise_problems(METADATA, problems, then="set preprocessing.strict: false to leave them out")
        listed = "; ".join(str(p) for p in problems)
        logger.warning(
            "%s: %d video(s) left out (preprocessing.strict: true makes this an error): %s",
            METADATA,
            len(problems),
            listed,
        )
    return common
