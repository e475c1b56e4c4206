"""Login and logout (the only pages without a therapist)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clinic.dashboard import auth, csrf
from clinic.dashboard.context import dashboard_of

log = logging.getLogger("neuroplay.dashboard")
router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> Response:
    d = dashboard_of(request)
    token = request.cookies.get(csrf.LOGIN_COOKIE) or csrf.new_login_token()
    resp = d.templates.TemplateResponse(request, "login.html", {
        "viewer": None, "csrf_token": token, "error": None, "username": ""})
    resp.set_cookie(csrf.LOGIN_COOKIE, token, httponly=True, samesite="strict",
                    secure=d.secure_cookies, path="/login")
    return resp


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    d = dashboard_of(request)
    form = await request.form()
    csrf.require(request.cookies.get(csrf.LOGIN_COOKIE), form)
    username = str(form.get("username") or "")[:200]
    password = str(form.get("password") or "")[:1000]
    ip = auth.client_ip(request, d.proxies)
    outcome = await asyncio.to_thread(d.clinic.attempt_login, username, password, ip)
    therapist = outcome.therapist
    if therapist is None:
        limited = outcome.limited
        log.warning("failed dashboard login for %r from %s%s", username, ip,
                    " (rate-limited)" if limited else "")
        error = ("Too many failed logins; try again in 15 minutes." if limited
                 else "Wrong username or password.")
        return d.templates.TemplateResponse(request, "login.html", {
            "viewer": None, "csrf_token": request.cookies.get(csrf.LOGIN_COOKIE),
            "error": error, "username": username}, status_code=429 if limited else 401)
    token, _ = await asyncio.to_thread(d.clinic.open_session, therapist.username)
    resp = RedirectResponse("/patients", status_code=303)
    auth.set_session_cookie(resp, token, secure=d.secure_cookies)
    resp.delete_cookie(csrf.LOGIN_COOKIE, path="/login")
    return resp


@router.post("/logout")
async def logout(request: Request) -> Response:
    d = dashboard_of(request)
    viewer = await d.viewer_of(request)
    await d.checked_form(request, viewer)
    await asyncio.to_thread(d.clinic.close_session, viewer.token)
    resp = RedirectResponse("/login", status_code=303)
    auth.clear_session_cookie(resp)
    return resp
