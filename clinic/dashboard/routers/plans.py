"""A patient's plan: save a new version, or simulate it on a virtual patient first."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from clinic.dashboard import pages
from clinic.dashboard.context import patient_request

router = APIRouter()


@router.post("/patients/{patient_id}/plan", response_class=HTMLResponse)
async def plan_edit(request: Request, patient_id: str) -> Response:
    d, viewer, p = await patient_request(request, patient_id)
    form = await d.checked_form(request, viewer)
    text = str(form.get("plan_text") or "")[:100_000]
    action = str(form.get("action") or "save")
    profile = str(form.get("profile") or "improving")
    if profile not in pages.SIM_PROFILES:
        profile = "improving"
    result = await asyncio.to_thread(pages.plan_action, d.store, p.patient_id, text, action,
                                     profile, viewer.therapist.username)
    ctx = await asyncio.to_thread(pages.patient_context, d.store, p)
    ctx.update(plan_text=text, **result)
    status = 422 if result.get("plan_error") else 200
    return d.page(request, "patient.html", viewer, status=status, **ctx)
