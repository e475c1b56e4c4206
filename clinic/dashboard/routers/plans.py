"""A patient's plan editor: a form for people and the TOML, one validated plan
(clinic.dashboard.plan_pages does the work; this only checks access and the CSRF token)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clinic.dashboard import plan_pages
from clinic.dashboard.context import patient_request

router = APIRouter()
MAX_FIELD = 100_000  # the TOML text; every other field is far shorter


@router.get("/patients/{patient_id}/plan", response_class=HTMLResponse)
async def plan_page(request: Request, patient_id: str) -> Response:
    d, viewer, p = await patient_request(request, patient_id)
    tab = request.query_params.get("tab", "form")
    saved_q = request.query_params.get("saved", "")
    saved = int(saved_q) if saved_q.isdigit() and len(saved_q) < 9 else None
    ctx = await asyncio.to_thread(plan_pages.editor, d.store, p, tab=tab, saved=saved)
    return d.page(request, "plan.html", viewer, **ctx)


@router.post("/patients/{patient_id}/plan", response_class=HTMLResponse)
async def plan_submit(request: Request, patient_id: str) -> Response:
    d, viewer, p = await patient_request(request, patient_id)
    form = await d.checked_form(request, viewer)
    fields = {str(k): str(v)[:MAX_FIELD] for k, v in form.items()
              if isinstance(v, str) and k != "csrf_token"}
    status, out = await asyncio.to_thread(plan_pages.submit, d.store, p, fields,
                                          viewer.therapist.username)
    if isinstance(out, str):
        return RedirectResponse(out, status_code=303)
    return d.page(request, "plan.html", viewer, status=status, **out)
