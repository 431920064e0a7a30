"""The FastAPI application: store in the lifespan, keys and roles, problem-details errors, offline docs.

Run it with ``innonet serve``; build it in tests with ``create_app(store=...)``.

Every router listed in :data:`ROUTERS` is included; each route
declares the role it needs with :func:`api.http.security.require_role`, except
``/health`` and the documentation.  Errors are RFC 7807 ``application/problem+json``
bodies with ``type``, ``title``, ``status`` and ``detail``.

>>> from graph import SQLiteStore
>>> from fastapi.testclient import TestClient
>>> app = create_app(store=SQLiteStore(":memory:"), keyring=KeyRing([("viewer", "viewer-key-0123456789")]))
>>> TestClient(app).get("/health").json()["status"]
'ok'
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.cache import AppCache
from api.http.common import start_recommender
from api.http.errors import install_error_handlers, problem
from api.http.routes import (
    ecosystem,
    entities,
    exports,
    gaps,
    health,
    indicators,
    ingest,
    maps,
    pairings,
    schedule,
    targets,
)
from api.http.security import ApiSettings, AuthLimiter, KeyRing
from api.http.web import install as install_web
from graph.connect import open_store
from graph.settings import Settings
from graph.store import GraphStore

__all__ = ["ROUTERS", "UploadLimit", "create_app"]

#: Every router the app serves, in this order (explicit: a module is served only if it is listed here).
ROUTERS = [health.router, entities.router, pairings.router, schedule.router, ecosystem.router, gaps.router,
           indicators.router, targets.router, maps.router, exports.router, ingest.router]


class UploadLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` with 413 before the route reads them.

    A declared ``Content-Length`` over the limit is refused at once; a body without one
    is read up to the limit and replayed to the app.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit_mb = self.max_bytes / (1024 * 1024)
        response = problem(
            413,
            f"the request body is larger than the limit of {limit_mb:g} MiB; split the file or raise "
            "INNONET_MAX_UPLOAD_MB",
        )
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        total = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body = message.get("body", b"")
            total += len(body)
            if total > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _install_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from the assets of the ``swagger-ui-bundle`` package (no CDN)."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-static", StaticFiles(directory=str(swagger_ui_path)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon-32x32.png",
            # the key is not kept in the browser's localStorage (a shared office computer): re-enter it per visit
            swagger_ui_parameters={"persistAuthorization": False},
        )


def create_app(
    store: GraphStore | None = None,
    settings: Settings | None = None,
    *,
    api_settings: ApiSettings | None = None,
    keyring: KeyRing | None = None,
) -> FastAPI:
    """Build the HTTP API.

    Parameters
    ----------
    store : GraphStore, optional
        Use this store (it is not closed on shutdown).  Without it the lifespan opens
        the store the ``settings`` name with :func:`graph.connect.open_store` and closes it.
    settings : graph.settings.Settings, optional
        Where the data lives; default from the environment.
    api_settings : ApiSettings, optional
        Keys, upload limit and cache TTL; default from the environment.
    keyring : KeyRing, optional
        Accepted keys; default built from ``api_settings``.  An empty ring accepts no key.

    Returns
    -------
    fastapi.FastAPI
    """
    api_settings = api_settings or ApiSettings()
    keyring = keyring if keyring is not None else KeyRing.from_settings(api_settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened: GraphStore | None = None
        if app.state.store is None:
            opened = open_store(settings or Settings())
            app.state.store = opened
        cache: AppCache = app.state.cache
        cache.watch(app.state.store, interval=api_settings.innonet_cache_check_seconds, poll=True)
        start_recommender(app.state.store, cache)  # fitted in the background: no request waits for it
        try:
            yield
        finally:
            cache.close()
            if opened is not None:
                app.state.store = None
                opened.close()

    app = FastAPI(
        title="innonet",
        summary="宜兴创新网络分析 — the innovation-network analyzer of the Yixing S&T bureau",
        description=(
            "Entity search, pairing recommendations (产学研对接), aggregates and maps over the innovation "
            "network. Every route except `/health` and the docs needs an API key, sent as "
            "`Authorization: Bearer KEY` or `X-API-Key: KEY`. Roles: viewer < matchmaker < admin. "
            "Errors are `application/problem+json`."
        ),
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    app.state.keyring = keyring
    app.state.auth_limiter = AuthLimiter(per_minute=api_settings.innonet_auth_failures_per_minute)
    app.state.api_settings = api_settings
    app.state.cache = AppCache(ttl=api_settings.innonet_cache_ttl)
    app.add_middleware(UploadLimit, max_bytes=int(api_settings.innonet_max_upload_mb * 1024 * 1024))
    install_error_handlers(app)
    _install_docs(app)
    for router in ROUTERS:
        app.include_router(router)
    install_web(app)  # the web workbench: pages under /web, its static files under /web/static
    return app
