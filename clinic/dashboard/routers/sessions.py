"""A stored session played back as a skeleton (never video: there is none)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from clinic.dashboard import pages
from clinic.dashboard.context import dashboard_of

router = APIRouter()


@router.get("/sessions/{session_id}/playback", response_class=HTMLResponse)
async def playback(request: Request, session_id: str) -> Response:
    d = dashboard_of(request)
    viewer = await d.viewer_of(request)
    pid = await d.session_of(viewer, session_id)
    return d.page(request, "playback.html", viewer, session_id=session_id, patient_id=pid)


@router.get("/api/sessions/{session_id}/skeleton")
async def skeleton(request: Request, session_id: str) -> Response:
    d = dashboard_of(request)
    viewer = await d.viewer_of(request)
    await d.session_of(viewer, session_id)
    data = await asyncio.to_thread(pages.skeleton, d.store, session_id)
    return JSONResponse(data)
