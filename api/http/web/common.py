"""What the workbench pages share: templates, the page route class, the session dependencies, labels.

Pages are served under :data:`PREFIX`.  A page route is a :class:`PageRoute`: it turns the errors a page can
meet into pages (not problem+json): no session → the sign-in page (303), a form without its CSRF token →
403, a weaker role → 403, a name not found → 404 with suggestions, other innonet errors with their status.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from api.http.errors import STATUS_OF
from api.http.security import Principal
from api.http.web.session import CsrfError, Session, SessionRequired, current_session
from graph.errors import InnonetError
from graph.schema import KINDS

__all__ = [
    "PREFIX",
    "ROLE_ZH",
    "SECURITY_HEADERS",
    "PageRoute",
    "kind_zh",
    "page",
    "require",
    "templates",
]

log = logging.getLogger("innonet.web")

#: Where the workbench lives (``/`` redirects here).
PREFIX = "/web"

ROLE_ZH = {"viewer": "浏览者 viewer", "matchmaker": "对接专员 matchmaker", "admin": "管理员 admin"}

#: Headers of every workbench page: nothing but this server may load anything; no framing; no caching.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                "base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

_TEMPLATES = Path(__file__).parent / "templates"


def _number(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value) * 100:.0f}%"


def kind_zh(kind: Any) -> str:
    """``企业 Enterprise`` for a node kind."""
    spec = KINDS.get(kind) if isinstance(kind, str) else None
    return f"{spec.label_zh} {kind}" if spec is not None else str(kind)


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, (str, list, tuple)) and len(value) == 0)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=_number, percent=_percent, kind_zh=kind_zh, urlpart=lambda v: quote(str(v), safe=""))
    env.tests["present"] = _present
    env.globals.update(PREFIX=PREFIX, ROLE_ZH=ROLE_ZH)
    return env


templates = _environment()


def page(request: Request, name: str, status_code: int = 200, session: Session | None = None,
         **context: Any) -> HTMLResponse:
    """Render template ``name`` with ``context`` (plus the request, the session and the nav) as a page."""
    html = templates.get_template(name).render(request=request, session=session, **context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def require(role: str) -> Callable[..., Coroutine[Any, Any, Session]]:
    """A dependency: the request's session, if its role is ``role`` or stronger (else 403 / sign-in)."""

    async def dependency(request: Request) -> Session:
        session = current_session(request)
        if not session.can(role):
            raise HTTPException(403, f"这一页需要{ROLE_ZH[role]}权限；您的身份是{ROLE_ZH[session.role]} / "
                                     f"this page needs the {role} role; you are signed in as {session.role}")
        request.state.web_session = session
        return session

    dependency.__name__ = f"page_{role}"
    return dependency


def principal_of(session: Session = Depends(require("viewer"))) -> Principal:  # noqa: B008
    return session.principal


def _error_page(request: Request, status: int, message: str, candidates: Any = ()) -> HTMLResponse:
    session = getattr(request.state, "web_session", None)
    return page(request, "error.html", status_code=status, session=session, status=status, message=message,
                candidates=list(candidates or ()))


class PageRoute(APIRoute):
    """A route whose errors are pages: sign-in redirects, 403 for CSRF and roles, messages for the rest."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except SessionRequired as exc:
                target = f"{PREFIX}/signin?why={exc.reason}"
                if request.method == "GET" and request.url.path != f"{PREFIX}/signin":
                    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    target += f"&next={quote(path, safe='')}"
                return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
            except CsrfError as exc:
                return _error_page(request, 403, f"表单已失效，请刷新页面后重试 / the form was refused: {exc}")
            except HTTPException as exc:
                return _error_page(request, exc.status_code, str(exc.detail))
            except PermissionError as exc:
                return _error_page(request, 403, str(exc))
            except InnonetError as exc:
                status = next((STATUS_OF[cls] for cls in type(exc).__mro__ if cls in STATUS_OF), 400)
                found = getattr(exc, "candidates", None) or getattr(exc, "suggestions", None) or ()
                return _error_page(request, status, str(exc), found)

        return handler
