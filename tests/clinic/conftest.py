"""Clinic test fixtures: a throwaway PostgreSQL server, store backends, a live dashboard.

`pg_server` starts Debian's PostgreSQL (initdb in a tmp dir, run as the
`postgres` user because the tests run as root) on 127.0.0.1 with an ephemeral
port for the whole test session and stops it after; it skips, saying why,
when the binaries are absent. `store_url` parametrizes a test over a real
SQLite file and a fresh PostgreSQL database. `dashboard` serves the FastAPI
app with uvicorn in a thread on an ephemeral loopback port.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class PgServer:
    host: str
    port: int
    bindir: Path

    def create_database(self) -> str:
        name = "np_" + uuid.uuid4().hex[:12]
        subprocess.run(self._as_postgres([str(self.bindir / "createdb"), "-h", self.host,
                                          "-p", str(self.port), name]),
                       check=True, capture_output=True)
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{name}"

    @staticmethod
    def _as_postgres(cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (run .ci/system-packages)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as postgres")
    tmp = Path(tempfile.mkdtemp(prefix="np_pg_"))
    os.chmod(tmp, 0o777)
    data = tmp / "data"
    port = free_port()
    as_pg = PgServer._as_postgres
    subprocess.run(as_pg([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                          "postgres", "--no-sync", "-E", "UTF8"]),
                   check=True, capture_output=True)
    log = tmp / "pg.log"
    subprocess.run(as_pg([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                          "-o", f"-h 127.0.0.1 -p {port} -k {tmp} -F", "start"]),
                   check=True, capture_output=True)
    try:
        yield PgServer("127.0.0.1", port, bindir)
    finally:
        subprocess.run(as_pg([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                              "-w", "stop"]), capture_output=True, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store target on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "neuroplay.db")
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database()


@dataclass
class Served:
    url: str
    app: Any
    server: Any
    thread: threading.Thread


def serve(app: Any) -> Served:
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on", ws="websockets-sansio")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("dashboard did not start")
        time.sleep(0.02)
    return Served(f"http://127.0.0.1:{port}", app, server, thread)


def stop(served: Served) -> None:
    served.server.should_exit = True
    served.thread.join(timeout=10)


@pytest.fixture
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not found (run .ci/system-packages); browser tests need it")
    return CHROMIUM
