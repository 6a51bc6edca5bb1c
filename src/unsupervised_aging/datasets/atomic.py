"""Atomic writes: every artefact is written to a temporary file, then renamed into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# mkstemp creates files readable by their owner only; artefacts get the permissions a plain
# open() would give them (the process umask), so a lab's shared project folder stays readable.
_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` and rename it onto ``target`` on success.

    A crash or exception inside the block leaves ``target`` as it was (absent or old)
    and removes the temporary file, so no reader ever sees a half-written artefact.

    Parameters
    ----------
    target
        Final location of the file; its folder is created if missing.

    Yields
    ------
    Path
        Where to write; same folder (and filesystem) as ``target``, so the rename is atomic.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():
            os.chmod(tmp_path, FILE_MODE)
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)
