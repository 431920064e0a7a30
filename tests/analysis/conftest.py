"""A small hand-built ecosystem with known answers, shared by the analysis tests (helper D's fixtures).

Known answers:
- e2 has R&D intensity 8 %, 8 patents, 高企, and no academic tie (its only meeting with a
  university ended "follow-up", not "signed"): the isolated innovator.
- e4 has no innovation capacity and no tie: not an isolated innovator.
- e3's 高企 certificate (2019, valid to 2022) lapsed without renewal; e1 renewed in 2023.
- e5 (科技型中小企业) meets every 高企 threshold: ready for promotion.
- u2 (东南大学) ties the 新材料 firms e3 and e6 and the talent t1: the broker of its group.
- 官林镇 firms reach no university.
"""

from __future__ import annotations

import pytest

from graph import SQLiteStore
from graph.schema import TIERS, tier_id


def build_ecosystem(store: SQLiteStore) -> SQLiteStore:
    """Write the small ecosystem into ``store`` and return it."""
    store.upsert_nodes("Town", [{"id": f"town:{t}", "name": t} for t in ("丁蜀镇", "高塍镇", "官林镇")])
    store.upsert_nodes("Tier", [{"id": tier_id(t), "name": t, "rank": i} for i, t in enumerate(TIERS, start=1)])
    store.upsert_nodes(
        "University",
        [
            {"id": "u1", "name": "江南大学", "category": "高校", "keywords": ["水处理", "环保"]},
            {"id": "u2", "name": "东南大学", "category": "高校", "keywords": ["新材料", "电缆"]},
        ],
    )
    firm = {"employees": 50, "st_staff": 3, "hightech_revenue_share": 40.0}
    store.upsert_nodes(
        "Enterprise",
        [
            {**firm, "id": "e1", "name": "宜兴一号环保", "town": "高塍镇", "industry": "节能环保", "founded": "2010-01-01",
             "revenue": 10000.0, "rd_spend": 600.0, "patents": 10, "invention_patents": 2, "keywords": ["水处理"]},
            {**firm, "id": "e2", "name": "宜兴二号环保", "town": "高塍镇", "industry": "节能环保", "founded": "2015-01-01",
             "revenue": 3000.0, "rd_spend": 240.0, "patents": 8, "invention_patents": 2, "keywords": ["水处理"]},
            {**firm, "id": "e3", "name": "宜兴三号材料", "town": "丁蜀镇", "industry": "新材料", "founded": "2008-01-01",
             "revenue": 50000.0, "rd_spend": 1000.0, "patents": 4, "invention_patents": 1, "keywords": ["新材料"]},
            {**firm, "id": "e4", "name": "宜兴四号线缆", "town": "官林镇", "industry": "电线电缆", "founded": "2012-01-01",
             "revenue": 2000.0, "rd_spend": 20.0, "patents": 0, "invention_patents": 0, "keywords": ["电缆"]},
            {"id": "e5", "name": "宜兴五号线缆", "town": "官林镇", "industry": "电线电缆", "founded": "2016-01-01",
             "revenue": 4000.0, "rd_spend": 220.0, "hightech_revenue_share": 65.0, "employees": 100, "st_staff": 12,
             "patents": 3, "invention_patents": 1, "keywords": ["电缆"]},
            {**firm, "id": "e6", "name": "宜兴六号材料", "town": "丁蜀镇", "industry": "新材料", "founded": "2009-01-01",
             "revenue": 20000.0, "rd_spend": 900.0, "patents": 20, "invention_patents": 6, "keywords": ["新材料"]},
        ],
    )
    store.upsert_nodes("Talent", [{"id": "t1", "name": "张教授", "field": "材料"}])
    store.upsert_nodes("Program", [{"id": "prog:科技副总", "name": "科技副总"}])
    store.upsert_nodes("Fund", [{"id": "f1", "name": "宜兴新动能产业基金", "fund_type": "政府引导基金"}])
    store.upsert_nodes("ServiceAgency", [{"id": "a1", "name": "宜兴知识产权服务中心", "town": "官林镇",
                                          "service_types": ["知识产权"]}])
    store.upsert_nodes("Platform", [{"id": "p1", "name": "六号材料工程技术研究中心", "level": "省级", "year": 2021}])
    store.upsert_nodes("Department", [{"id": "d1", "name": "市科技局"}])
    store.upsert_nodes("Event", [{"id": "ev1", "name": "环保产学研对接会", "year": 2023, "event_type": "产学研对接会",
                                  "town": "高塍镇"}])
    history = [
        ("e1", TIERS[0], 2019, {}), ("e1", TIERS[1], 2020, {"valid_until": 2023}),
        ("e1", TIERS[1], 2023, {"valid_until": 2026}),
        ("e2", TIERS[0], 2021, {}), ("e2", TIERS[1], 2022, {"valid_until": 2025}),
        ("e3", TIERS[0], 2018, {}), ("e3", TIERS[1], 2019, {"valid_until": 2022}),
        ("e5", TIERS[0], 2022, {}),
        ("e6", TIERS[1], 2020, {"valid_until": 2023}), ("e6", TIERS[1], 2023, {"valid_until": 2026}),
        ("e6", TIERS[2], 2023, {"level": "省级"}),
    ]
    store.upsert_relationships(
        "REACHED_TIER",
        [{"source": e, "target": tier_id(t), "key": str(y), "year": y, **extra} for e, t, y, extra in history],
    )
    store.upsert_relationships(
        "COLLABORATES_WITH",
        [{"source": "e1", "target": "u1", "year": 2020}, {"source": "e3", "target": "u2", "year": 2021},
         {"source": "e6", "target": "u2", "year": 2022}],
    )
    store.upsert_relationships("AFFILIATED_WITH", [{"source": "t1", "target": "u2"}])
    store.upsert_relationships("IN_PROGRAM", [{"source": "t1", "target": "prog:科技副总", "year": 2022}])
    store.upsert_relationships("SECONDED_TO", [{"source": "t1", "target": "e6", "role": "科技副总", "year": 2022}])
    store.upsert_relationships("INVESTS_IN", [{"source": "f1", "target": "e6", "amount": 500.0, "year": 2023}])
    store.upsert_relationships("SERVES", [{"source": "a1", "target": "e5", "service_type": "知识产权", "year": 2023}])
    store.upsert_relationships("HAS_PLATFORM", [{"source": "e6", "target": "p1", "year": 2021}])
    store.upsert_relationships("LIAISES_WITH", [{"source": "d1", "target": "e1", "scheme": "部门结对", "year": 2022}])
    store.upsert_relationships("ATTENDED", [{"source": "e2", "target": "ev1", "year": 2023},
                                            {"source": "u1", "target": "ev1", "year": 2023}])
    store.upsert_relationships("MET", [{"source": "e2", "target": "u1", "event": "ev1", "outcome": "follow-up",
                                        "year": 2023}])
    store.upsert_relationships(
        "LOCATED_IN",
        [{"source": e, "target": f"town:{t}"} for e, t in
         (("e1", "高塍镇"), ("e2", "高塍镇"), ("e3", "丁蜀镇"), ("e4", "官林镇"), ("e5", "官林镇"), ("e6", "丁蜀镇"))],
    )
    return store


@pytest.fixture
def eco_store() -> SQLiteStore:
    """A fresh in-memory store holding the small ecosystem (as of 2023)."""
    store = SQLiteStore(":memory:")
    build_ecosystem(store)
    yield store
    store.close()
