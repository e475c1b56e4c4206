"""CSRF protection for every form.

Contract: a logged-in therapist's forms carry `csrf_token`, the random token
stored with their server-side session (synchronizer token); the login form,
which has no session yet, uses a double-submit pair (random cookie
`np_login_csrf` equal to the hidden field). Comparison is constant-time.
A POST without a matching token is refused with 403 before anything runs.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

LOGIN_COOKIE = "np_login_csrf"
FIELD = "csrf_token"


class CsrfRejected(Exception):
    """The form's CSRF token is missing or wrong."""


def matches(expected: str | None, given: Any) -> bool:
    return (isinstance(expected, str) and isinstance(given, str) and bool(expected)
            and hmac.compare_digest(expected.encode(), given.encode()))


def require(expected: str | None, form: Any) -> None:
    if not matches(expected, form.get(FIELD)):
        raise CsrfRejected


def new_login_token() -> str:
    return secrets.token_urlsafe(24)
