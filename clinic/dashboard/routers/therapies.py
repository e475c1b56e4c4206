"""The patient page's forms beyond the plan: a diary entry taken on the phone and the
therapist's body-map examination layer (clinic.dashboard.therapy_pages does the work;
this only checks access and the CSRF token, and redraws the patient page on a refusal)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clinic.dashboard import pages, therapy_pages
from clinic.dashboard.auth import Viewer
from clinic.dashboard.context import Dashboard, patient_request
from telemetry.records import PatientRecord

router = APIRouter()
MAX_FIELD = 100  # every field of these forms is short


def _page(d: Dashboard, request: Request, viewer: Viewer, p: PatientRecord, status: int,
          **over: Any) -> Response:
    """The whole patient page (422 with a refused form's values and messages)."""
    ctx = pages.patient_context(d.store, p)
    ctx.update(therapy_pages.diary_context(d.store, p))
    ctx.update(therapy_pages.bodymap_context(d.store, p))
    ctx.update(over)
    return d.page(request, "patient.html", viewer, status=status, **ctx)


@router.post("/patients/{patient_id}/diary", response_class=HTMLResponse)
async def diary_submit(request: Request, patient_id: str) -> Response:
    d, viewer, p = await patient_request(request, patient_id)
    form = await d.checked_form(request, viewer)
    fields = {str(k): str(v)[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}
    status, out = await asyncio.to_thread(therapy_pages.diary_submit, d.store, p, fields,
                                          viewer.therapist.username)
    if isinstance(out, str):
        return RedirectResponse(out, status_code=303)
    return await asyncio.to_thread(_page, d, request, viewer, p, status, **out)


@router.post("/patients/{patient_id}/bodymap/exam", response_class=HTMLResponse)
async def exam_submit(request: Request, patient_id: str) -> Response:
    d, viewer, p = await patient_request(request, patient_id)
    form = await d.checked_form(request, viewer)
    regions = [str(v) for v in form.getlist("region") if isinstance(v, str)]
    sensation = form.get("sensation", "")
    intensity = form.get("intensity", "")
    status, out = await asyncio.to_thread(
        therapy_pages.exam_submit, d.store, p,
        sensation[:MAX_FIELD] if isinstance(sensation, str) else "", regions,
        intensity[:MAX_FIELD] if isinstance(intensity, str) else "")
    if isinstance(out, str):
        return RedirectResponse(out, status_code=303)
    return await asyncio.to_thread(_page, d, request, viewer, p, status, **out)
