"""GET /entities (search), GET /entities/{id}, DELETE /entities/{id}."""

from __future__ import annotations

import pytest

from api.http.routes.entities import search_entities

USCC = "91320282MA1XXXXXX1"


def _ids(response):
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_list_is_paged_with_total(client):
    first = client("viewer").get("/entities", params={"limit": 3}).json()
    assert first["total"] == 11 and first["limit"] == 3 and first["offset"] == 0 and len(first["items"]) == 3
    rest = client("viewer").get("/entities", params={"limit": 100, "offset": 3}).json()
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert len(rest["items"]) == 8 and len(set(ids)) == 11


def test_search_by_id_uscc_name_alias_and_fuzzy(client):
    viewer = client("viewer")
    assert _ids(viewer.get("/entities", params={"q": USCC.lower()}))[0] == USCC
    assert _ids(viewer.get("/entities", params={"q": "江南大学"})) == ["u1"]
    assert _ids(viewer.get("/entities", params={"q": "精陶"})) == [USCC]
    assert _ids(viewer.get("/entities", params={"q": "环保设备厂"}))[0] == "e2"  # alias
    variant = viewer.get("/entities", params={"q": "宜兴紫砂文化传播公司"}).json()["items"]  # 宜兴 for 宜兴市
    assert variant[0]["id"] == "e3" and variant[0]["matched_by"] == "variant"
    typo = viewer.get("/entities", params={"q": "宜兴市紫沙文化传播有限公司"}).json()["items"]  # 沙 for 砂
    assert typo[0]["id"] == "e3" and typo[0]["matched_by"] == "typo" and 60 <= typo[0]["score"] < 90
    full_width = viewer.get("/entities", params={"q": "ｅ２"})  # NFKC: full-width letters match the id
    assert _ids(full_width)[0] == "e2"
    assert viewer.get("/entities", params={"q": "完全无关的名字XYZ"}).json()["total"] == 0


def test_filters_kind_town_industry_tier(client):
    viewer = client("viewer")
    assert _ids(viewer.get("/entities", params={"kind": "University"})) == ["u1", "u2"]
    assert set(_ids(viewer.get("/entities", params={"town": "丁蜀镇", "kind": "Enterprise"}))) == {USCC, "e3"}
    assert _ids(viewer.get("/entities", params={"town": "town:高塍镇"})) == []  # only e2's property, no link
    assert _ids(viewer.get("/entities", params={"town": "高塍镇"})) == ["e2"]
    assert _ids(viewer.get("/entities", params={"industry": "节能环保"})) == ["e2"]
    assert _ids(viewer.get("/entities", params={"industry": "ind:环保"})) == ["e2"]
    assert _ids(viewer.get("/entities", params={"tier": "高企"})) == [USCC]
    bad_tier = viewer.get("/entities", params={"tier": "独角兽"})
    assert bad_tier.status_code == 422 and "参数 tier 无效 / parameter tier" in bad_tier.json()["detail"]
    assert viewer.get("/entities", params={"kind": "Company"}).status_code == 422


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"q": "x" * 201}])
def test_bad_parameters_give_422(client, params):
    response = client("viewer").get("/entities", params=params)
    assert response.status_code == 422 and response.json()["status"] == 422


def test_one_entity_with_neighbours(client):
    body = client("viewer").get(f"/entities/{USCC}").json()
    assert body["name"] == "宜兴市精陶科技有限公司" and body["keywords"] == ["陶瓷", "新材料"]
    assert body["neighbour_total"] == 3
    by_type = {n["type"]: n for n in body["neighbours"]}
    assert by_type["COLLABORATES_WITH"]["id"] == "u1" and by_type["COLLABORATES_WITH"]["year"] == 2022
    assert by_type["REACHED_TIER"]["key"] == "2021" and by_type["LOCATED_IN"]["direction"] == "out"
    limited = client("viewer").get(f"/entities/{USCC}", params={"neighbour_limit": 1}).json()
    assert len(limited["neighbours"]) == 1 and limited["neighbour_total"] == 3


def test_ids_with_slashes_and_colons(client, api_store):
    api_store.upsert_nodes("Project", [{"id": "proj/2023:01", "name": "陶都之光 2023/01"}])
    assert client("viewer").get("/entities/proj/2023:01").json()["name"] == "陶都之光 2023/01"
    assert client("viewer").get("/entities/tier:高新技术企业").json()["rank"] == 2


def test_delete_is_admin_only_removes_relationships_and_refreshes_search(client, api_store):
    admin = client("admin")
    assert _ids(admin.get("/entities", params={"q": "江南大学"})) == ["u1"]  # cached now
    assert admin.delete("/entities/u1").json() == {"deleted": "u1"}
    assert api_store.nodes(ids=["u1"]).empty
    assert "u1" not in set(api_store.relationships()["target"])
    assert _ids(admin.get("/entities", params={"q": "江南大学"})) == []
    again = admin.delete("/entities/u1")
    assert again.status_code == 404 and "'u1'" in again.json()["detail"]


def test_search_entities_function_orders_by_score_then_id(api_store):
    found = search_entities(api_store.nodes(), api_store.relationships(), q="宜兴")
    assert list(found["score"]) == sorted(found["score"], reverse=True)
    assert set(found["id"]) >= {USCC, "e2", "e3"}
    without_q = search_entities(api_store.nodes(), api_store.relationships(), kind="Talent")
    assert list(without_q["id"]) == ["t1", "t2"] and without_q["score"].isna().all()
