"""Bad input ends a ``kedro run`` with our message alone, not a page of Kedro and rich traceback.

An input error (a bad ``metadata.csv`` cell, an unusable pose file or folder, a stage whose last
run did not finish) is the user's to fix, not a bug: the traceback only hides the one line that
says what to do. :class:`InputErrorHooks` wraps ``sys.excepthook`` when the project runs from the
command line, so such an error prints ``Error: <message>`` (every line of a problem list) and the
process exits with status 1; any other exception keeps its full traceback. Notebooks and tests
(IPython and pytest report errors themselves) see the exceptions unchanged.
"""

from __future__ import annotations

import sys
from types import TracebackType

from kedro.framework.hooks import hook_impl

from unsupervised_aging.datasets.errors import InputFileError
from unsupervised_aging.pose_io import PoseFileError
from unsupervised_aging.stage_markers import StaleStageError
from unsupervised_aging.tables import InputTableError

INPUT_ERRORS: tuple[type[BaseException], ...] = (
    InputTableError,
    PoseFileError,
    InputFileError,
    StaleStageError,
)


def input_error_message(error: BaseException) -> str | None:
    """The message to show for ``error`` when it is, or wraps, an input error; else ``None``.

    Kedro's catalog re-raises a dataset's error as ``DatasetError("<entry>: <message>")``; the
    outermost message is kept because it names the catalog entry too.
    """
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, INPUT_ERRORS):
            return str(error) if str(seen) in str(error) else str(seen)
        seen = seen.__cause__
    return None


def _excepthook(previous):
    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        message = input_error_message(error)
        if message is None:
            previous(kind, error, tb)
        else:
            print(f"Error: {message}", file=sys.stderr)

    hook.wraps_input_errors = True
    return hook


class InputErrorHooks:
    """Install the one-line report of input errors for command-line runs."""

    @hook_impl
    def after_context_created(self) -> None:
        import click

        if click.get_current_context(silent=True) is not None and not getattr(
            sys.excepthook, "wraps_input_errors", False
        ):
            sys.excepthook = _excepthook(sys.excepthook)
