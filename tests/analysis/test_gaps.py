"""Gap tables: known answers on the small ecosystem."""

from __future__ import annotations

from analysis import gaps


def test_isolated_innovator_is_the_firm_without_academic_tie(eco_store) -> None:
    table = gaps.isolated_innovators(eco_store)
    assert table["enterprise_id"].tolist()[0] == "e2"
    assert "e4" not in table["enterprise_id"].tolist()  # no capacity
    assert "e1" not in table["enterprise_id"].tolist()  # has a university partner
    assert "无任何高校院所合作" in table.loc[0, "reason"] and "no tie" in table.loc[0, "reason"]


def test_signed_meeting_counts_as_academic_tie(eco_store) -> None:
    eco_store.upsert_relationships("MET", [{"source": "e2", "target": "u1", "outcome": "signed", "year": 2023}])
    assert "e2" not in gaps.isolated_innovators(eco_store)["enterprise_id"].tolist()


def test_supply_demand_mismatch(eco_store) -> None:
    table = gaps.supply_demand_mismatch(eco_store).set_index(["industry", "strength"])
    assert table.loc[("电线电缆", "电缆"), "gap"] == 2
    assert table.loc[("新材料", "新材料"), "gap"] == 0
    assert table.index[0] == ("电线电缆", "电缆")


def test_structural_holes(eco_store) -> None:
    towns = gaps.towns_without_university(eco_store)
    assert towns.loc[0, "town"] == "官林镇" and towns.loc[0, "with_academic_tie"] == 0
    constraint = gaps.high_constraint(eco_store)
    assert constraint["id"].iloc[-1] == "e6"  # the best-connected firm is least constrained
    assert set(gaps.weak_bridges(eco_store)["bridge_edges"]) == {0}


def test_service_and_finance(eco_store) -> None:
    services = gaps.service_gaps(eco_store)
    guanlin = services[(services.dimension == "town") & (services.group == "官林镇")]["service_type"].tolist()
    assert "知识产权" not in guanlin and "技术转移" in guanlin
    finance = gaps.finance_gaps(eco_store)["enterprise_id"].tolist()
    assert "e6" not in finance and "e2" in finance


def test_promotion_readiness(eco_store) -> None:
    table = gaps.promotion_readiness(eco_store).set_index("enterprise_id")
    assert bool(table.loc["e5", "ready"]) and table.loc["e5", "next_tier"] == "高新技术企业"
    assert "e4" not in table.index  # lacks more than one criterion
    # 专精特新 (MIIT 2022 附件2): e3 spends 1000 万元 on R&D (标准(四)'s direct route) but only 2 % of revenue
    assert not table.loc["e3", "ready"] and table.loc["e3", "lacks"].startswith("研发强度≥3%")
    # e1, e2: every threshold met, but the 创新能力 score (35 points) is under the pro-rata pass mark of 21
    for firm, points in (("e1", 19), ("e2", 17)):
        assert not table.loc[firm, "ready"] and f"创新能力得分≥21/35(现{points}分)" in table.loc[firm, "lacks"]
    eco_store.upsert_nodes("Enterprise", [{"id": "e2", "employees": 1200, "revenue": 45000.0, "rd_spend": 2000.0}])
    wider = gaps.promotion_readiness(eco_store, max_missing=2).set_index("enterprise_id")
    assert "中小企业" in wider.loc["e2", "lacks"]  # a large firm (>= 1000 staff and >= 4 亿元) is no SME
    assert wider["priority"].tolist() == list(range(1, len(wider) + 1))
    assert bool(wider["ready"].iloc[0])  # ready firms first, by priority
    assert wider["priority"].tolist() == list(range(1, len(wider) + 1))
    assert bool(wider["ready"].iloc[0])  # ready firms first, by priority


def test_listed_firm_is_no_finance_gap(eco_store) -> None:
    assert "e1" in gaps.finance_gaps(eco_store)["enterprise_id"].tolist()
    eco_store.upsert_relationships("REACHED_TIER", [{"source": "e1", "target": "tier:科技上市企业", "key": "2023",
                                                      "year": 2023}])
    assert "e1" not in gaps.finance_gaps(eco_store)["enterprise_id"].tolist()


def test_isolated_needs_two_signals(eco_store) -> None:
    # e5: R&D intensity 5.5 % and one invention patent (two signals); a single signal is not enough
    assert "e5" in gaps.isolated_innovators(eco_store)["enterprise_id"].tolist()
    assert "e5" not in gaps.isolated_innovators(eco_store, min_signals=3)["enterprise_id"].tolist()


def test_ranked_gaps_top_per_town(eco_store) -> None:
    every = gaps.ranked_gaps(eco_store, ready_only=False)
    top = gaps.ranked_gaps(eco_store, top=1, ready_only=False)
    assert (top.groupby(["list", "town"]).size() == 1).all()
    for (_, _), rows in every.groupby(["list", "town"]):
        assert rows["priority"].tolist() == list(range(1, len(rows) + 1))
        assert rows["city_priority"].is_monotonic_increasing  # the list's own order, kept within the town
    gaocheng = gaps.ranked_gaps(eco_store, town="高塍镇", period="2023", ready_only=False)
    assert set(gaocheng["town"]) == {"高塍镇"} and "e2" in set(gaocheng["enterprise_id"])
