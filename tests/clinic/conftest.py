"""Clinic test fixtures: a throwaway PostgreSQL server, store backends, a live dashboard.

`pg_server` (a throwaway PostgreSQL server for the test session) and
`store_url` (a test over a real SQLite file and a fresh PostgreSQL database)
live in tests/conftest.py, shared with the telemetry store tests. `serve`
runs the FastAPI app with uvicorn in a thread on an ephemeral loopback port,
with the server options `neuroplay dashboard` uses.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest

from tests.pg_server import PgServer, free_port

CHROMIUM = "/usr/bin/chromium"


# The throwaway PostgreSQL server, `pg_server` and `store_url` are shared with the
# telemetry tests: tests/pg_server.py and tests/conftest.py. Re-exported here for
# the clinic tests that import them from this module.
__all__ = ["PgServer", "free_port"]


@dataclass
class Served:
    url: str
    app: Any
    server: Any
    thread: threading.Thread


def serve(app: Any) -> Served:
    import uvicorn

    from clinic.dashboard.app import server_options

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on", **server_options())
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
