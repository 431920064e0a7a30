"""The FastAPI application: store in the lifespan, keys and roles, problem-details errors, offline docs.

Run it with ``innonet serve``; build it in tests with ``create_app(store=...)``.

Every router of :mod:`api.routes` (each module's ``router``) is included; each route
declares the role it needs with :func:`api.security.require_role`, except
``/health`` and the documentation.  Errors are RFC 7807 ``application/problem+json``
bodies with ``type``, ``title``, ``status`` and ``detail``.

>>> from graph import SQLiteStore
>>> from fastapi.testclient import TestClient
>>> app = create_app(store=SQLiteStore(":memory:"), keyring=KeyRing([("viewer", "k")]))
>>> TestClient(app).get("/health").json()["status"]
'ok'
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import api.routes
from api.security import ApiSettings, KeyRing
from graph.connect import open_store
from graph.errors import (
    IngestError,
    InnonetError,
    InvalidUSCCError,
    NotFittedError,
    NotFoundError,
    SchemaError,
    StoreConnectionError,
)
from graph.settings import Settings
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore

__all__ = [
    "PROBLEM_JSON",
    "AppCache",
    "StoreWatcher",
    "UploadLimit",
    "create_app",
    "get_cache",
    "get_store",
    "problem",
    "store_fingerprint",
]

log = logging.getLogger("innonet.api")

PROBLEM_JSON = "application/problem+json"

T = TypeVar("T")


def store_fingerprint(store: GraphStore) -> Callable[[], Any]:
    """A cheap function whose value changes whenever ``store``'s data changes (also through other processes).

    * SQLite file: ``PRAGMA data_version`` on a connection of its own (it changes with every commit by
      any other connection, the store's own and other processes' alike), plus the store connection's
      ``total_changes``; a few microseconds, no lock shared with the store's queries.
    * SQLite ``:memory:``: the store connection's ``total_changes`` (nobody else can write to it).
    * Any other store (Neo4j): :meth:`~graph.store.GraphStore.counts` — one query; it misses a
      change that only edits properties (the cache TTL catches those).

    The probe connection of a SQLite file is closed when the returned function is garbage collected;
    call its ``close`` attribute to close it at once.

    Examples
    --------
    >>> store = SQLiteStore(":memory:")
    >>> probe = store_fingerprint(store)
    >>> before = probe()
    >>> _ = store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    >>> probe() != before
    True
    """
    if isinstance(store, SQLiteStore):
        connection = store._conn
        if store.path in ("", ":memory:") or store.path.startswith("file::memory:"):
            probe: Callable[[], Any] = lambda: connection.total_changes
            probe.close = lambda: None  # type: ignore[attr-defined]
            return probe
        own = sqlite3.connect(store.path, check_same_thread=False, isolation_level=None)
        guard = threading.Lock()

        def sqlite_probe() -> Any:
            with guard:
                return own.execute("PRAGMA data_version").fetchone()[0], connection.total_changes

        sqlite_probe.close = own.close  # type: ignore[attr-defined]
        return sqlite_probe

    def counts_probe() -> Any:
        counts = store.counts()
        return tuple(sorted(counts["nodes"].items())), tuple(sorted(counts["relationships"].items()))

    counts_probe.close = lambda: None  # type: ignore[attr-defined]
    return counts_probe


class StoreWatcher:
    """Notices that the store changed since the last look (see :func:`store_fingerprint`), at most every ``interval`` s.

    Parameters
    ----------
    store : GraphStore
    interval : float
        Seconds between two looks; between them :meth:`changed` costs one clock read.

    Examples
    --------
    >>> store = SQLiteStore(":memory:")
    >>> watcher = StoreWatcher(store, interval=0)
    >>> watcher.changed()
    False
    >>> _ = store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    >>> watcher.changed(), watcher.changed()
    (True, False)
    """

    def __init__(self, store: GraphStore, interval: float = 1.0) -> None:
        self.interval = interval
        self._probe = store_fingerprint(store)
        self._looking = threading.Lock()
        self._seen: Any = None
        self.rebaseline()
        self._next_look = time.monotonic() + interval

    def changed(self) -> bool:
        """True once after each change of the store (False while another thread is looking)."""
        now = time.monotonic()
        if now < self._next_look or not self._looking.acquire(blocking=False):
            return False
        try:
            self._next_look = now + self.interval
            try:
                current = self._probe()
            except (sqlite3.Error, InnonetError):  # store closing or unreachable: the routes will say so
                return False
            if current == self._seen:
                return False
            self._seen = current
            return True
        finally:
            self._looking.release()

    def rebaseline(self) -> None:
        """Take the store as it is now as seen (after an invalidation by the API itself)."""
        with self._looking:
            try:
                self._seen = self._probe()
            except (sqlite3.Error, InnonetError):
                pass

    def close(self) -> None:
        """Close the probe's own connection, if any."""
        self._probe.close()  # type: ignore[attr-defined]


class AppCache:
    """Results reused across requests: one value per key, rebuilt after ``ttl`` seconds, an invalidation,
    or a change of the store made by anyone (when a :class:`StoreWatcher` is attached with :meth:`watch`).

    Building is done under a per-key lock so concurrent first requests build once.

    Parameters
    ----------
    ttl : float
        Seconds a value is reused; ingest and delete through the API call :meth:`invalidate`.

    Examples
    --------
    >>> cache = AppCache(ttl=60)
    >>> cache.get("answer", lambda: 42), cache.get("answer", lambda: 0)
    (42, 42)
    >>> cache.invalidate(); cache.get("answer", lambda: 7)
    7
    >>> store = SQLiteStore(":memory:")
    >>> cache.watch(store, interval=0)
    >>> _ = store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    >>> cache.get("answer", lambda: 8)
    8
    """

    def __init__(self, ttl: float = 300.0) -> None:
        self.ttl = ttl
        self.generation = 0
        self.watcher: StoreWatcher | None = None
        self._entries: dict[Any, tuple[float, int, float, Any]] = {}
        self._locks: dict[Any, threading.Lock] = {}
        self._guard = threading.Lock()

    def watch(self, store: GraphStore | None, interval: float = 1.0) -> None:
        """Invalidate whenever ``store`` changes, looking at most every ``interval`` s (None: stop watching)."""
        if self.watcher is not None:
            self.watcher.close()
        self.watcher = None if store is None else StoreWatcher(store, interval=interval)

    def peek(self, key: Any) -> Any | None:
        """The cached value of ``key`` if it is fresh, else None (never builds)."""
        watcher = self.watcher
        if watcher is not None and watcher.changed():
            self._forget()
        entry = self._entries.get(key)
        if entry is None:
            return None
        built_at, generation, ttl, value = entry
        if generation != self.generation or time.monotonic() - built_at > ttl:
            return None
        return value

    def get(self, key: Any, build: Callable[[], T], ttl: float | None = None) -> T:
        """The value of ``key``, building it with ``build()`` when missing or stale.

        ``ttl`` overrides the cache's for this entry (``math.inf``: only an invalidation rebuilds it).
        """
        value = self.peek(key)
        if value is not None:
            return value
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            value = self.peek(key)
            if value is not None:
                return value
            generation = self.generation
            value = build()
            self._entries[key] = (time.monotonic(), generation, self.ttl if ttl is None else ttl, value)
            return value

    def _forget(self) -> None:
        with self._guard:
            self.generation += 1
            self._entries.clear()

    def invalidate(self) -> None:
        """Forget everything (the store changed)."""
        self._forget()
        if self.watcher is not None:
            self.watcher.rebaseline()


def problem(status: int, detail: str, *, title: str | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    """An RFC 7807 problem-details response.

    >>> problem(404, "no node with id 'x'").body
    b'{"type":"about:blank","title":"Not Found","status":404,"detail":"no node with id \\'x\\'"}'
    """
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def get_store(request: Request) -> GraphStore:
    """FastAPI dependency: the store the lifespan opened (or the one injected into :func:`create_app`)."""
    store = getattr(request.app.state, "store", None)
    if store is None:
        raise StoreConnectionError("the store is not open; the server is starting or shutting down")
    return store


async def get_cache(request: Request) -> AppCache:
    """FastAPI dependency: the app's :class:`AppCache`."""
    return request.app.state.cache


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


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5]]
        return problem(422, "; ".join(parts) or "invalid request", errors=errors)

    statuses: list[tuple[type[Exception], int]] = [
        (NotFoundError, 404),
        (IngestError, 400),
        (InvalidUSCCError, 422),
        (SchemaError, 422),
        (StoreConnectionError, 503),
        (NotFittedError, 503),
        (InnonetError, 400),
        (PermissionError, 403),
    ]
    for error_type, status in statuses:

        def handler(request: Request, exc: Exception, status: int = status) -> JSONResponse:
            return problem(status, str(exc))

        app.add_exception_handler(error_type, handler)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal error; the server log has the details")


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
            swagger_ui_parameters={"persistAuthorization": True},
        )


def _routers() -> list[Any]:
    routers = []
    for info in sorted(pkgutil.iter_modules(api.routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"api.routes.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            routers.append(router)
    return routers


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
        app.state.cache.watch(app.state.store, interval=api_settings.innonet_cache_check_seconds)
        try:
            yield
        finally:
            app.state.cache.watch(None)
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
    app.state.api_settings = api_settings
    app.state.cache = AppCache(ttl=api_settings.innonet_cache_ttl)
    app.add_middleware(UploadLimit, max_bytes=int(api_settings.innonet_max_upload_mb * 1024 * 1024))
    _install_error_handlers(app)
    _install_docs(app)
    for router in _routers():
        app.include_router(router)
    return app
