"""The patients list, a patient's page, its trend figures, report and FHIR export."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clinic.dashboard import pages, therapy_pages
from clinic.dashboard.context import NotFound, dashboard_of, patient_request

router = APIRouter()


@router.get("/")
async def home(request: Request) -> Response:
    await dashboard_of(request).viewer_of(request)
    return RedirectResponse("/patients", status_code=303)


@router.get("/patients", response_class=HTMLResponse)
async def patients(request: Request) -> Response:
    d = dashboard_of(request)
    viewer = await d.viewer_of(request)
    rows = await asyncio.to_thread(pages.patient_rows, d.store, d.clinic,
                                   viewer.therapist.clinic_id)
    return d.page(request, "patients.html", viewer, rows=rows)


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
async def patient_page(request: Request, patient_id: str) -> Response:
    d, viewer, p = await patient_request(request, patient_id)
    ctx = await asyncio.to_thread(pages.patient_context, d.store, p)
    q = request.query_params  # after a save: the id saved, to confirm it on the page
    diary_saved, exam_saved = (int(v) if v.isdigit() and len(v) < 12 else None
                               for v in (q.get("diary_saved", ""), q.get("exam_saved", "")))
    ctx.update(await asyncio.to_thread(therapy_pages.diary_context, d.store, p,
                                       saved=diary_saved))
    ctx.update(await asyncio.to_thread(therapy_pages.bodymap_context, d.store, p,
                                       saved=exam_saved))
    return d.page(request, "patient.html", viewer, **ctx)


@router.get("/patients/{patient_id}/figures/{index}.png")
async def figure_png(request: Request, patient_id: str, index: int) -> Response:
    d, _viewer, p = await patient_request(request, patient_id)
    png = await asyncio.to_thread(pages.figure_png, d.store, p.patient_id, index)
    if png is None:
        raise NotFound
    return Response(png, media_type="image/png")


@router.get("/patients/{patient_id}/report.html")
async def report(request: Request, patient_id: str) -> Response:
    d, _viewer, p = await patient_request(request, patient_id)
    html = await asyncio.to_thread(pages.report_html, d.store, p.patient_id)
    return Response(html, media_type="text/html", headers={
        "Content-Disposition": f'attachment; filename="report_{p.patient_id}.html"'})


@router.get("/patients/{patient_id}/export.json")
async def export(request: Request, patient_id: str) -> Response:
    d, _viewer, p = await patient_request(request, patient_id)
    bundle = await asyncio.to_thread(pages.fhir, d.store, p.patient_id)
    return Response(json.dumps(bundle, indent=1), media_type="application/fhir+json",
                    headers={"Content-Disposition":
                             f'attachment; filename="{p.patient_id}_fhir.json"'})
