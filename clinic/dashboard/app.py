"""The dashboard web app: pages, downloads, and the two live websockets.

Role: a thin HTTP layer over the telemetry store (patients, sessions,
trends, flags, plans, reports, exports), telemetry.clinic (accounts, login
sessions, station tokens) and `hub.Hub` (live stations). Every page but
/login needs a therapist; a therapist sees only the patients and stations of
their clinic, and a patient outside it answers 404 exactly like an unknown
one, so ids of other clinics do not leak. Every POST checks a CSRF token.
Stable addresses for integrations: `/login` (fields username, password,
csrf_token) and `/patients/<id>`.

Hardening (issue 13): the client address of a request is the socket peer,
unless that peer is a proxy the operator named (`trusted_proxies`, the CLI's
`--trusted-proxy`); logins are limited per account and per address with an
atomic count (telemetry.clinic). Every station frame is validated against
clinic.station_protocol (size, types, ranges, depth): `events` frames, whose
work grows with the events they carry, in a worker thread; a `hello` or a
live `state` (one bounded snapshot, 64 kB at most, ~30 us) on the loop, as a
thread hop at 10 Hz per station costs more than the check. A bad frame gets
an error reply and a log line and the connection stays usable.
Database lookups run in worker threads, so a long insert never holds up the
event loop that serves every page. Serve it with `server_options()` (uvicorn
must not rewrite the client address from headers, and bounds frame size).

Layout: `create_app` builds the shared `context.Dashboard` and includes one
router an area (`routers/`: auth, patients, plans, sessions, live,
stations); what the patient pages show is computed in `pages`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from clinic import station_protocol as protocol
from clinic.dashboard import auth, csrf
from clinic.dashboard.context import Dashboard, NotFound
from clinic.dashboard.hub import Hub
from clinic.dashboard.routers import ROUTERS
from telemetry.clinic import ClinicStore
from telemetry.store import Store

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'"),
}


def _pkg_dir(name: str) -> str:
    return str(resources.files("clinic.dashboard").joinpath(name))


def server_options() -> dict[str, Any]:
    """uvicorn settings the app's security relies on (the CLI and the tests use them).

    `proxy_headers=False`: uvicorn would otherwise take X-Forwarded-For from any
    loopback peer as the client address, so every forged header was a new
    address to the login limit; the app reads it only from named proxies.
    `ws_max_size`: the websocket layer closes the connection on a larger frame
    (code 1009) before it is buffered; frames up to it get a readable error reply.
    """
    return {"proxy_headers": False, "server_header": False, "ws": "websockets-sansio",
            "ws_max_size": 2 * protocol.MAX_FRAME_BYTES}


def parse_proxies(addresses: Sequence[str]) -> tuple[ipaddress.IPv4Network
                                                      | ipaddress.IPv6Network, ...]:
    """`--trusted-proxy` values (addresses or networks) -> networks; ValueError names a bad one."""
    out = []
    for a in addresses:
        try:
            out.append(ipaddress.ip_network(a.strip(), strict=False))
        except ValueError:
            raise ValueError(f"--trusted-proxy {a!r} is not an IP address or network") from None
    return tuple(out)


def create_app(store: Store, *, secure_cookies: bool = False,
               clinic: ClinicStore | None = None,
               trusted_proxies: Sequence[str] = ()) -> FastAPI:
    """The dashboard over an open store (the caller owns and closes it).

    `trusted_proxies`: addresses or networks of the reverse proxies in front of
    the dashboard; only from them is X-Forwarded-For believed.
    """
    clinic = clinic or ClinicStore(store.engine)
    proxies = parse_proxies(trusted_proxies)
    app = FastAPI(title="NeuroPlay dashboard", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.mount("/static", StaticFiles(directory=_pkg_dir("static")), name="static")
    hub = Hub(clinic.record_station_events)
    app.state.hub = hub
    app.state.clinic = clinic
    app.state.store = store
    app.state.dashboard = Dashboard(store, clinic, hub,
                                    Jinja2Templates(directory=_pkg_dir("templates")),
                                    proxies, secure_cookies)
    app.add_exception_handler(auth.LoginRequired, _login_required)
    app.add_exception_handler(csrf.CsrfRejected, _csrf_rejected)
    app.add_exception_handler(NotFound, _not_found)
    app.middleware("http")(_security_headers)
    for router in ROUTERS:
        app.include_router(router)
    return app


# ------------------------------------------------------------ error answers
async def _login_required(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/") or request.method != "GET":
        return PlainTextResponse("login required", status_code=401)
    return RedirectResponse("/login", status_code=303)


async def _csrf_rejected(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("CSRF token missing or wrong; reload the page", status_code=403)


async def _not_found(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("not found", status_code=404)


async def _security_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
    response: Response = await call_next(request)
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
