"""The stations' websocket: each frame validated (clinic.station_protocol), the
patient a station names enrolled only when allowed, states and events handed
to the live hub (which stores the events).
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from clinic import station_protocol as protocol
from clinic.dashboard.context import Dashboard, dashboard_of
from clinic.dashboard.hub import StationLive, StoreFailed
from telemetry.clinic import ClinicStore, Station
from telemetry.errors import StoreError
from telemetry.store import Store
from telemetry.triage import TriageLimits, limits_from_plan_text

log = logging.getLogger("neuroplay.dashboard")
router = APIRouter()


@router.websocket("/ws/station/{name}")
async def ws_station(ws: WebSocket, name: str) -> None:
    d = dashboard_of(ws)
    token = ws.headers.get("x-station-token", "")
    station = (await asyncio.to_thread(d.clinic.station_for_token, name, token)
               if token else None)
    if station is None:
        await ws.close(code=4401)
        return
    await ws.accept()
    live = await d.hub.station_connected(name, station.clinic_id, ws)
    try:
        while True:
            frame = await ws.receive()
            if frame["type"] == "websocket.disconnect":
                break
            raw = frame.get("text") if frame.get("text") is not None else frame.get("bytes")
            if raw is None:
                continue
            if not await _station_frame(d, ws, live, station, raw):
                break
    except WebSocketDisconnect:
        pass
    finally:
        await d.hub.station_disconnected(live, ws)


def _limits(d: Dashboard, clinic_id: int, patient: str | None) -> TriageLimits:
    """The pain limits of the patient's plan for the live alerts; the defaults for a patient
    outside the station's clinic (their plan is not this clinic's to read) or without one."""
    if not patient or not d.clinic.in_clinic(clinic_id, patient):
        return TriageLimits()
    plan = d.store.current_plan(patient)
    return limits_from_plan_text(str(plan[1]) if plan else None)


async def _parse(ws: WebSocket, live: StationLive, raw: str | bytes) -> protocol.Message | None:
    """The frame's message, or None after telling the station what is wrong with it."""
    try:
        if len(raw) <= protocol.MAX_STATE_BYTES and protocol.type_of(raw) in ("state", "hello"):
            return protocol.parse(raw)  # one snapshot, at most 64 kB: ~30 us, no thread hop
        return await asyncio.to_thread(protocol.parse, raw)  # events: per-event work
    except protocol.ProtocolError as exc:
        live.refused += 1
        of = protocol.type_of(raw)
        log.warning("station %s sent a bad %s frame (%d bytes): %s", live.name,
                    of or "unknown", len(raw), exc)
        await ws.send_json({"type": "error", "of": of, "error": str(exc)})
        return None


async def _station_frame(d: Dashboard, ws: WebSocket, live: StationLive, station: Station,
                         raw: str | bytes) -> bool:
    """One frame from a station; False when the connection should end."""
    msg = await _parse(ws, live, raw)
    if msg is None:
        return True
    if isinstance(msg, protocol.Hello) and msg.patient:
        notice = await asyncio.to_thread(_enrol, d.store, d.clinic, station, msg.patient)
        if notice:
            await ws.send_json({"type": "notice", "of": "hello", "notice": notice})
    if isinstance(msg, protocol.Hello):
        live.limits = await asyncio.to_thread(_limits, d, live.clinic_id, msg.patient)
    try:
        await d.hub.station_message(live, msg)
    except StoreFailed:
        await ws.send_json({"type": "error", "of": "events",
                            "error": "the dashboard could not store these events now; "
                                     "reconnect and send them again"})
        await ws.close(code=1011)  # the station reconnects and re-sends its outbox
        return False
    return True


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
