"""Sign-in, sign-out and the home page of the workbench."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.http.security import AuthLimiter, KeyRing
from api.http.web.common import PREFIX, SECURITY_HEADERS, PageRoute, page, require
from api.http.web.session import (
    Session,
    SessionRequired,
    check_csrf,
    clear_session,
    current_session,
    pre_session_token,
    revoke,
    start_session,
)

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

_WHY = {
    "expired": "会话已过期，请重新登录 / your session has expired; please sign in again",
    "signout": "已退出登录 / you have signed out",
    "signin": "请先登录 / please sign in first",
}


def _safe_next(target: str | None) -> str:
    """Only a path of this workbench (never another site) is a place to go after signing in."""
    if not target:
        return f"{PREFIX}/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(f"{PREFIX}/") or "\\" in target:
        return f"{PREFIX}/"
    return target


def _signin_page(request: Request, status_code: int = 200, message: str | None = None, next: str | None = None,
                 error: str | None = None) -> Response:
    """The sign-in form with its CSRF token (and the pre-session cookie the token is bound to)."""
    holder = Response()
    token = pre_session_token(request, holder)
    response = page(request, "signin.html", status_code=status_code, message=message, next=_safe_next(next),
                    error=error, csrf=token)
    for key, value in holder.headers.items():
        if key.lower() == "set-cookie":
            response.headers.append("set-cookie", value)
    return response


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, why: str | None = None, next: str | None = None) -> Response:
    try:
        current_session(request)
    except SessionRequired:
        pass
    else:
        if why is None:
            return RedirectResponse(_safe_next(next), status_code=303)
    return _signin_page(request, message=_WHY.get(why or ""), next=next)


def _too_many(request: Request, wait: int, next: str) -> Response:
    response = _signin_page(request, 429, next=next,
                            error=f"错误次数过多，请 {wait} 秒后再试 / too many wrong keys; try again in {wait} s")
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/signin", response_class=HTMLResponse)
def signin(request: Request, key: Annotated[str, Form(max_length=500)] = "",
           csrf: Annotated[str, Form(max_length=200)] = "", next: Annotated[str, Form(max_length=2000)] = "") -> Response:
    check_csrf(request, csrf, None)
    keyring: KeyRing = request.app.state.keyring
    limiter: AuthLimiter | None = getattr(request.app.state, "auth_limiter", None)  # the API's: one budget
    address = request.client.host if request.client is not None else "unknown"
    if limiter is not None and (wait := limiter.retry_after(address)):
        return _too_many(request, wait, next)
    role = keyring.role_for(key.strip())
    if role is None:
        if limiter is not None and (wait := limiter.failed(address)):
            return _too_many(request, wait, next)
        return _signin_page(request, 401, next=next,
                            error="密钥无效，请向管理员索取 / the key is not valid; ask the administrator for one")
    response = RedirectResponse(_safe_next(next), status_code=303, headers={"Cache-Control": "no-store"})
    start_session(request, response, role)
    return response


@router.post("/signout")
def signout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "",
            session: Session = Depends(require("viewer"))) -> Response:  # noqa: B008
    check_csrf(request, csrf, session)
    revoke(request, session)
    response = RedirectResponse(f"{PREFIX}/signin?why=signout", status_code=303, headers=dict(SECURITY_HEADERS))
    clear_session(request, response)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Session = Depends(require("viewer"))) -> Response:  # noqa: B008
    return page(request, "home.html", session=session)


root_router = APIRouter(include_in_schema=False)


@root_router.get("/")
def root() -> Response:
    """``/`` opens the workbench."""
    return RedirectResponse(f"{PREFIX}/", status_code=307)
