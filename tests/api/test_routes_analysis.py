"""GET /ecosystem/*, /indicators, /gaps/{gap_type}: library results, paged, cached, masked for viewers."""

from __future__ import annotations

import pytest

from analysis import gaps
from analysis.ecosystem import communities, tier_pyramid
from analysis.indicators import indicators
from api.http.routes.gaps import GAP_FUNCTIONS


def test_summary_matches_the_library_and_is_cached(client, api_store, api_app):
    response = client("viewer").get("/ecosystem/summary")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["nodes"] == api_store.counts()["nodes"]
    pyramid = tier_pyramid(api_store, years=[body["as_of"]])
    city = pyramid[pyramid["dimension"] == "all"]
    assert body["tiers"] == dict(zip(city["tier"], city["enterprises"], strict=True))
    assert body["tiers"]["高新技术企业"] == 1 and body["as_of"] == 2022
    assert body["communities"] == len(communities(api_store))
    assert {h["measure"] for h in body["health"]} and all(0 <= h["share"] <= 1 for h in body["health"])
    api_store.upsert_nodes("University", [{"id": "u9", "name": "新大学"}])
    assert client("viewer").get("/ecosystem/summary").json()["nodes"]["University"] == 2  # cached
    client("admin").delete("/entities/u2")  # invalidates
    assert client("viewer").get("/ecosystem/summary").json()["nodes"]["University"] == 2  # u1 + u9


def test_tier_tables(client):
    viewer = client("viewer")
    pyramid = viewer.get("/ecosystem/tiers", params={"year": 2022, "dimension": "all"}).json()
    assert pyramid["total"] == 5 and {i["tier"] for i in pyramid["items"]} >= {"高新技术企业"}
    history = viewer.get("/ecosystem/tiers", params={"table": "history"}).json()["items"]
    assert history == [{"enterprise_id": "91320282MA1XXXXXX1", "tier": "高新技术企业", "rank": 2, "year": 2021,
                        "level": None, "certificate": None, "valid_until": 2024}]
    funnel = viewer.get("/ecosystem/tiers", params={"table": "funnel", "tier": "高新技术企业"}).json()["items"]
    assert funnel and {i["from_tier"] for i in funnel} == {"高新技术企业"}
    assert viewer.get("/ecosystem/tiers", params={"table": "lapsed"}).status_code == 200
    assert viewer.get("/ecosystem/tiers", params={"table": "pie"}).status_code == 422


def test_communities(client, api_store):
    body = client("viewer").get("/ecosystem/communities").json()
    assert body["total"] == len(communities(api_store))
    assert body["items"][0]["leading_university"] == "江南大学"
    assert client("viewer").get("/ecosystem/communities", params={"min_size": 1}).status_code == 422


def test_indicators_filters(client, api_store):
    full = indicators(api_store)
    body = client("viewer").get("/indicators", params={"limit": 5000}).json()
    assert body["total"] == len(full)
    one = client("viewer").get("/indicators", params={"action": 3, "town": "all", "year": 2022}).json()
    assert one["items"] and all(i["action"] == 3 and i["town"] == "all" and i["year"] == 2022 for i in one["items"])
    no_data = [i for i in body["items"] if i["status"] == "no data"]
    assert no_data and all(i["value"] is None for i in no_data)
    assert client("viewer").get("/indicators", params={"action": 13}).status_code == 422


@pytest.mark.parametrize("gap_type", sorted(GAP_FUNCTIONS))
def test_every_gap_type(client, api_store, gap_type):
    response = client("viewer").get(f"/gaps/{gap_type}", params={"limit": 5000})
    assert response.status_code == 200, response.text
    assert response.json()["total"] == len(GAP_FUNCTIONS[gap_type](api_store))


def test_gap_filters_and_unknown_type(client, api_store):
    rows = gaps.service_gaps(api_store)
    body = client("viewer").get("/gaps/service_gaps", params={"town": "丁蜀镇", "limit": 5000}).json()
    assert body["total"] == int((rows["town"] == "丁蜀镇").sum()) if "town" in rows.columns else body["total"] == 0
    assert client("viewer").get("/gaps/everything").status_code == 422


def test_viewer_analyses_run_on_masked_data(client, api_app):
    client("viewer").get("/ecosystem/communities")
    client("matchmaker").get("/ecosystem/communities")
    viewer_snapshot = api_app.state.cache.peek(("snapshot", True))
    matchmaker_snapshot = api_app.state.cache.peek(("snapshot", False))
    talents = viewer_snapshot.nodes[viewer_snapshot.nodes["kind"] == "Talent"]
    assert set(talents["name"]) == {"王**", "李*"}
    assert "王小明" in set(matchmaker_snapshot.nodes["name"])
