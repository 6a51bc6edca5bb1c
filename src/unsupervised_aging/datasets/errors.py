"""The error a dataset raises for a user's bad input file (as opposed to a bug or a failed write)."""

from kedro.io import DatasetError


class InputFileError(DatasetError):
    """A raw input file or folder that cannot be used; the message names it and what to do."""
