"""`atomic_write`: a file is either complete or absent, never half written.

One implementation for every writer (replays in vision/, exports and reports
in telemetry/, plan plots in the CLI): write to a 0600 temporary file beside the
target, fsync, rename over it on success; on any exception the temporary file
is removed and the target is untouched. Standard library only (core/ rule).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600  # owner-only: patient data and what is derived from it


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """Write to a 0600 temporary file beside `path`, rename over it on success.

    On any exception the temporary file is removed and `path` is untouched,
    so an export is either complete or absent. `mode` is "wb" or "w" (UTF-8).
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=parent)
    try:
        os.fchmod(fd, FILE_MODE)
        text_args: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **text_args) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
