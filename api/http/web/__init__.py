"""网页工作台 — the web workbench: server-rendered Chinese-first pages over the same app as the API.

For the bureau's analysts, matchmakers and event planners, who never open a terminal: sign in with a key
(a session cookie, never the key), search with the one resolver, an organisation's profile with its
pairing cards, matchmaking events (sign-up lists, meeting plans, outcomes), maps and reports.  Pages live
under ``/web`` (``/`` redirects there); their static files (one stylesheet, one small script) are served
from the package under ``/web/static``; nothing is loaded from anywhere else.

:func:`install` adds the pages to an app built by :func:`api.http.app.create_app`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.http.web import auth, events, maps, organisation, reports, search
from api.http.web.common import PREFIX

__all__ = ["PAGE_ROUTERS", "STATIC_DIR", "install"]

#: The routers of the workbench pages, in the order they are included.
PAGE_ROUTERS = [auth.router, search.router, organisation.router, events.router, maps.router, reports.router,
                auth.root_router]

#: The workbench's static files (app.css, app.js).
STATIC_DIR = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Include the workbench's routers and mount its static files on ``app``."""
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(STATIC_DIR)), name="web-static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
