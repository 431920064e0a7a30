"""The app framework: lifespan, health, problem details, offline docs, every route keyed, upload limit, cache."""

from __future__ import annotations

import re
import time

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from api.http.app import UploadLimit, create_app
from api.http.cache import AppCache
from api.http.errors import problem
from api.http.security import ApiSettings, KeyRing
from graph.errors import StoreConnectionError
from graph.settings import Settings
from graph.sqlite_store import SQLiteStore

OPEN_PATHS = {"/health", "/docs", "/openapi.json"}


def _dependency_calls(route: APIRoute) -> list:
    calls, stack = [], [route.dependant]
    while stack:
        dependant = stack.pop()
        calls.append(dependant.call)
        stack.extend(dependant.dependencies)
    return calls


def _walk(routes):
    """Routes, with routers included lazily (FastAPI >= 0.16x ``_IncludedRouter``) expanded."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            assert not getattr(route.include_context, "prefix", ""), "routers are included without prefix"
            yield from _walk(original.routes)
        else:
            yield route


def test_every_route_but_health_and_docs_requires_a_key(api_app: FastAPI, client):
    keyed = []
    for route in _walk(api_app.routes):
        if isinstance(route, Mount):
            assert route.path in ("/docs-static", "/web/static")  # static Swagger UI and workbench assets only
            continue
        if route.path in OPEN_PATHS or route.path == "/" or route.path.startswith("/web/"):
            continue  # the workbench's pages take a session instead of a key: tests/api/test_web.py
        assert isinstance(route, APIRoute), route.path
        roles = [getattr(call, "required_role", None) for call in _dependency_calls(route)]
        assert any(roles), f"{route.methods} {route.path} has no require_role dependency"
        keyed.append(route)
        for method in route.methods:
            path = re.sub(r"\{[^}]+\}", "x", route.path)
            response = client(None).request(method, path)
            assert response.status_code == 401, (method, path, response.status_code)
    assert len(keyed) >= 4


def test_health_needs_no_key_and_reports_a_broken_store(api_store, client):
    assert client(None).get("/health").json() == {"status": "ok"}
    broken = SQLiteStore(":memory:")
    broken.close()
    app = create_app(store=broken, keyring=KeyRing())
    response = TestClient(app, raise_server_exceptions=False).get("/health")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Service Unavailable"


def test_lifespan_opens_and_closes_the_configured_store(tmp_path):
    path = tmp_path / "served.db"
    SQLiteStore(path).upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    app = create_app(settings=Settings(innonet_db=str(path)), keyring=KeyRing([("viewer", "viewer-key-0123456789")]))
    with TestClient(app, headers={"X-API-Key": "viewer-key-0123456789"}) as test_client:
        assert test_client.get("/entities/u1").json()["name"] == "江南大学"
        store = app.state.store
    assert app.state.store is None
    with pytest.raises(StoreConnectionError):
        store.ping()


def test_without_lifespan_or_store_routes_answer_503(api_keys):
    app = create_app(keyring=KeyRing([("viewer", "viewer-key-0123456789")]), settings=Settings(innonet_db=":memory:"))
    response = TestClient(app, headers={"X-API-Key": "viewer-key-0123456789"}).get("/entities")  # no `with`: lifespan not run
    assert response.status_code == 503


def test_problem_details_shape_for_404_and_422(client):
    missing = client("viewer").get("/entities/no-such-id")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    body = missing.json()
    assert set(body) >= {"type", "title", "status", "detail"} and "'no-such-id'" in body["detail"]
    bad = client("viewer").get("/entities", params={"limit": "lots"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "limit"]
    assert "limit" in bad.json()["detail"]


def test_docs_work_offline(client):
    docs = client(None).get("/docs")
    assert docs.status_code == 200
    sources = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", docs.text)
    assert sources, "the docs page should load local assets"
    assert not [s for s in sources if s.startswith(("http", "//"))]
    assert "http" not in re.sub(r"openapi\.json", "", docs.text.split("<script>")[-1])
    for source in sources:
        assert client(None).get(source).status_code == 200, source
    assert "swagger" in client(None).get("/docs-static/swagger-ui-bundle.js").text[:5000].lower()
    assert client(None).get("/openapi.json").json()["info"]["title"] == "innonet"


def test_openapi_documents_problem_json_and_key_schemes(api_app):
    schema = api_app.openapi()
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    responses = schema["paths"]["/entities/{entity_id}"]["get"]["responses"]
    assert "application/problem+json" in responses["404"]["content"]
    assert "application/problem+json" in responses["422"]["content"]


def test_upload_limit_refuses_big_bodies_with_413(client):
    big = b"x" * (1024 * 1024 + 10)
    response = client("admin").post("/entities", content=big, headers={"content-type": "application/octet-stream"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "1 MiB" in response.json()["detail"]


def test_upload_limit_counts_chunked_bodies(api_app):
    async def echo(scope, receive, send):
        message = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(message["body"])).encode()})

    limited = TestClient(UploadLimit(echo, max_bytes=10))

    def chunks(n):
        yield from (b"a" * 4 for _ in range(n))

    assert limited.post("/", content=chunks(2)).text == "8"
    assert limited.post("/", content=chunks(3)).status_code == 413


def test_cache_expires_and_builds_once():
    cache = AppCache(ttl=0.0)
    calls = []
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 1
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 1  # ttl 0: stale, served while rebuilt
    cache.wait_idle()
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 2
    cache = AppCache(ttl=60)
    assert [cache.get("k", lambda: calls.append(1) or "v") for _ in range(3)] == ["v"] * 3
    assert cache.peek("missing") is None


def test_a_stale_value_is_served_at_once_while_one_background_build_replaces_it():
    import threading

    cache = AppCache(ttl=60)
    release = threading.Event()
    builds = []

    def slow_build():
        builds.append(1)
        release.wait(10)
        return "new"

    assert cache.get("k", lambda: "old") == "old"
    cache.generation += 1  # stale (invalidate() would also rebuild it at once with its own build)
    started = time.perf_counter()
    assert [cache.get("k", slow_build) for _ in range(20)] == ["old"] * 20  # nobody waits for the rebuild
    assert time.perf_counter() - started < 1 and cache.peek("k") is None
    release.set()
    cache.wait_idle()
    assert cache.get("k", slow_build) == "new" and builds == [1]  # one rebuild for all those requests
    cache.close()


def test_a_value_built_from_stale_ones_is_built_from_fresh_ones():
    cache = AppCache(ttl=60)
    source = {"n": 1}
    assert cache.get("derived", lambda: cache.get("base", lambda: source["n"]) * 10) == 10
    source["n"] = 2
    cache.invalidate()
    assert cache.get("derived", lambda: cache.get("base", lambda: source["n"]) * 10) == 10  # stale, served
    cache.wait_idle()
    assert cache.get("derived", lambda: 0) == 20 and cache.get("base", lambda: 0) == 2
    cache.close()


def test_get_ready_never_builds_in_the_request_and_says_when_to_come_back():
    import threading

    from graph.errors import NotFittedError

    cache = AppCache(ttl=60)
    release = threading.Event()
    cache.start("model", lambda: release.wait(10) and "fitted")
    with pytest.raises(NotFittedError, match="being prepared"):
        cache.get_ready("model", lambda: "never used", what="the model")
    release.set()
    cache.wait_idle()
    assert cache.get_ready("model", lambda: "never used") == "fitted"
    cache.start("bad", lambda: 1 / 0)
    cache.wait_idle()
    with pytest.raises(ZeroDivisionError):
        cache.get_ready("bad", lambda: 1 / 0)
    cache.close()


def test_problem_helper():
    response = problem(413, "too big", title="Payload Too Large")
    assert response.status_code == 413 and response.media_type == "application/problem+json"


def test_bad_key_configuration_fails_at_build(monkeypatch):
    monkeypatch.setenv("INNONET_API_KEYS", "boss:boss-key-0123456789")
    with pytest.raises(ValueError, match="entry 1: the role before ':' is not one of") as raised:
        create_app(store=SQLiteStore(":memory:"))
    assert "boss" not in str(raised.value)
    monkeypatch.setenv("INNONET_API_KEYS", "admin:admin-key-0123456789,viewer:viewer-key-0123456789")
    app = create_app(store=SQLiteStore(":memory:"), api_settings=ApiSettings())
    assert app.state.keyring.role_for("admin-key-0123456789") == "admin"


def _settles(test_client, cache, url="/ecosystem/summary", tries=6):
    """The answers of ``url`` (its ``nodes``) asked ``tries`` times, letting the cache finish between, without repeats."""
    answers = []
    for _ in range(tries):
        nodes = test_client.get(url).json()["nodes"]
        if not answers or answers[-1] != nodes:
            answers.append(nodes)
        cache.wait_idle()
    return answers


def test_cache_follows_changes_made_outside_the_api(tmp_path):
    """Another writer (here a second connection, as another process's ingest would be) makes the cache stale:
    the old answer is served until the background rebuild is swapped in."""
    path = tmp_path / "shared.db"
    SQLiteStore(path).upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    settings = ApiSettings(innonet_cache_check_seconds=0)
    app = create_app(settings=Settings(innonet_db=str(path)), keyring=KeyRing([("viewer", "viewer-key-0123456789")]),
                     api_settings=settings)
    with TestClient(app, headers={"X-API-Key": "viewer-key-0123456789"}) as test_client:
        cache = app.state.cache
        assert test_client.get("/ecosystem/summary").json()["nodes"] == {"University": 1}
        generation = cache.generation
        assert test_client.get("/ecosystem/summary").json()["nodes"] == {"University": 1}
        assert cache.generation == generation  # nothing changed: served from the cache
        other = SQLiteStore(path)
        other.upsert_nodes("University", [{"id": "u2", "name": "南京工业大学"}])
        assert _settles(test_client, cache) == [{"University": 1}, {"University": 2}]  # stale first, then fresh
        other.delete_nodes(["u1"])
        other.close()
        assert _settles(test_client, cache)[-1] == {"University": 1}
    assert app.state.cache.watcher is None  # the probe connection is closed with the app


def test_cache_follows_direct_writes_to_an_injected_store_and_api_writes_rebuild_once(api_app, client):
    viewer, admin = client("viewer"), client("admin")
    cache = api_app.state.cache
    cache.watch(api_app.state.store, interval=0)  # the lifespan attached one with the default
    before = viewer.get("/ecosystem/summary").json()["nodes"]["University"]
    api_app.state.store.upsert_nodes("University", [{"id": "u9", "name": "东南大学"}])
    assert _settles(viewer, cache)[-1]["University"] == before + 1
    generation = cache.generation
    assert admin.delete("/entities/u9").status_code == 200
    assert _settles(viewer, cache)[-1]["University"] == before
    assert cache.generation == generation + 1  # the delete's own invalidation, not a second one


def test_watcher_looks_at_most_every_interval(monkeypatch):
    store = SQLiteStore(":memory:")
    cache = AppCache(ttl=60)
    cache.watch(store, interval=3600)

    def count():
        return len(store.nodes())

    assert cache.get("k", count) == 0
    store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    assert cache.get("k", count) == 0  # not looked yet
    assert cache.peek("k") == 0
    cache.watcher._next_look = 0.0  # the interval has passed
    assert cache.peek("k") is None  # stale now (and being rebuilt)
    cache.wait_idle()
    assert cache.get("k", count) == 1
    cache.watch(None)
    assert cache.watcher is None
    cache.close()


def test_the_watching_thread_rebuilds_started_values_after_a_change_without_any_request(tmp_path):
    path = tmp_path / "w.db"
    store = SQLiteStore(path)
    cache = AppCache(ttl=60)
    cache.watch(store, interval=0.05, poll=True)
    cache.start("count", lambda: len(store.nodes()))
    cache.wait_idle()
    assert cache.peek("count") == 0
    SQLiteStore(path).upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    deadline = time.monotonic() + 10
    while cache.peek("count") != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cache.peek("count") == 1
    cache.close()
    store.close()


def test_default_data_version_follows_counts():
    from api.http.security import MaskedStore
    from graph.store import GraphStore

    inner = SQLiteStore(":memory:")
    masked = MaskedStore(inner)
    assert masked.data_version() == inner.data_version()  # delegated

    def probe():  # the base class's version: the counts, for stores without a cheaper one
        return GraphStore.data_version(masked)

    before = probe()
    inner.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    assert probe() != before and probe() == probe()


def test_one_read_model_per_masking_level(tmp_path):
    """The analyses, the name index, the map graph and the entity search all start from the cached snapshot:
    a viewer's round of requests reads the whole node table once (issue: one read model)."""
    from fastapi.testclient import TestClient

    from tests.api.conftest import API_KEYS, fill_small_network

    reads: list[str] = []

    class CountingStore(SQLiteStore):
        def nodes(self, kind=None, ids=None):
            if kind is None and ids is None:
                reads.append("nodes")
            return super().nodes(kind=kind, ids=ids)

    store = CountingStore(tmp_path / "count.db")
    fill_small_network(store)
    app = create_app(store=store, keyring=KeyRing([("viewer", API_KEYS["viewer"])]))
    with TestClient(app) as viewer:
        viewer.headers["X-API-Key"] = API_KEYS["viewer"]
        app.state.cache.wait_idle()
        reads.clear()
        for path, params in [("/entities", {"q": "精陶"}), ("/entities", {"town": "丁蜀镇"}), ("/maps/ecosystem", {}),
                             ("/ecosystem/summary", {}), ("/gaps/isolated_innovators", {}), ("/entities", {"q": "江南"})]:
            assert viewer.get(path, params=params).status_code == 200, path
    assert reads == ["nodes"], reads
