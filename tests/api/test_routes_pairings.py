"""GET /pairings/{entity_id}: fitted once, ranked partners with reasons, matchmaker only."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from analysis.pairing import PairingRecommender
from api.http.app import create_app
from api.http.security import KeyRing
from graph.sqlite_store import SQLiteStore
from tests.api.conftest import fill_pairing_world

KEYS = KeyRing([("viewer", "viewer-key-0123456789"), ("matchmaker", "matchmaker-key-0123456789"), ("admin", "admin-key-0123456789")])


@pytest.fixture(scope="module")
def pairing_client():
    store = SQLiteStore(":memory:")
    fill_pairing_world(store)
    app = create_app(store=store, keyring=KEYS)
    with TestClient(app, headers={"X-API-Key": "matchmaker-key-0123456789"}, raise_server_exceptions=False) as client:
        app.state.cache.wait_idle()  # the recommender is fitted in the background at start-up
        yield client, app, store


def test_ranked_partners_with_reasons(pairing_client):
    client, _app, store = pairing_client
    body = client.get("/pairings/e002", params={"k": 3}).json()
    assert body["entity_id"] == "e002" and body["total"] == 3 and body["limit"] == 3
    items = body["items"]
    assert [i["rank"] for i in items] == [1, 2, 3]
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    assert all(0 <= i["score"] <= 1 and i["explanation"] and i["reasons"] for i in items)
    assert {"signal", "contribution", "evidence"} <= set(items[0]["reasons"][0])
    direct = PairingRecommender().fit(store).recommend("e002", k=3)
    assert [i["id"] for i in items] == direct["id"].tolist()
    assert {i["kind"] for i in items} == {"University"}
    assert not any(i["existing"] for i in items)


def test_filters_and_reverse_direction(pairing_client):
    client, _app, _store = pairing_client
    with_existing = client.get("/pairings/e002", params={"k": 8, "include_existing": True}).json()["items"]
    assert len(with_existing) == 8
    assert client.get("/pairings/e002", params={"min_score": 1.0}).json()["total"] == 0
    firms = client.get("/pairings/u01", params={"k": 5}).json()["items"]
    assert len(firms) == 5 and {i["kind"] for i in firms} == {"Enterprise"}
    experts = client.get("/pairings/e000", params={"kind": "Talent"}).json()["items"]
    assert [e["name"] for e in experts] == ["赵专家"]  # matchmakers see talent names


def test_fitted_once_and_fast(pairing_client):
    client, app, _store = pairing_client
    client.get("/pairings/e001")
    recommender = app.state.cache.peek("recommender")
    assert recommender is not None
    started = time.perf_counter()
    for _ in range(10):
        assert client.get("/pairings/e003").status_code == 200
    assert (time.perf_counter() - started) / 10 < 0.5
    assert app.state.cache.peek("recommender") is recommender


def test_errors(pairing_client):
    client, _app, _store = pairing_client
    missing = client.get("/pairings/nobody")
    assert missing.status_code == 404 and "'nobody'" in missing.json()["detail"]
    assert client.get("/pairings/e001", params={"k": 0}).status_code == 422
    assert client.get("/pairings/e001", params={"kind": "Fund"}).status_code == 422
    assert {i["kind"] for i in client.get("/pairings/t-expert").json()["items"]} == {"Enterprise"}
    assert client.get("/pairings/e001", headers={"X-API-Key": "viewer-key-0123456789"}).status_code == 403


def test_too_little_history_is_409(client, api_app):
    matchmaker = client("matchmaker")
    api_app.state.cache.wait_idle()
    response = matchmaker.get("/pairings/e2")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "pairing is not available" in response.json()["detail"]


def test_preserialised_body_matches_the_documented_model(pairing_client):
    """The hot path writes JSON itself: the same items json_records gives, valid as a PairingPage."""
    import json

    import numpy as np

    from api.http.common import json_records
    from api.http.routes.pairings import PairingPage, pairing_body

    _client, app, _store = pairing_client
    _client.get("/pairings/e000")
    recommender = app.state.cache.peek("recommender")
    for entity_id, kind in (("e000", None), ("e005", "Talent"), ("u02", None)):
        found = recommender.recommend(entity_id, k=6, kind=kind, include_existing=True)
        body = json.loads(pairing_body(entity_id, 2022, found, 6))
        assert body["items"] == json_records(found)
        PairingPage.model_validate(body)
    odd = found.head(1).copy()
    odd["reasons"] = [[{"signal": "text", "contribution": np.float64("nan")}]]  # NaN inside: the safe path
    assert json.loads(pairing_body("u02", 2022, odd, 1))["items"][0]["reasons"][0]["contribution"] is None


def test_a_request_before_the_first_fit_gets_503_with_retry_after_not_a_wait(monkeypatch):
    import threading

    import analysis.pairing

    release = threading.Event()
    real_fit = analysis.pairing.PairingRecommender.fit

    def slow_fit(self, store, *args, **kwargs):
        release.wait(30)
        return real_fit(self, store, *args, **kwargs)

    monkeypatch.setattr(analysis.pairing.PairingRecommender, "fit", slow_fit)
    store = SQLiteStore(":memory:")
    fill_pairing_world(store)
    app = create_app(store=store, keyring=KEYS)
    with TestClient(app, headers={"X-API-Key": "matchmaker-key-0123456789"}, raise_server_exceptions=False) as client:
        started = time.perf_counter()
        early = client.get("/pairings/e002")
        assert time.perf_counter() - started < 2
        assert early.status_code == 503 and int(early.headers["retry-after"]) > 0
        assert "pairing model" in early.json()["detail"]
        release.set()
        app.state.cache.wait_idle()
        assert client.get("/pairings/e002").status_code == 200
        store.upsert_relationships("COLLABORATES_WITH", [{"source": "e002", "target": "u03", "year": 2023}])
        app.state.cache.invalidate()  # as a change noticed by the watcher: the old model answers meanwhile
        assert client.get("/pairings/e002").status_code == 200
        app.state.cache.wait_idle()
