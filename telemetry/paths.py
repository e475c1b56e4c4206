"""Where NeuroPlay keeps a patient's data on this machine.

Precedence: an explicit directory (the CLI's `--data-dir`), then the
`NEUROPLAY_HOME` environment variable, then the per-user data directory from
platformdirs. Directories are created owner-only (0700) and files owner-only
(0600) because they hold health data; nothing here leaves the machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from core.files import atomic_write

__all__ = ["atomic_write"]  # the one atomic writer (core/files.py), at its old address

APP_NAME = "neuroplay"
ENV_HOME = "NEUROPLAY_HOME"
DB_FILENAME = "neuroplay.db"
DIR_MODE = 0o700
FILE_MODE = 0o600


def data_dir(override: str | os.PathLike[str] | None = None, *, create: bool = True) -> Path:
    """The data directory (created 0700 unless `create` is False)."""
    if override is not None and str(override) != "":
        path = Path(override).expanduser()
    elif os.environ.get(ENV_HOME):
        path = Path(os.environ[ENV_HOME]).expanduser()
    else:
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if create:
        ensure_private_dir(path)
    return path


def database_path(override: str | os.PathLike[str] | None = None, *, create: bool = True) -> Path:
    """The SQLite file inside the data directory."""
    return data_dir(override, create=create) / DB_FILENAME


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed; a directory we create is 0700."""
    if not path.exists():
        path.mkdir(parents=True, mode=DIR_MODE)
        os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask
    elif not path.is_dir():
        raise NotADirectoryError(f"{path} exists and is not a directory")
    return path


def touch_private_file(path: Path) -> None:
    """Create an empty 0600 file if missing (before SQLite creates it 0644)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    os.close(fd)
    os.chmod(path, FILE_MODE)
