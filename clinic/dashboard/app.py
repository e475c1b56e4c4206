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
"""

from __future__ import annotations

import asyncio
import io
import ipaddress
import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from clinic import station_protocol as protocol
from clinic.dashboard import auth, csrf
from clinic.dashboard import hub as hub_mod
from clinic.dashboard.hub import ACTIONS, Hub, StationLive, StoreFailed
from telemetry.clinic import ClinicStore, Station
from telemetry.errors import StoreError
from telemetry.store import Store

log = logging.getLogger("neuroplay.dashboard")
MAX_PLAYBACK_FRAMES = 900
SIM_PROFILES = ("improving", "plateau", "flaring", "fearful")


class NotFound(Exception):
    """Unknown, or not this therapist's (the same answer on purpose)."""


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
    templates = Jinja2Templates(directory=_pkg_dir("templates"))
    app.mount("/static", StaticFiles(directory=_pkg_dir("static")), name="static")
    hub = Hub(clinic.record_station_events)
    app.state.hub = hub
    app.state.clinic = clinic
    app.state.store = store

    def page(request: Request, name: str, viewer: auth.Viewer | None, status: int = 200,
             **ctx: Any) -> HTMLResponse:
        ctx.update(viewer=viewer, csrf_token=viewer.session.csrf if viewer else "")
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    async def viewer_of(request: Request) -> auth.Viewer:
        return await asyncio.to_thread(auth.current_viewer, request, clinic)

    def _patient(viewer: auth.Viewer, patient_id: str) -> Any:
        if not clinic.in_clinic(viewer.therapist.clinic_id, patient_id):
            raise NotFound
        p = store.get_patient(patient_id)
        if p is None:
            raise NotFound
        return p

    async def patient_of(viewer: auth.Viewer, patient_id: str) -> Any:
        return await asyncio.to_thread(_patient, viewer, patient_id)

    async def checked_form(request: Request, viewer: auth.Viewer) -> Any:
        form = await request.form()
        csrf.require(viewer.session.csrf, form)
        return form

    # ------------------------------------------------------ error answers
    @app.exception_handler(auth.LoginRequired)
    async def _login(request: Request, exc: auth.LoginRequired) -> Response:
        if request.url.path.startswith("/api/") or request.method != "GET":
            return PlainTextResponse("login required", status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(csrf.CsrfRejected)
    async def _csrf(request: Request, exc: csrf.CsrfRejected) -> Response:
        return PlainTextResponse("CSRF token missing or wrong; reload the page", status_code=403)

    @app.exception_handler(NotFound)
    async def _nf(request: Request, exc: NotFound) -> Response:
        return PlainTextResponse("not found", status_code=404)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    # ------------------------------------------------------------- login
    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> Response:
        token = request.cookies.get(csrf.LOGIN_COOKIE) or csrf.new_login_token()
        resp = templates.TemplateResponse(request, "login.html", {
            "viewer": None, "csrf_token": token, "error": None, "username": ""})
        resp.set_cookie(csrf.LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookies, path="/login")
        return resp

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await request.form()
        csrf.require(request.cookies.get(csrf.LOGIN_COOKIE), form)
        username = str(form.get("username") or "")[:200]
        password = str(form.get("password") or "")[:1000]
        ip = auth.client_ip(request, proxies)
        outcome = await asyncio.to_thread(clinic.attempt_login, username, password, ip)
        therapist = outcome.therapist
        if therapist is None:
            limited = outcome.limited
            log.warning("failed dashboard login for %r from %s%s", username, ip,
                        " (rate-limited)" if limited else "")
            error = ("Too many failed logins; try again in 15 minutes." if limited
                     else "Wrong username or password.")
            return templates.TemplateResponse(request, "login.html", {
                "viewer": None, "csrf_token": request.cookies.get(csrf.LOGIN_COOKIE),
                "error": error, "username": username}, status_code=429 if limited else 401)
        token, _ = await asyncio.to_thread(clinic.open_session, therapist.username)
        resp = RedirectResponse("/patients", status_code=303)
        auth.set_session_cookie(resp, token, secure=secure_cookies)
        resp.delete_cookie(csrf.LOGIN_COOKIE, path="/login")
        return resp

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        viewer = await viewer_of(request)
        await checked_form(request, viewer)
        await asyncio.to_thread(clinic.close_session, viewer.token)
        resp = RedirectResponse("/login", status_code=303)
        auth.clear_session_cookie(resp)
        return resp

    # ---------------------------------------------------------- patients
    @app.get("/")
    async def home(request: Request) -> Response:
        await viewer_of(request)
        return RedirectResponse("/patients", status_code=303)

    @app.get("/patients", response_class=HTMLResponse)
    async def patients(request: Request) -> Response:
        viewer = await viewer_of(request)
        rows = await asyncio.to_thread(_patient_rows, store, clinic, viewer.therapist.clinic_id)
        return page(request, "patients.html", viewer, rows=rows)

    @app.get("/patients/{patient_id}", response_class=HTMLResponse)
    async def patient_page(request: Request, patient_id: str) -> Response:
        viewer = await viewer_of(request)
        p = await patient_of(viewer, patient_id)
        ctx = await asyncio.to_thread(_patient_context, store, p)
        return page(request, "patient.html", viewer, **ctx)

    @app.post("/patients/{patient_id}/plan", response_class=HTMLResponse)
    async def plan_edit(request: Request, patient_id: str) -> Response:
        viewer = await viewer_of(request)
        p = await patient_of(viewer, patient_id)
        form = await checked_form(request, viewer)
        text = str(form.get("plan_text") or "")[:100_000]
        action = str(form.get("action") or "save")
        profile = str(form.get("profile") or "improving")
        if profile not in SIM_PROFILES:
            profile = "improving"
        result = await asyncio.to_thread(_plan_action, store, p.patient_id, text, action,
                                         profile, viewer.therapist.username)
        ctx = await asyncio.to_thread(_patient_context, store, p)
        ctx.update(plan_text=text, **result)
        status = 422 if result.get("plan_error") else 200
        return page(request, "patient.html", viewer, status=status, **ctx)

    @app.get("/patients/{patient_id}/figures/{index}.png")
    async def figure_png(request: Request, patient_id: str, index: int) -> Response:
        viewer = await viewer_of(request)
        p = await patient_of(viewer, patient_id)
        png = await asyncio.to_thread(_figure_png, store, p.patient_id, index)
        if png is None:
            raise NotFound
        return Response(png, media_type="image/png")

    @app.get("/patients/{patient_id}/report.html")
    async def report(request: Request, patient_id: str) -> Response:
        viewer = await viewer_of(request)
        p = await patient_of(viewer, patient_id)
        html = await asyncio.to_thread(_report_html, store, p.patient_id)
        return Response(html, media_type="text/html", headers={
            "Content-Disposition": f'attachment; filename="report_{p.patient_id}.html"'})

    @app.get("/patients/{patient_id}/export.json")
    async def export(request: Request, patient_id: str) -> Response:
        viewer = await viewer_of(request)
        p = await patient_of(viewer, patient_id)
        bundle = await asyncio.to_thread(_fhir, store, p.patient_id)
        return Response(json.dumps(bundle, indent=1), media_type="application/fhir+json",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{p.patient_id}_fhir.json"'})

    # ---------------------------------------------------------- playback
    def _session(viewer: auth.Viewer, session_id: str) -> str:
        pid = store.session_patient(session_id)
        if pid is None:
            raise NotFound
        _patient(viewer, pid)
        return pid

    async def session_of(viewer: auth.Viewer, session_id: str) -> str:
        return await asyncio.to_thread(_session, viewer, session_id)

    @app.get("/sessions/{session_id}/playback", response_class=HTMLResponse)
    async def playback(request: Request, session_id: str) -> Response:
        viewer = await viewer_of(request)
        pid = await session_of(viewer, session_id)
        return page(request, "playback.html", viewer, session_id=session_id, patient_id=pid)

    @app.get("/api/sessions/{session_id}/skeleton")
    async def skeleton(request: Request, session_id: str) -> Response:
        viewer = await viewer_of(request)
        await session_of(viewer, session_id)
        data = await asyncio.to_thread(_skeleton, store, session_id)
        return JSONResponse(data)

    # -------------------------------------------------------------- live
    @app.get("/live", response_class=HTMLResponse)
    async def live(request: Request) -> Response:
        viewer = await viewer_of(request)
        stations = hub.clinic_stations(viewer.therapist.clinic_id)
        return page(request, "live.html", viewer, stations=stations, actions=ACTIONS)

    @app.post("/api/stations/{name}/command")
    async def command(request: Request, name: str) -> Response:
        viewer = await viewer_of(request)
        form = await checked_form(request, viewer)
        action = str(form.get("action") or "")
        value: Any = str(form.get("value") or "")[:500]
        if action not in ACTIONS:
            return JSONResponse({"ok": False, "error": "unknown action; expected one of "
                                 + ", ".join(ACTIONS)}, status_code=422)
        if action == "difficulty" and value not in ("easier", "harder"):
            return JSONResponse({"ok": False, "error": "difficulty must be easier or harder"},
                                status_code=422)
        if action == "note" and not value.strip():
            return JSONResponse({"ok": False, "error": "a note needs text"}, status_code=422)
        why = await hub.command(name, viewer.therapist.clinic_id, action, value,
                                viewer.therapist.username)
        if why is not None:
            return JSONResponse({"ok": False, "error": why}, status_code=409)
        return JSONResponse({"ok": True})

    @app.websocket("/ws/live")
    async def ws_live(ws: WebSocket) -> None:
        try:
            viewer = await asyncio.to_thread(auth.current_viewer, ws, clinic)
        except auth.LoginRequired:
            await ws.close(code=4401)
            return
        if not _same_origin(ws.headers.get("origin"), ws.headers.get("host")):
            await ws.close(code=4403)  # another site's page riding on the therapist's cookie
            return
        await ws.accept()
        watcher = await hub.watch(viewer.therapist.clinic_id, ws)
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
            hub.unwatch(watcher)  # frees whatever was pending for this browser

    @app.websocket("/ws/station/{name}")
    async def ws_station(ws: WebSocket, name: str) -> None:
        token = ws.headers.get("x-station-token", "")
        station = (await asyncio.to_thread(clinic.station_for_token, name, token)
                   if token else None)
        if station is None:
            await ws.close(code=4401)
            return
        await ws.accept()
        live = await hub.station_connected(name, station.clinic_id, ws)
        try:
            while True:
                frame = await ws.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                raw = frame.get("text") if frame.get("text") is not None else frame.get("bytes")
                if raw is None:
                    continue
                if not await _station_frame(ws, live, station, raw):
                    break
        except WebSocketDisconnect:
            pass
        finally:
            await hub.station_disconnected(live, ws)

    async def _station_frame(ws: WebSocket, live: StationLive, station: Station,
                             raw: str | bytes) -> bool:
        """One frame from a station; False when the connection should end."""
        try:
            if len(raw) <= protocol.MAX_STATE_BYTES and protocol.type_of(raw) in ("state",
                                                                                "hello"):
                msg = protocol.parse(raw)  # one snapshot, at most 64 kB: ~30 us, no thread hop
            else:
                msg = await asyncio.to_thread(protocol.parse, raw)  # events: per-event work
        except protocol.ProtocolError as exc:
            live.refused += 1
            of = protocol.type_of(raw)
            log.warning("station %s sent a bad %s frame (%d bytes): %s", live.name,
                        of or "unknown", len(raw), exc)
            await ws.send_json({"type": "error", "of": of, "error": str(exc)})
            return True
        if isinstance(msg, protocol.Hello) and msg.patient:
            notice = await asyncio.to_thread(_enrol, store, clinic, station, msg.patient)
            if notice:
                await ws.send_json({"type": "notice", "of": "hello", "notice": notice})
        try:
            await hub.station_message(live, msg)
        except StoreFailed:
            await ws.send_json({"type": "error", "of": "events",
                                "error": "the dashboard could not store these events now; "
                                         "reconnect and send them again"})
            await ws.close(code=1011)  # the station reconnects and re-sends its outbox
            return False
        return True

    return app


# ------------------------------------------------------------------ helpers
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


def _enrol(store: Store, clinic: ClinicStore, station: Station, patient_id: str) -> str | None:
    """The patient a station names in `hello` joins its clinic only when the therapists
    allowed it; returns why not (one notice for the station, the same whatever the
    reason, so a station token cannot probe other clinics' ids), else None.

    A patient of another clinic is never moved by a station's say-so, and one who
    belongs to no clinic joins only when this station's token allows new patients
    (`therapist station-token --allow-new-patients`); otherwise a therapist runs
    `neuroplay therapist assign`. The live view shows the station either way.
    """
    if clinic.in_clinic(station.clinic_id, patient_id):
        return None
    try:
        known = store.get_patient(patient_id) is not None
    except StoreError:
        known = False
    if known and not clinic.patient_clinics(patient_id) and station.allow_new_patients:
        clinic.add_patient(station.clinic_id, patient_id)
        log.info("station %s brought patient %s into its clinic", station.station, patient_id)
        return None
    why = ("unknown here" if not known else "of another clinic"
           if clinic.patient_clinics(patient_id) else "in no clinic")
    log.warning("station %s named patient %r (%s): not taken into clinic %d", station.station,
                patient_id, why, station.clinic_id)
    return (f"patient {patient_id!r} is not assigned to this clinic, so the session is shown "
            f"live only; a therapist can run `neuroplay therapist assign {patient_id} "
            "--clinic NAME` (or give this station a token with --allow-new-patients)")


def _patient_rows(store: Store, clinic: ClinicStore, clinic_id: int) -> list[dict[str, Any]]:
    from telemetry.flagging import local_tz, refresh_flags

    tz = local_tz()
    rows = []
    for pid in clinic.clinic_patient_ids(clinic_id):
        if store.get_patient(pid) is None:
            continue
        data, result = refresh_flags(store, pid, tz=tz)
        weeks = result.adherence
        this_week = weeks[-1] if weeks else None
        last = data.sessions[-1] if data.sessions else None
        rows.append({
            "patient_id": pid,
            "sessions": len(data.sessions),
            "last_session": last.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            if last else "-",
            "adherence": f"{this_week.done}/{this_week.prescribed}" if this_week else "-",
            "flags": [f"{f.kind}: {f.message}" for f in data.flags if f.status == "open"],
        })
    return rows


def _patient_context(store: Store, p: Any) -> dict[str, Any]:
    from game.dosing import stored_plan_overrides
    from telemetry.flagging import local_tz
    from telemetry.report import pain_path

    tz = local_tz()
    history = store.history(p.patient_id)
    plan = store.current_plan(p.patient_id)
    overrides, override_reason = stored_plan_overrides(plan)
    sessions = [{
        "session_id": h.session_id, "exercise": h.exercise,
        "started": h.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "completed": h.completed, "quota_met": h.quota_met,
        "pain": pain_path(h),  # before -> highest at a rest -> after, as in the report
        "dose": ", ".join(f"{k}={v}" for k, v in sorted(h.dose.items())
                          if isinstance(v, (int, float, str))),
        "decisions": list(h.decisions),
    } for h in reversed(history)]
    flags = [{"kind": f.kind, "measure": f.measure, "message": f.message, "status": f.status}
             for f in store.flags(p.patient_id)]
    return {"patient": p, "sessions": sessions, "flags": flags,
            "figures": list(enumerate(_figure_names(store, p.patient_id))),
            "plan_version": plan[0] if plan else None,
            "plan_text": plan[1] if plan else "", "plan_error": None, "plan_saved": None,
            "plan_overrides": overrides, "plan_override_reason": override_reason,
            "simulation": None, "profiles": SIM_PROFILES}


def _plan_action(store: Store, patient_id: str, text: str, action: str, profile: str,
                 author: str) -> dict[str, Any]:
    from exercises.plans import PlanError, load_plan

    try:
        plan = load_plan(text, "plan")
    except PlanError as exc:
        return {"plan_error": str(exc)}
    if action == "simulate":
        from exercises.simulated_patients import simulate

        steps = simulate(plan, profile, 12, seed=0)
        keys = list(steps[0].dose) if steps else []
        rows = [{"n": s.session, "day": s.day.isoformat(),
                 "dose": [_fmt(s.dose[k]) for k in keys],
                 "reasons": list(s.decision.reasons)
                 + [f"FLAG {f.kind}: {f.message}" for f in s.decision.flags]} for s in steps]
        return {"simulation": {"profile": profile, "exercise": plan.exercises[0], "columns": keys,
                               "rows": rows}}
    try:
        version = store.save_plan(patient_id, text, author)
    except StoreError as exc:
        return {"plan_error": str(exc)}
    return {"plan_saved": version}


def _fmt(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _report_model(store: Store, patient_id: str) -> Any:
    from game.dosing import plan_overrides
    from telemetry.flagging import local_tz, refresh_flags
    from telemetry.report import build_report

    tz = local_tz()
    data, assessment = refresh_flags(store, patient_id, tz=tz)
    return build_report(data, assessment, tz=tz, generated_at=store.now(),
                        plan_overrides=plan_overrides(store, patient_id))


def _figure_names(store: Store, patient_id: str) -> list[str]:
    """The report's trend figures (telemetry.report), shown on the patient page."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from telemetry.report import figures

    figs = figures(_report_model(store, patient_id))
    for _, fig in figs:
        plt.close(fig)
    return [name for name, _ in figs]


def _figure_png(store: Store, patient_id: str, index: int) -> bytes | None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from telemetry.report import figures

    figs = figures(_report_model(store, patient_id))
    try:
        if not 0 <= index < len(figs):
            return None
        buf = io.BytesIO()
        figs[index][1].savefig(buf, format="png", dpi=80)
        return buf.getvalue()
    finally:
        for _, fig in figs:
            plt.close(fig)


def _report_html(store: Store, patient_id: str) -> str:
    from game.dosing import plan_overrides
    from telemetry.flagging import local_tz, refresh_flags
    from telemetry.report import build_report, render_html

    tz = local_tz()
    data, assessment = refresh_flags(store, patient_id, tz=tz)
    return render_html(build_report(data, assessment, tz=tz, generated_at=store.now(),
                                    plan_overrides=plan_overrides(store, patient_id)))


def _fhir(store: Store, patient_id: str) -> dict[str, Any]:
    from telemetry.exports import fhir_bundle
    from telemetry.snapshot import load_patient

    return fhir_bundle(load_patient(store, patient_id), now=datetime.now(timezone.utc))


def _skeleton(store: Store, session_id: str) -> dict[str, Any]:
    frames = store.landmark_frames(session_id)
    step = max(1, -(-len(frames) // MAX_PLAYBACK_FRAMES))
    out = []
    t0 = frames[0].t if frames else 0.0
    for f in frames[::step]:
        pose = None if f.pose is None else [[round(float(x), 4), round(float(y), 4),
                                            round(float(v), 2)] for x, y, _z, v in f.pose]
        hands = [[[round(float(x), 4), round(float(y), 4)] for x, y, _z in h.landmarks]
                 for h in f.hands]
        out.append({"t": round(f.t - t0, 3), "pose": pose, "hands": hands})
    aspect = (frames[0].width / frames[0].height) if frames and frames[0].height else 4 / 3
    return {"session_id": session_id, "frames": out, "aspect": aspect}
