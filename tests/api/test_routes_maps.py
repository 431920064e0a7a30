"""GET /maps/{view}: offline HTML maps, filters like the CLI, talent names masked for viewers."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from analysis.pairing import PairingRecommender, schedule_meetings
from analysis.views import PROPOSED_MEETING, RECOMMENDED
from api.http.app import create_app
from api.http.security import KeyRing
from api.render.maps import check_offline
from graph.sqlite_store import SQLiteStore
from tests.api.conftest import fill_pairing_world


def _contains(page: str, text: str) -> bool:
    return text in page or json.dumps(text)[1:-1] in page or json.dumps(text)[1:-1].lower() in page


@pytest.mark.parametrize(("path", "params"), [
    ("/maps/ecosystem", {}), ("/maps/ego", {"id": "u1"}), ("/maps/community", {"community": 0}),
    ("/maps/ecosystem", {"town": "丁蜀镇"}), ("/maps/city", {}),
])
def test_views_render_offline_pages(client, path, params):
    response = client("viewer").get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    check_offline(response.text)


def test_viewer_map_masks_talent_names_matchmaker_map_shows_them(client):
    viewer_page = client("viewer").get("/maps/ego", params={"id": "u1"}).text
    matchmaker_page = client("matchmaker").get("/maps/ego", params={"id": "u1"}).text
    assert not _contains(viewer_page, "王小明") and _contains(viewer_page, "王**")
    assert _contains(matchmaker_page, "王小明")


def test_map_errors(client):
    viewer = client("viewer")
    assert viewer.get("/maps/ego", params={"id": "nope"}).status_code == 404
    assert viewer.get("/maps/ego").status_code == 422
    assert viewer.get("/maps/ecosystem", params={"tier": "xx"}).status_code == 422  # not a tier name
    assert viewer.get("/maps/globe").status_code == 422
    assert client(None).get("/maps/ecosystem").status_code == 401


# ---- the CLI's filters, recommendations and meeting plans from the cached recommender ----------


def _page_data(page: str) -> dict:
    block = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert block is not None
    return json.loads(block.group(1))


def _edges_of_type(page: str, rel_type: str) -> list[list]:
    data = _page_data(page)
    return [e for g in data["groups"].values() for e in g["edges"] if data["edgeTypes"][e[2]]["type"] == rel_type]


@pytest.fixture(scope="module")
def pairing_maps():
    store = SQLiteStore(":memory:")
    fill_pairing_world(store)
    store.upsert_nodes("Event", [{"id": "ev1", "name": "2023年膜材料对接会", "year": 2023}])
    store.upsert_relationships("ATTENDED", [{"source": a, "target": "ev1"}
                                            for a in ("e000", "e002", "e004", "e006", "u00", "u01", "t-expert")])
    app = create_app(store=store, keyring=KeyRing([("viewer", "viewer-key-0123456789"), ("matchmaker", "matchmaker-key-0123456789")]))
    with TestClient(app, headers={"X-API-Key": "matchmaker-key-0123456789"}, raise_server_exceptions=False) as test_client:
        app.state.cache.wait_idle()  # the recommender is fitted in the background at start-up
        yield test_client, app


def test_ego_map_draws_the_cached_recommenders_partners_without_refitting(pairing_maps, monkeypatch):
    client, app = pairing_maps
    expected = client.get("/pairings/e002", params={"k": 4}).json()["items"]
    fitted = app.state.cache.peek("recommender")

    def no_refit(*args, **kwargs):
        raise AssertionError("the map refitted the recommender")

    monkeypatch.setattr(PairingRecommender, "fit", no_refit)
    page = client.get("/maps/ego", params={"id": "宜兴企业2", "k": 4, "title": "对接推荐图"})  # by name, like the CLI
    assert page.status_code == 200, page.text
    recommended = _edges_of_type(page.text, RECOMMENDED)
    assert [e[1] for e in recommended] == [i["id"] for i in expected]
    assert "<title>对接推荐图</title>" in page.text
    assert app.state.cache.peek("recommender") is fitted
    none_drawn = client.get("/maps/ego", params={"id": "e002", "k": 0}).text
    assert not _edges_of_type(none_drawn, RECOMMENDED) and "returned no partners" not in none_drawn


def test_viewers_ego_map_leaves_recommendations_out_and_says_so(pairing_maps):
    client, _app = pairing_maps
    page = client.get("/maps/ego", params={"id": "e002"}, headers={"X-API-Key": "viewer-key-0123456789"}).text
    assert not _edges_of_type(page, RECOMMENDED)
    assert "matchmakers only" in page and "returned no partners" not in page


def test_event_map_with_a_meeting_plan(pairing_maps):
    client, app = pairing_maps
    page = client.get("/maps/event", params={"id": "ev1", "slots": 2, "max_meetings": 2})
    assert page.status_code == 200, page.text
    meetings = _edges_of_type(page.text, PROPOSED_MEETING)
    planned = schedule_meetings(app.state.cache.peek("recommender"),
                                ["e000", "e002", "e004", "e006", "u00", "u01", "t-expert"], 2, 2)[0]
    assert sorted((e[0], e[1]) for e in meetings) == sorted(zip(planned["enterprise_id"], planned["partner_id"]))
    assert len(meetings) >= 4
    default = client.get("/maps/event", params={"id": "ev1"}).text  # DEFAULT_SLOTS, DEFAULT_MAX_MEETINGS
    assert len(_edges_of_type(default, PROPOSED_MEETING)) > len(meetings)
    assert "meetings planned by the pairing model" in default
    for_viewer = client.get("/maps/event", params={"id": "ev1"}, headers={"X-API-Key": "viewer-key-0123456789"}).text
    assert not _edges_of_type(for_viewer, PROPOSED_MEETING) and "matchmakers only" in for_viewer


def test_cached_graph_is_not_changed_by_a_view(pairing_maps):
    client, app = pairing_maps
    first = _page_data(client.get("/maps/ego", params={"id": "e002", "k": 3}).text)
    second = _page_data(client.get("/maps/ego", params={"id": "e004", "k": 3}).text)
    roles = {n["id"]: n["role"] for n in second["groups"]["all"]["nodes"]}
    assert roles["e004"] == "centre" and roles.get("e002") != "centre"
    graph = app.state.cache.peek(("graph", False))
    assert "role" not in graph.nodes["e002"] and {n["id"] for n in first["groups"]["all"]["nodes"]} <= set(graph)


def test_map_filter_errors(pairing_maps):
    client, _app = pairing_maps
    viewer = {"X-API-Key": "viewer-key-0123456789"}
    assert client.get("/maps/event", params={"id": "ev1", "slots": 2, "max_meetings": 1},
                      headers=viewer).status_code == 403
    assert client.get("/maps/event", params={"id": "ev1", "max_meetings": 1}, headers=viewer).status_code == 403
    assert client.get("/maps/event", params={"id": "ev1", "slots": 0}).status_code == 422
    assert client.get("/maps/ecosystem", params={"slots": 2, "max_meetings": 2}).status_code == 422
    assert client.get("/maps/event", params={"id": "e000", "slots": 2, "max_meetings": 2}).status_code == 422
    ambiguous = client.get("/maps/ego", params={"id": "大学"})  # part of several names: 409 with the candidates
    assert ambiguous.status_code == 409 and len(ambiguous.json()["candidates"]) >= 2
    assert client.get("/maps/ego", params={"id": "e002", "k": 51}).status_code == 422


def test_tier_alias_and_masking_of_names_in_lookups(client):
    assert client("viewer").get("/maps/ecosystem", params={"tier": "高企"}).status_code == 200
    # a viewer's graph is masked, so a talent cannot be found by the real name
    assert client("viewer").get("/maps/ego", params={"id": "王小明"}).status_code == 404
    assert client("matchmaker").get("/maps/ego", params={"id": "王小明"}).status_code == 200
