"""Syllable ids (``s07``, as feature_engineering names columns) and the user's syllable names.

The names table has one row per syllable of the feature vocabulary: ``syllable`` (the id),
``label`` (a short name, empty until someone fills it in) and ``notes``. keypoint-moseq's labelling
widget (``kpms.label_syllables``) writes ``<project>/<model>/syll_info.csv`` with integer
``syllable``, ``label`` and ``short_description``; its entries fill the rows the user left empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from unsupervised_aging.tables import require_columns

NAME_COLUMNS = ("syllable", "label", "notes")


def syllable_id(syllable: int, n_syllables: int) -> str:
    """``s07``: the syllable's id, zero-padded as feature_engineering pads its column names.

    Parameters
    ----------
    syllable
        keypoint-moseq's syllable index.
    n_syllables
        The vocabulary's ``n_syllables`` (the padding width is that of ``n_syllables - 1``, at least 2).
    """
    width = max(2, len(str(n_syllables - 1)))
    return f"s{syllable:0{width}d}"


def vocabulary_ids(vocabulary: dict) -> dict[int, str]:
    """``{syllable index: id}`` of the syllables that have feature columns, in index order."""
    return {int(s): syllable_id(int(s), int(vocabulary["n_syllables"])) for s in vocabulary["syllables"]}


def _text(column: pd.Series) -> pd.Series:
    return column.fillna("").astype(str).str.strip()


def _check_user_table(table: pd.DataFrame, source: str, known: Sequence[str]) -> pd.DataFrame:
    """The user's table with text columns; raises naming the file and row on a bad or repeated id."""
    require_columns(table, ["syllable"], source, f"give it the columns {list(NAME_COLUMNS)}")
    table = table.reindex(columns=list(NAME_COLUMNS)).copy()
    for column in NAME_COLUMNS:
        table[column] = _text(table[column])
    pattern = r"^s\d+$"
    for row, value in enumerate(table["syllable"], start=2):  # row 1 is the header
        if not pd.Series([value]).str.match(pattern).iloc[0]:
            raise ValueError(
                f"{source}: row {row}: syllable {value!r} is not an id like {known[0] if known else 's07'}; "
                "use the ids the file was pre-filled with"
            )
    repeated = table["syllable"][table["syllable"].duplicated()].tolist()
    if repeated:
        raise ValueError(f"{source}: syllable(s) {repeated} have several rows; keep one row per syllable")
    return table


def _syll_info_labels(syll_info: pd.DataFrame | None, n_syllables: int) -> pd.DataFrame:
    """keypoint-moseq's ``syll_info.csv`` as ``syllable`` (id), ``label``, ``notes``."""
    if syll_info is None or syll_info.empty:
        return pd.DataFrame(columns=list(NAME_COLUMNS))
    require_columns(syll_info, ["syllable", "label"], "syll_info.csv", "rerun kpms.label_syllables")
    syllables = pd.to_numeric(syll_info["syllable"], errors="coerce")
    info = syll_info[syllables.notna()]
    notes = info["short_description"] if "short_description" in info else pd.Series("", index=info.index)
    return pd.DataFrame(
        {
            "syllable": [syllable_id(int(s), n_syllables) for s in syllables.dropna()],
            "label": _text(info["label"]).to_numpy(),
            "notes": _text(notes).to_numpy(),
        }
    )


def merge_names(
    vocabulary: dict, user_names: pd.DataFrame, syll_info: pd.DataFrame | None, source: str
) -> pd.DataFrame:
    """The names table for the vocabulary, keeping every entry the user or the widget wrote.

    Parameters
    ----------
    vocabulary
        feature_engineering's ``feature_vocabulary`` (``n_syllables``, ``syllables``).
    user_names
        The user's table (may be empty: first run).
    syll_info
        keypoint-moseq's ``syll_info.csv`` of the selected model, or ``None``.
    source
        The user file's path, for error messages.

    Returns
    -------
    pd.DataFrame
        ``syllable``, ``label``, ``notes``: the vocabulary's syllables in order (a user's label
        first, else the widget's, else empty), then rows of the user's table for syllables no longer
        in the vocabulary (kept, so nothing typed is lost).
    """
    ids = list(vocabulary_ids(vocabulary).values())
    user = _check_user_table(user_names, source, ids).set_index("syllable")
    widget = _syll_info_labels(syll_info, int(vocabulary["n_syllables"])).drop_duplicates("syllable")
    widget = widget.set_index("syllable")
    rows = []
    for sid in [*ids, *[s for s in user.index if s not in ids]]:
        row = {"syllable": sid, "label": "", "notes": ""}
        for column in ("label", "notes"):
            for table in (user, widget):
                if sid in table.index and table.at[sid, column]:
                    row[column] = table.at[sid, column]
                    break
        rows.append(row)
    return pd.DataFrame(rows, columns=list(NAME_COLUMNS))


def display_names(names: pd.DataFrame) -> dict[str, str]:
    """``{id: "s07 rear"}`` for plots: the id, then the label when one is filled in."""
    return {
        str(row.syllable): f"{row.syllable} {row.label}".strip() if row.label else str(row.syllable)
        for row in names.fillna("").itertuples()
    }
