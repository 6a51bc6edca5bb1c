"""The raw ``metadata.csv`` a lab exports from its spreadsheet: read as typed, with one-line errors."""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

from unsupervised_aging.datasets.atomic_files import AtomicCSVDataset
from unsupervised_aging.datasets.errors import InputFileError

#: Every cell as typed (text), blank lines kept so a row's index + 2 is its line in a text editor.
DEFAULT_LOAD_ARGS: dict[str, Any] = {
    "dtype": str,
    "keep_default_na": False,
    "na_values": [""],
    "skip_blank_lines": False,
    "index_col": False,
}
_DECIMAL_COMMA = re.compile(r"\d,\d")


class MetadataCSVDataset(AtomicCSVDataset):
    """A user's metadata table, loaded as text; what Kedro would wrap becomes one line with the fix.

    Loading answers in one line, naming the file, for: a missing file, a file that is not UTF-8
    (Latin-1 / Windows exports of names such as ``âge``), an empty file, and a table separated by
    ``;`` or tabs (a spreadsheet's regional CSV, often with decimal commas). Values are left as
    text for the preprocessing checks, which report every bad cell by its CSV line.

    Parameters
    ----------
    filepath
        Path of the CSV file.
    load_args, save_args
        As for :class:`AtomicCSVDataset`; ``load_args`` are added to :data:`DEFAULT_LOAD_ARGS`.
    """

    def __init__(
        self,
        filepath: str,
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(filepath, {**DEFAULT_LOAD_ARGS, **(load_args or {})}, save_args, metadata)

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def load(self) -> pd.DataFrame:
        path = self._filepath
        if not path.is_file():
            what = "broken symbolic link" if path.is_symlink() else "no such file"
            raise InputFileError(
                f"{path}: {what}; write metadata.csv there (one row per video: name, mouse_id, age in "
                "weeks) or point raw_metadata at yours in conf/local/catalog.yml"
            )
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            char = raw[err.start : err.start + 1].decode("cp1252", errors="replace")
            raise InputFileError(
                f"{path}: not UTF-8 text (byte 0x{raw[err.start]:02x} on line {line}, {char!r} in "
                "Latin-1/Windows-1252); save it as UTF-8 (spreadsheet: 'CSV UTF-8'; or "
                f"iconv -f latin1 -t utf-8 '{path.name}')"
            ) from None
        if not text.strip():
            raise InputFileError(
                f"{path}: empty file; write a header line 'name,mouse_id,age' and one row per video"
            )
        self._check_separator(text)
        try:
            return pd.read_csv(io.StringIO(text), **self._load_args)
        except (pd.errors.ParserError, ValueError) as err:
            message = str(err).strip().splitlines()[-1]
            raise InputFileError(f"{path}: not a readable CSV table ({message}); fix that line") from None

    def _check_separator(self, text: str) -> None:
        if "sep" in self._load_args or "delimiter" in self._load_args:
            return
        header, *rest = text.splitlines()
        for sep, label in ((";", "';'"), ("\t", "tabs")):
            if sep in header and "," not in header:
                body = [line for line in rest[:50] if line.strip()]
                decimal = any(_DECIMAL_COMMA.search(line) for line in body)
                hint = " and its numbers decimal commas (12,5)" if decimal else ""
                raise InputFileError(
                    f"{self._filepath}: columns are separated by {label}{hint}, not by ','; save it as "
                    "comma-separated CSV with decimal points (spreadsheet: 'CSV UTF-8 (comma delimited)' "
                    "in an English locale)"
                )
