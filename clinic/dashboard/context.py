"""What every router of the dashboard shares: the open stores, the live hub, the pages.

`create_app` builds one `Dashboard` and keeps it in `app.state.dashboard`;
each route reaches it with `dashboard_of(request)` (or of the websocket). The
access rules live here once: a therapist sees only the patients of their
clinic, and a patient (or session) outside it is `NotFound`, exactly like an
unknown one, so ids of other clinics do not leak.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request

from clinic.dashboard import auth, csrf
from clinic.dashboard.hub import Hub
from telemetry.clinic import ClinicStore
from telemetry.records import PatientRecord
from telemetry.store import Store

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class NotFound(Exception):
    """Unknown, or not this therapist's (the same answer on purpose)."""


@dataclass(frozen=True)
class Dashboard:
    store: Store
    clinic: ClinicStore
    hub: Hub
    templates: Jinja2Templates
    proxies: Sequence[Network]
    secure_cookies: bool

    def page(self, request: Request, name: str, viewer: auth.Viewer | None, status: int = 200,
             **ctx: Any) -> HTMLResponse:
        ctx.update(viewer=viewer, csrf_token=viewer.session.csrf if viewer else "")
        return self.templates.TemplateResponse(request, name, ctx, status_code=status)

    async def viewer_of(self, request: Request) -> auth.Viewer:
        return await asyncio.to_thread(auth.current_viewer, request, self.clinic)

    def patient(self, viewer: auth.Viewer, patient_id: str) -> PatientRecord:
        if not self.clinic.in_clinic(viewer.therapist.clinic_id, patient_id):
            raise NotFound
        p = self.store.get_patient(patient_id)
        if p is None:
            raise NotFound
        return p

    async def patient_of(self, viewer: auth.Viewer, patient_id: str) -> PatientRecord:
        return await asyncio.to_thread(self.patient, viewer, patient_id)

    def session(self, viewer: auth.Viewer, session_id: str) -> str:
        """The patient of a session this therapist may see."""
        pid = self.store.session_patient(session_id)
        if pid is None:
            raise NotFound
        self.patient(viewer, pid)
        return pid

    async def session_of(self, viewer: auth.Viewer, session_id: str) -> str:
        return await asyncio.to_thread(self.session, viewer, session_id)

    async def checked_form(self, request: Request, viewer: auth.Viewer) -> FormData:
        form = await request.form()
        csrf.require(viewer.session.csrf, form)
        return form


async def patient_request(request: Request, patient_id: str
                          ) -> tuple[Dashboard, auth.Viewer, PatientRecord]:
    """The dashboard, the therapist and the patient of a request about a patient
    (`LoginRequired` without a therapist, `NotFound` for a patient not theirs)."""
    d = dashboard_of(request)
    viewer = await d.viewer_of(request)
    return d, viewer, await d.patient_of(viewer, patient_id)


def dashboard_of(conn: HTTPConnection) -> Dashboard:
    """The dashboard of the app serving this request or websocket."""
    d: Dashboard = conn.app.state.dashboard
    return d
