"""Checks of metadata.csv against the pose files; each failure is one line naming what to fix."""

from __future__ import annotations

import logging
import unicodedata

import pandas as pd

logger = logging.getLogger(__name__)

#: How errors name the raw metadata (the catalog entry ``raw_metadata``).
METADATA = "metadata.csv (raw_metadata)"
REQUIRED = ("name", "mouse_id", "age")


def normalise_name(name: object) -> str:
    """Unicode NFC form, so names typed in a CSV match file names written by another system."""
    return unicodedata.normalize("NFC", str(name))


def _rows(mask: pd.Series, limit: int = 8) -> str:
    """CSV line numbers (header is line 1) of the rows where ``mask`` holds."""
    lines = [str(i + 2) for i in mask.to_numpy().nonzero()[0]]
    return ", ".join(lines[:limit]) + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


def _listing(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_metadata(raw: pd.DataFrame) -> pd.DataFrame:
    """Validate the metadata table's own content.

    Returns
    -------
    pd.DataFrame
        The table with ``name`` as NFC strings and ``age`` (and ``fps`` if present) numeric.

    Raises
    ------
    ValueError
        A missing required column, an empty or duplicate name, a non-numeric or empty age.
    """
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise ValueError(
            f"{METADATA}: no {', '.join(repr(c) for c in missing)} column (columns: {list(raw.columns)}); "
            "add it: name = pose file name less the format suffix, mouse_id, age in weeks"
        )
    meta = raw.reset_index(drop=True).copy()
    empty = meta["name"].isna() | (meta["name"].astype(str).str.strip() == "")
    if empty.any():
        raise ValueError(f"{METADATA}: empty 'name' in rows {_rows(empty)}; give every video its name")
    meta["name"] = meta["name"].map(normalise_name)
    duplicated = meta["name"].duplicated(keep=False)
    if duplicated.any():
        names = sorted(set(meta.loc[duplicated, "name"]))
        raise ValueError(
            f"{METADATA}: duplicate names {_listing(names)} in rows {_rows(duplicated)}; "
            "keep one row per video"
        )
    for column in ("age", "fps", "cm_per_pixel"):
        if column not in meta.columns:
            continue
        numeric = pd.to_numeric(meta[column], errors="coerce")
        bad = numeric.isna() & meta[column].notna()
        if bad.any():
            values = _listing([str(v) for v in meta.loc[bad, column]], 5)
            raise ValueError(
                f"{METADATA}: non-numeric '{column}' in rows {_rows(bad)} ({values}); "
                f"write {column} as a number{' of weeks' if column == 'age' else ''}"
            )
        if column == "age" and numeric.isna().any():
            raise ValueError(f"{METADATA}: empty 'age' in rows {_rows(numeric.isna())}; fill in every age")
        meta[column] = numeric
    meta["mouse_id"] = meta["mouse_id"].astype(str)
    return meta


def match_names(meta_names: list[str], pose_names: list[str], strict: bool) -> list[str]:
    """Names present both in the metadata and among the pose files.

    Pose files without a metadata row and rows without a pose file are listed in one warning
    (and left out of every later stage), or raise in strict mode.

    Raises
    ------
    ValueError
        In strict mode on any mismatch; always when no name matches.
    """
    meta_set, pose_set = set(meta_names), set(pose_names)
    only_pose, only_meta = sorted(pose_set - meta_set), sorted(meta_set - pose_set)
    common = sorted(meta_set & pose_set)
    if not common:
        raise ValueError(
            f"{METADATA}: no row names any pose file (pose videos: {_listing(sorted(pose_set), 5)}; "
            f"metadata names: {_listing(sorted(meta_set), 5)}); "
            "make 'name' the pose file name less its suffix"
        )
    if only_pose or only_meta:
        parts = []
        if only_pose:
            parts.append(f"{len(only_pose)} pose video(s) without a metadata row: {_listing(only_pose)}")
        if only_meta:
            parts.append(f"{len(only_meta)} metadata row(s) without a pose file: {_listing(only_meta)}")
        message = f"{METADATA}: " + "; ".join(parts)
        if strict:
            raise ValueError(message + "; fix them or set preprocessing.strict: false to skip them")
        logger.warning("%s; these are left out (preprocessing.strict: true makes this an error)", message)
    return common
