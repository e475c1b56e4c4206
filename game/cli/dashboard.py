"""`neuroplay dashboard`: serve the therapist dashboard (clinic mode) with uvicorn.

Thin layer: opens the store (`--db URL` or $NEUROPLAY_DB for a clinic's
PostgreSQL, else the data directory's SQLite file), builds the FastAPI app
and serves it. Loopback by default; serving on another address is the
clinic's choice (put it behind https). X-Forwarded-For is believed only from
the proxies named with `--trusted-proxy`. Errors: one line, exit status 2.
"""

from __future__ import annotations

import os
from typing import Any

import click

from game.cli.errors import UserError

DB_HELP = "Database URL, e.g. postgresql+psycopg://user@host/db (default: $NEUROPLAY_DB, else the data directory's SQLite file)."
DATA_DIR_HELP = "Data directory (default: $NEUROPLAY_HOME or the per-user data directory)."


def open_clinic_store(db: str | None, data_dir: str | None) -> Any:
    """The store for clinic commands: --db, then $NEUROPLAY_DB, then the data directory."""
    from telemetry.errors import StoreError
    from telemetry.store import ENV_DB, Store

    target = db or os.environ.get(ENV_DB) or None
    try:
        return Store.open(target, data_dir=data_dir)
    except StoreError as exc:
        raise UserError(str(exc)) from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
              help="TCP port to listen on (stations use it in --clinic http://HOST:PORT).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.option("--db", default=None, help=DB_HELP)
@click.option("--secure-cookies", is_flag=True,
              help="Mark cookies Secure (when an https proxy serves the dashboard).")
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, metavar="ADDR",
              help="Address or network of a reverse proxy in front of the dashboard; only its "
                   "X-Forwarded-For is believed (repeatable). Default: none, the header is "
                   "ignored.")
def dashboard(host: str, port: int, data_dir: str | None, db: str | None,
              secure_cookies: bool, trusted_proxies: tuple[str, ...]) -> None:
    """Serve the therapist dashboard (patients, plans, reports, live stations)."""
    import logging

    import uvicorn

    from clinic.dashboard.app import create_app, parse_proxies, server_options

    try:
        parse_proxies(trusted_proxies)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    store = open_clinic_store(db, data_dir)
    try:
        app = create_app(store, secure_cookies=secure_cookies, trusted_proxies=trusted_proxies)
        logging.basicConfig(level=logging.WARNING,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        click.echo(f"NeuroPlay dashboard on http://{host}:{port}/ ({store.where})")
        uvicorn.run(app, host=host, port=port, log_level="warning", **server_options())
    finally:
        store.close()
