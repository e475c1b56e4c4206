"""Who is asking: login-session cookies and the per-request therapist.

Contract: the cookie `np_session` carries a random token whose SHA-256 is
the key of a server-side session row (telemetry.clinic.auth_sessions), so
logging out or expiry really ends it and a stolen database holds no usable
tokens. The cookie is HttpOnly, SameSite=Strict, and Secure when the
dashboard is served over https. Pages raise `LoginRequired` (-> redirect to
/login) and APIs `Forbidden` (-> 401) when there is no valid session.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telemetry.clinic import ClinicStore, LoginSession, Therapist

COOKIE = "np_session"


class LoginRequired(Exception):
    """No valid login session: pages redirect to /login."""


@dataclass(frozen=True, slots=True)
class Viewer:
    therapist: Therapist
    session: LoginSession
    token: str


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request: Any, trusted: Sequence[Network] = ()) -> str:
    """The address a login is counted against.

    The socket peer, unless the peer is one of the operator's `trusted` proxies:
    then the right-most X-Forwarded-For address that is not itself a trusted
    proxy (each proxy appends the address it saw, so entries left of that one
    are whatever the client wrote). Without trusted proxies the header is
    ignored - from anyone, loopback included.
    """
    peer = request.client.host if request.client else "unknown"
    if not trusted or not _within(peer, trusted):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed chain: count it against the proxy itself
        if not _within(hop, trusted):
            return hop
    return peer


def _within(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


def current_viewer(request: Any, clinic: ClinicStore) -> Viewer:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired
    sess = clinic.session(token)
    if sess is None:
        raise LoginRequired
    therapist = clinic.therapist(sess.username)
    if therapist is None:
        clinic.close_session(token)
        raise LoginRequired
    return Viewer(therapist, sess, token)


def set_session_cookie(response: Any, token: str, *, secure: bool) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure,
                        path="/", max_age=10 * 3600)


def clear_session_cookie(response: Any) -> None:
    response.delete_cookie(COOKIE, path="/")
