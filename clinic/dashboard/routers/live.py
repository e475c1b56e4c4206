"""The therapist's live view: the page, the browser's websocket, commands to a station."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse, Response

from clinic.dashboard import auth
from clinic.dashboard import hub as hub_mod
from clinic.dashboard.context import dashboard_of
from clinic.dashboard.hub import ACTIONS

log = logging.getLogger("neuroplay.dashboard")
router = APIRouter()


@router.get("/live", response_class=HTMLResponse)
async def live(request: Request) -> Response:
    d = dashboard_of(request)
    viewer = await d.viewer_of(request)
    stations = d.hub.clinic_stations(viewer.therapist.clinic_id)
    return d.page(request, "live.html", viewer, stations=stations, actions=ACTIONS)


def _command_error(action: str, value: str) -> str | None:
    """Why a command cannot be sent as given (None: it can)."""
    if action not in ACTIONS:
        return "unknown action; expected one of " + ", ".join(ACTIONS)
    if action == "difficulty" and value not in ("easier", "harder"):
        return "difficulty must be easier or harder"
    if action == "note" and not value.strip():
        return "a note needs text"
    return None


@router.post("/api/stations/{name}/command")
async def command(request: Request, name: str) -> Response:
    d = dashboard_of(request)
    viewer = await d.viewer_of(request)
    form = await d.checked_form(request, viewer)
    action = str(form.get("action") or "")
    value: Any = str(form.get("value") or "")[:500]
    bad = _command_error(action, value)
    if bad is not None:
        return JSONResponse({"ok": False, "error": bad}, status_code=422)
    why = await d.hub.command(name, viewer.therapist.clinic_id, action, value,
                              viewer.therapist.username)
    if why is not None:
        return JSONResponse({"ok": False, "error": why}, status_code=409)
    return JSONResponse({"ok": True})


@router.websocket("/ws/live")
async def ws_live(ws: WebSocket) -> None:
    d = dashboard_of(ws)
    try:
        viewer = await asyncio.to_thread(auth.current_viewer, ws, d.clinic)
    except auth.LoginRequired:
        await ws.close(code=4401)
        return
    if not _same_origin(ws.headers.get("origin"), ws.headers.get("host")):
        await ws.close(code=4403)  # another site's page riding on the therapist's cookie
        return
    await ws.accept()
    watcher = await d.hub.watch(viewer.therapist.clinic_id, ws)
    pump = asyncio.create_task(watcher.pump())
    listen = asyncio.create_task(_until_closed(ws))  # browsers only listen
    try:
        done, _ = await asyncio.wait({pump, listen}, return_when=asyncio.FIRST_COMPLETED)
        if pump in done and isinstance(pump.exception(), TimeoutError):
            log.warning("live page of %s did not read its updates for %.0f s; closed",
                        viewer.therapist.username, hub_mod.SEND_TIMEOUT_S)
    finally:
        pump.cancel()
        listen.cancel()
        d.hub.unwatch(watcher)  # frees whatever was pending for this browser


async def _until_closed(ws: WebSocket) -> None:
    """Read (and ignore) what a browser sends until it goes."""
    while True:
        frame = await ws.receive()
        if frame["type"] == "websocket.disconnect":
            return


def _same_origin(origin: str | None, host: str | None) -> bool:
    """Browsers always send Origin on websockets; a tool without one is not a browser."""
    if origin is None:
        return True
    return urlsplit(origin).netloc == (host or "")
