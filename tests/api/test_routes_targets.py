"""GET /indicators?period=…, /targets, /targets/ranking, /changes: the library's period and target tables, paged,
cached over the store's data version, 422 for a bad period (naming the parameter in Chinese and English)."""

from __future__ import annotations

import pytest

from analysis.ecosystem import load_snapshot
from analysis.indicators import indicators
from analysis.targets import target_progress, town_ranking

HIGH_TECH = "新认定高企 / new high-tech certificates"


@pytest.fixture
def targeted(api_store):
    """The small network with a dated 2022 history, and 2022 targets for 高企 (new certificates) per town."""
    api_store.upsert_nodes("Tier", [{"id": "tier:科技型中小企业", "name": "科技型中小企业", "rank": 1}])
    api_store.upsert_relationships("REACHED_TIER", [
        {"source": "e2", "target": "tier:高新技术企业", "key": "2022", "year": 2022, "date": "2022-08-15"},
        {"source": "e3", "target": "tier:科技型中小企业", "key": "2022", "year": 2022, "date": "2022-02-10"},
    ])
    api_store.upsert_relationships("COLLABORATES_WITH", [{"source": "e2", "target": "u2", "year": 2022,
                                                          "date": "2022-09-01"}])
    api_store.upsert_nodes("Target", [
        {"id": "target:全市", "name": "全市 高企", "town": "全市", "period": "2022", "indicator": "新认定高新技术企业",
         "value": 4.0},
        {"id": "target:高塍", "name": "高塍 高企", "town": "高塍镇", "period": "2022", "indicator": "高企", "value": 2.0},
        {"id": "target:丁蜀", "name": "丁蜀 高企", "town": "丁蜀镇", "period": "2022", "indicator": "高企", "value": 1.0},
    ])
    return api_store


def test_indicators_by_period_match_the_library(client, targeted):
    viewer = client("viewer")
    body = viewer.get("/indicators", params={"period": "2022-Q3", "limit": 5000}).json()
    expected = indicators(load_snapshot(targeted, period="2022-Q3"), period="2022-Q3")
    assert body["total"] == len(expected) and {i["period"] for i in body["items"]} == {"2022-Q3"}
    row = viewer.get("/indicators", params={"period": "2022年第三季度", "indicator": "高企", "town": "高塍镇"}).json()
    assert row["total"] == 1
    item = row["items"][0]
    # e2 became 高企 in 2022-08: one in Q3, none in Q2 (环比), none in 2021-Q3 (同比), one in the year to date
    assert (item["value"], item["previous"], item["same_period_last_year"], item["ytd"]) == (1.0, 0.0, 0.0, 1.0)
    month = viewer.get("/indicators", params={"period": "2022-02", "indicator": "科小", "town": "all"}).json()
    assert month["items"][0]["value"] == 1.0 and month["items"][0]["period"] == "2022-02"
    year = viewer.get("/indicators", params={"period": "2022", "indicator": "行动3", "town": "all"}).json()
    assert year["items"][0]["value"] == 1.0 and year["items"][0]["indicator"] == HIGH_TECH


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/indicators", {"period": "2022-Q5"}, "period"),
        ("/indicators", {"period": "下个月"}, "period"),
        ("/indicators", {"period": "2022-Q3", "year": 2021}, "period"),
        ("/indicators", {"indicator": "不存在的指标"}, "indicator"),
        ("/targets", {"period": "2022-13"}, "period"),
        ("/targets", {"period": "9999"}, "period"),
        ("/targets/ranking", {"period": "Q3"}, "period"),
        ("/changes", {"compare": "last time"}, "compare"),
        ("/changes", {"town": "不存在镇"}, "town"),
        ("/changes", {"period": "2022-10", "compare": "2022-Q3"}, "compare"),  # a month's flow with a quarter's
        ("/changes", {"period": "2022-Q3", "compare": "2022-Q4"}, "compare"),  # a later period
        ("/changes", {"period": "2022-Q3", "compare": "2022-Q3"}, "compare"),
        ("/changes", {"period": "2022-Q3", "change_type": "nonsense"}, "change_type"),
    ],
)
def test_bad_periods_are_422_naming_the_parameter(client, targeted, path, params, named):
    response = client("viewer").get(path, params=params)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert f"参数 {named}" in detail and f"parameter {named}" in detail


def test_target_progress_per_town_and_indicator(client, targeted):
    viewer = client("viewer")
    body = viewer.get("/targets", params={"period": "2022-Q3"}).json()
    expected = target_progress(targeted, period="2022-Q3")
    assert body["total"] == len(expected) == 3
    rows = {i["town"]: i for i in body["items"]}
    # 序时进度 at the end of Q3: 9 of 12 months; 高塍镇 has 1 of 2 (50 %, behind), 丁蜀镇 0 of 1
    gaocheng = rows["高塍镇"]
    assert gaocheng["period"] == "2022-Q3" and gaocheng["indicator"] == HIGH_TECH
    assert (gaocheng["target"], gaocheng["actual"], gaocheng["completion"], gaocheng["elapsed"]) == (2.0, 1.0, 0.5, 0.75)
    assert gaocheng["gap"] == 1.0 and gaocheng["behind"] is True and gaocheng["rank"] == 1
    assert type(gaocheng["rank"]) is int  # a rank, not a measurement (8.0)
    assert rows["丁蜀镇"]["rank"] == 2 and rows["全市"]["rank"] is None
    only = viewer.get("/targets", params={"period": "2022-Q3", "town": "丁蜀镇", "indicator": "高企"}).json()
    assert [i["town"] for i in only["items"]] == ["丁蜀镇"]
    assert viewer.get("/targets", params={"period": "2022-Q3", "behind": False}).json()["total"] == 0
    year_end = viewer.get("/targets", params={"period": "2022"}).json()["items"]
    assert {i["town"]: i["elapsed"] for i in year_end}["高塍镇"] == 1.0


def test_ranking_matches_the_library(client, targeted):
    body = client("viewer").get("/targets/ranking", params={"period": "2022-Q3"}).json()
    expected = town_ranking(target_progress(targeted, period="2022-Q3"))
    assert [(i["town"], i["rank"]) for i in body["items"]] == list(zip(expected["town"], expected["rank"], strict=True))
    assert body["items"][0]["period"] == "2022-Q3"
    assert all(type(i["rank"]) is int or i["rank"] is None for i in body["items"])


def test_changes_since_the_previous_period(client, targeted):
    viewer = client("viewer")
    body = viewer.get("/changes", params={"period": "2022-Q3"}).json()
    items = body["items"]
    assert items and {i["compared_with"] for i in items} == {"2022-Q2"}
    promoted = [i for i in items if i["change_type"] == "新入梯次 entered the ladder" and i["id"] == "e2"]
    assert promoted and promoted[0]["after"] == "高新技术企业" and promoted[0]["town"] == "高塍镇"
    assert any(i["change_type"] == "新增产学研合作 new collaboration" and i["id"] == "e2|u2" for i in items)
    since_year = viewer.get("/changes", params={"period": "2022-Q3", "compare": "2021-Q3",
                                                "change_type": "新入梯次"}).json()["items"]
    assert {i["compared_with"] for i in since_year} == {"2021-Q3"} and "e2" in {i["id"] for i in since_year}
    assert {i["change_type"] for i in since_year} == {"新入梯次 entered the ladder"}
    town = viewer.get("/changes", params={"period": "2022-Q3", "town": "丁蜀镇"}).json()["items"]
    assert all(i["town"] in ("丁蜀镇", None) for i in town if not i["change_type"].startswith(("指标", "排名")))
    # the town's rows first and marked; the city's indicators and the other towns' ranks labelled city-wide
    assert all((i["scope"] == "丁蜀镇") == i["highlight"] == (i["town"] == "丁蜀镇") for i in town)
    assert [i["highlight"] for i in town] == sorted((i["highlight"] for i in town), reverse=True)


def test_tables_are_cached_until_the_store_changes(client, targeted, api_app):
    viewer = client("viewer")
    first = viewer.get("/targets", params={"period": "2022-Q3", "town": "丁蜀镇"}).json()["items"][0]
    assert first["actual"] == 0.0
    cached = viewer.get("/changes", params={"period": "2022-Q3", "town": "丁蜀镇"}).json()["items"]
    assert not [i for i in cached if i["id"] == f"{HIGH_TECH}|丁蜀镇"]
    targeted.upsert_relationships("REACHED_TIER", [{"source": "91320282MA1XXXXXX1", "target": "tier:高新技术企业",
                                                    "key": "2022", "year": 2022, "date": "2022-07-01"}])
    cache = api_app.state.cache
    cache.invalidate()  # what the store watcher does on its next look (every INNONET_CACHE_CHECK_SECONDS)
    cache.wait_idle()
    fresh = viewer.get("/targets", params={"period": "2022-Q3", "town": "丁蜀镇"}).json()["items"][0]
    assert fresh["actual"] == 1.0 and fresh["completion"] == 1.0
    changes = viewer.get("/changes", params={"period": "2022-Q3", "town": "丁蜀镇"}).json()["items"]
    moved = [i for i in changes if i["change_type"] == "指标变化 indicator moved" and i["id"] == f"{HIGH_TECH}|丁蜀镇"]
    assert moved and (moved[0]["before"], moved[0]["after"]) == (0.0, 1.0)


def test_every_role_needs_a_key(client, targeted):
    for path in ("/targets", "/targets/ranking", "/changes"):
        assert client(None).get(path).status_code == 401


def test_gap_lists_as_the_store_stood_at_a_period(client, targeted):
    viewer = client("viewer")
    ties = {p: {i["town"]: i["with_academic_tie"] for i in viewer.get(
        "/gaps/towns_without_university", params={"period": p} if p else {}).json()["items"]} for p in ("2021", None)}
    assert ties["2021"]["高塍镇"] == 0 and ties[None]["高塍镇"] == 1  # e2 met its university in 2022-09
    assert viewer.get("/gaps/finance_gaps", params={"period": "2021-Q5"}).status_code == 422


@pytest.mark.parametrize("path", ["/targets", "/targets/ranking", "/indicators", "/changes",
                                  "/gaps/finance_gaps"])
def test_an_unknown_town_is_a_422_listing_the_known_towns(client, targeted, path):
    response = client("viewer").get(path, params={"period": "2022-Q3", "town": "不存在镇"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "参数 town" in detail and "parameter town" in detail and "不存在镇" in detail
    assert "丁蜀镇" in detail and "高塍镇" in detail  # the known towns


def test_a_town_in_traditional_characters_is_the_town(client, targeted):
    viewer = client("viewer")
    simplified = viewer.get("/targets", params={"period": "2022", "town": "丁蜀镇"}).json()
    traditional = viewer.get("/targets", params={"period": "2022", "town": "丁蜀鎮"})
    assert traditional.status_code == 200 and simplified["total"] == 1
    assert traditional.json()["items"] == simplified["items"]
    city = viewer.get("/targets", params={"period": "2022", "town": "全市"}).json()
    assert [i["town"] for i in city["items"]] == ["全市"]
    assert viewer.get("/indicators", params={"period": "2022", "town": "all"}).json()["total"] > 0
    gaps = viewer.get("/gaps/finance_gaps", params={"town": "高塍鎮"})
    assert gaps.status_code == 200


def test_a_validation_error_is_bilingual(client, targeted):
    response = client("viewer").get("/targets", params={"behind": "maybe"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("参数 behind 无效 / parameter behind:")
