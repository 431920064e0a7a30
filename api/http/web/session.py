"""Sessions of the web workbench: a signed cookie holding the role and an expiry (never the key), CSRF tokens.

A session is started by posting an API key to the sign-in page: the key is checked against the app's
:class:`api.http.security.KeyRing` and forgotten; the cookie carries only ``role``, a random session id
and the expiry, signed with HMAC-SHA256 under the app's session secret (``INNONET_SESSION_SECRET``, or
a random secret per server process: a restart signs everyone out).  The cookie is ``HttpOnly``,
``SameSite=Strict``, ``Secure`` when the page was served over TLS, and expires with the session
(``INNONET_SESSION_HOURS``, default 8).  Signing out revokes the session id in this process and
clears the cookie.

Every form carries a CSRF token bound to the session (HMAC of the session id); the sign-in form,
before any session exists, carries one bound to a short-lived signed pre-session cookie.  Every
POST is checked with :func:`check_csrf`.

>>> secret = b"s" * 32
>>> value = sign(secret, {"role": "viewer", "sid": "abc", "exp": 4102444800})
>>> unsign(secret, value)["role"]
'viewer'
>>> unsign(secret, value[:-1] + ("A" if value[-1] != "A" else "B")) is None
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from api.http.security import Principal

__all__ = [
    "COOKIE",
    "PRE_COOKIE",
    "CsrfError",
    "Session",
    "SessionRequired",
    "SessionSettings",
    "check_csrf",
    "clear_session",
    "current_session",
    "pre_session_token",
    "revoke",
    "sign",
    "start_session",
    "unsign",
]

#: Name of the session cookie (``__Host-`` prefix when served over TLS: host-only, path /, Secure).
COOKIE = "innonet_session"
#: Name of the short-lived cookie that binds the sign-in form's CSRF token.
PRE_COOKIE = "innonet_pre"
_PRE_SECONDS = 3600


class SessionRequired(Exception):
    """No valid session (none, expired, revoked or tampered): the page sends the browser to sign in."""

    def __init__(self, reason: str = "signin") -> None:
        super().__init__(reason)
        self.reason = reason


class CsrfError(Exception):
    """A form was posted without its CSRF token, or with a wrong one (403)."""


@dataclass(frozen=True)
class SessionSettings:
    """The secret that signs session cookies and how long a session lasts."""

    secret: bytes
    seconds: float

    @classmethod
    def from_environment(cls) -> SessionSettings:
        """``INNONET_SESSION_SECRET`` (else random per process) and ``INNONET_SESSION_HOURS`` (default 8)."""
        text = os.environ.get("INNONET_SESSION_SECRET", "")
        secret = hashlib.sha256(text.encode("utf-8")).digest() if len(text) >= 16 else secrets.token_bytes(32)
        try:
            hours = float(os.environ.get("INNONET_SESSION_HOURS", "8"))
        except ValueError:
            hours = 8.0
        return cls(secret, max(hours, 0.01) * 3600)


@dataclass(frozen=True)
class Session:
    """A signed-in browser: its role, session id, expiry (epoch seconds) and CSRF token."""

    role: str
    sid: str
    expires: float
    csrf: str

    @property
    def principal(self) -> Principal:
        return Principal(self.role)

    def can(self, role: str) -> bool:
        return self.principal.can(role)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, payload: dict[str, Any]) -> str:
    """``payload`` as JSON, base64url, a dot and its HMAC-SHA256."""
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    mac = hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(secret: bytes, value: str | None) -> dict[str, Any] | None:
    """The payload of a value made by :func:`sign`, or None when it is missing or was tampered with."""
    if not value or value.count(".") != 1 or len(value) > 4096:
        return None
    body, mac = value.split(".")
    expected = hmac.new(secret, body.encode("ascii", "replace"), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(_unb64(mac), expected):
            return None
        payload = json.loads(_unb64(body))
    except (ValueError, TypeError):
        return None
    return payload if isinstance(payload, dict) else None


def _token(secret: bytes, purpose: str, value: str) -> str:
    return _b64(hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest())


class _Revoked:
    """Session ids signed out in this process, kept until they would have expired anyway."""

    def __init__(self) -> None:
        self._ids: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, sid: str, expires: float) -> None:
        with self._lock:
            now = time.time()
            self._ids = {k: v for k, v in self._ids.items() if v > now}
            self._ids[sid] = expires

    def __contains__(self, sid: str) -> bool:
        return sid in self._ids


def _state(request: Request) -> tuple[SessionSettings, _Revoked]:
    state = request.app.state
    settings = getattr(state, "web_session", None)
    if settings is None:
        settings = state.web_session = SessionSettings.from_environment()
    revoked = getattr(state, "web_revoked", None)
    if revoked is None:
        revoked = state.web_revoked = _Revoked()
    return settings, revoked


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _cookie_name(request: Request) -> str:
    return f"__Host-{COOKIE}" if _secure(request) else COOKIE


def current_session(request: Request) -> Session:
    """The request's valid session.

    Raises
    ------
    SessionRequired
        ``reason`` "signin" (no cookie or a bad one) or "expired".
    """
    settings, revoked = _state(request)
    raw = request.cookies.get(_cookie_name(request))
    if raw is None:
        raise SessionRequired("signin")
    payload = unsign(settings.secret, raw)
    if payload is None or not isinstance(payload.get("sid"), str) or not isinstance(payload.get("exp"), (int, float)):
        raise SessionRequired("signin")
    role = payload.get("role")
    if role not in ("viewer", "matchmaker", "admin"):
        raise SessionRequired("signin")
    if payload["exp"] <= time.time():
        raise SessionRequired("expired")
    if payload["sid"] in revoked:
        raise SessionRequired("signin")
    return Session(role, payload["sid"], float(payload["exp"]), _token(settings.secret, "csrf", payload["sid"]))


def start_session(request: Request, response: Response, role: str) -> Session:
    """Set a new session cookie for ``role`` on ``response`` (and drop the pre-session cookie)."""
    settings, _ = _state(request)
    sid = secrets.token_urlsafe(18)
    expires = time.time() + settings.seconds
    value = sign(settings.secret, {"role": role, "sid": sid, "exp": int(expires)})
    # the browser keeps the cookie an hour past the session's end, so the page can say "expired" (the server
    # refuses it from ``exp`` on)
    response.set_cookie(_cookie_name(request), value, max_age=int(settings.seconds) + 3600, path="/", httponly=True,
                        samesite="strict", secure=_secure(request))
    response.delete_cookie(PRE_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return Session(role, sid, expires, _token(settings.secret, "csrf", sid))


def revoke(request: Request, session: Session) -> None:
    """Sign ``session`` out in this process (its cookie is refused from now on)."""
    _, revoked = _state(request)
    revoked.add(session.sid, session.expires)


def clear_session(request: Request, response: Response) -> None:
    """Delete the session cookie from the browser."""
    response.delete_cookie(_cookie_name(request), path="/", httponly=True, samesite="strict",
                           secure=_secure(request))


def pre_session_token(request: Request, response: Response) -> str:
    """The CSRF token of the sign-in form; sets (or keeps) the pre-session cookie it is bound to."""
    settings, _ = _state(request)
    payload = unsign(settings.secret, request.cookies.get(PRE_COOKIE))
    if payload is None or not isinstance(payload.get("n"), str) or payload.get("exp", 0) <= time.time():
        payload = {"n": secrets.token_urlsafe(18), "exp": int(time.time() + _PRE_SECONDS)}
        response.set_cookie(PRE_COOKIE, sign(settings.secret, payload), max_age=_PRE_SECONDS, path="/",
                            httponly=True, samesite="strict", secure=_secure(request))
    return _token(settings.secret, "pre", payload["n"])


def check_csrf(request: Request, token: str | None, session: Session | None) -> None:
    """Refuse a POST whose token does not match the session's (or, at sign-in, the pre-session cookie's).

    Also refuses a POST whose ``Origin`` header names another site.

    Raises
    ------
    CsrfError
    """
    origin = request.headers.get("origin")
    if origin and origin != "null":
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin.rstrip("/") != own:
            raise CsrfError(f"the form was sent from {origin}, not from this site")
    if not token:
        raise CsrfError("the form has no CSRF token")
    if session is not None:
        expected = session.csrf
    else:
        settings, _ = _state(request)
        payload = unsign(settings.secret, request.cookies.get(PRE_COOKIE))
        if payload is None or not isinstance(payload.get("n"), str) or payload.get("exp", 0) <= time.time():
            raise CsrfError("the sign-in form is too old; reload the page")
        expected = _token(settings.secret, "pre", payload["n"])
    if not hmac.compare_digest(token.encode("utf-8", "replace"), expected.encode("ascii")):
        raise CsrfError("the form's CSRF token does not match this session")
