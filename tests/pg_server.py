"""A throwaway PostgreSQL server for the store tests (telemetry and clinic).

Issue 7 asks that the store's tests run on SQLite and on PostgreSQL. CI
installs Debian's PostgreSQL (`.ci/system-packages`), so the tests start their
own server rather than waiting for someone to provide one: `initdb` in a
temporary directory, run as the `postgres` user when the tests run as root
(PostgreSQL refuses root), listening on 127.0.0.1 at a free port and on a
private socket directory, and stopped and deleted afterwards.

Each test gets a fresh, empty database (`CREATE DATABASE` over one kept
admin connection: cheaper than a `createdb` subprocess per test). `NEUROPLAY_TEST_PG` (a SQLAlchemy URL of a scratch database)
overrides all this: the tests then use that server and give each test its own
schema in that database, dropped at the end.

Why a plain module and not only a fixture: `tests/conftest.py` wraps it in the
session-scoped `pg_server` fixture, and tests that need their own server
handling can import it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

ENV_URL = "NEUROPLAY_TEST_PG"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_bindir() -> Path | None:
    """Debian's versioned server binaries (the newest), or `initdb` on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def unavailable_reason() -> str | None:
    """Why no throwaway server can be started here, or None when one can."""
    if pg_bindir() is None:
        return "PostgreSQL server binaries not found (run .ci/system-packages)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: cannot start PostgreSQL as postgres"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[dev]')"
    return None


class PgTarget(Protocol):
    """What a test needs: a URL of a fresh, empty database per call."""

    def create_database(self) -> str: ...


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class PgServer:
    """A server this test run started; `create_database()` is cheap."""

    host: str
    port: int
    bindir: Path
    user: str = "postgres"
    _admin: Any = field(default=None, repr=False)

    def _conn(self) -> Any:
        import psycopg

        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(host=self.host, port=self.port, user=self.user,
                                          dbname="postgres", autocommit=True)
        return self._admin

    def create_database(self) -> str:
        name = "np_" + uuid.uuid4().hex[:12]
        self._conn().execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{name}"

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()


@dataclass
class ExternalPg:
    """The scratch database named by NEUROPLAY_TEST_PG: one schema per test."""

    url: str
    schemas: list[str] = field(default_factory=list)

    def _run(self, sql: str) -> None:
        from sqlalchemy import create_engine

        from telemetry.store import database_url

        engine = create_engine(database_url(self.url), future=True)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(sql)
        finally:
            engine.dispose()

    def create_database(self) -> str:
        name = "np_" + uuid.uuid4().hex[:12]
        self._run(f'CREATE SCHEMA "{name}"')
        self.schemas.append(name)
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}options={quote(f'-csearch_path={name}')}"

    def close(self) -> None:
        for name in self.schemas:
            self._run(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        self.schemas.clear()


@contextmanager
def throwaway_server() -> Iterator[PgServer]:
    """Start a private server for the duration of the block (fsync off: scratch data)."""
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    bindir = pg_bindir()
    assert bindir is not None
    tmp = Path(tempfile.mkdtemp(prefix="np_pg_"))
    os.chmod(tmp, 0o777)  # the postgres user writes the cluster and socket here
    data = tmp / "data"
    port = free_port()
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                                 "-U", "postgres", "--no-sync", "-E", "UTF8"]),
                   check=True, capture_output=True)
    log = tmp / "pg.log"
    started = False
    server: PgServer | None = None
    try:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log),
                                     "-w", "-o", f"-h 127.0.0.1 -p {port} -k {tmp} -F",
                                     "start"]),
                       check=True, capture_output=True)
        started = True
        server = PgServer("127.0.0.1", port, bindir)
        yield server
    finally:
        if server is not None:
            server.close()
        if started:
            subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m",
                                         "immediate", "-w", "stop"]),
                           capture_output=True, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def pg_target() -> Iterator[PgTarget]:
    """NEUROPLAY_TEST_PG when set, else a throwaway server (RuntimeError saying
    why when neither is possible)."""
    url = os.environ.get(ENV_URL)
    if url:
        ext = ExternalPg(url)
        try:
            yield ext
        finally:
            ext.close()
        return
    with throwaway_server() as server:
        yield server
