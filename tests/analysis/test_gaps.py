"""Gap tables: known answers on the small ecosystem."""

from __future__ import annotations

import pytest

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
    assert table.loc["e5", "to_verify"] == "" and table.loc["e5", "route"] is None
    assert "e4" not in table.index  # lacks more than one criterion
    # 专精特新 (MIIT 2022 附件2): e3 spends 1000 万元 on R&D (条件(四)'s direct route) but only 2 % of revenue
    assert not table.loc["e3", "ready"] and table.loc["e3", "lacks"].startswith("研发费用占营业收入≥3%")
    assert table.loc["e3", "route"] == "直通车 direct route"
    # e1, e2: every checkable hard condition met; the score and the niche years are to verify, never guessed
    for firm, points in (("e1", 24.0), ("e2", 21.0)):  # 创新能力 19 / 17 + 细分市场年限 5 / 4 (of 40 seen)
        row = table.loc[firm]
        assert bool(row["ready"]) and row["lacks"] == "" and row["points_seen"] == points
        assert row["route"] == "评分待核实 score to verify"
        assert row["to_verify"] == "; ".join(gaps.SRDI_TO_VERIFY) and "待核实" in row["reason"]
    assert table.loc["e1", "priority"] < table.loc["e2", "priority"]  # more of the seen points first


@pytest.mark.parametrize(
    ("change", "lacking"),
    [
        ({"founded": "2022-06-01"}, "成立满2年"),  # 认定条件(一): not 2 years in any market yet
        ({"rd_spend": 90.0}, "上年度研发费用≥100万元"),  # 条件(二): 90 万元 is 3 % of 3000 but under 100 万元
        ({"revenue": 900.0, "rd_spend": 120.0}, "营业收入≥1000万元"),  # 条件(三), no equity financing
        ({"employees": 1200, "revenue": 45000.0, "rd_spend": 2000.0}, "中小企业"),  # a large firm, even on 直通车
    ],
)
def test_a_firm_failing_one_checkable_condition_is_not_ready(eco_store, change, lacking) -> None:
    eco_store.upsert_nodes("Enterprise", [{"id": "e2", **change}])
    row = gaps.promotion_readiness(eco_store).set_index("enterprise_id").loc["e2"]
    assert not row["ready"] and row["criteria_met"] == row["criteria_total"] - 1
    assert row["lacks"].startswith(lacking)
    ready = gaps.ranked_gaps(eco_store)
    assert "e2" not in set(ready.loc[ready["list"].str.startswith("晋级"), "enterprise_id"])


def test_equity_financing_opens_both_routes(eco_store) -> None:
    eco_store.upsert_nodes("Fund", [{"id": "f1", "name": "宜兴新动能产业基金"}])
    eco_store.upsert_nodes("Enterprise", [{"id": "e2", "revenue": 900.0, "rd_spend": 120.0}])
    eco_store.upsert_relationships("INVESTS_IN", [{"source": "f1", "target": "e2", "amount": 6500.0, "year": 2023}])
    table = gaps.promotion_readiness(eco_store).set_index("enterprise_id")
    # 条件(三): under 1000 万元 revenue but >= 2000 万元 equity; 条件(四) 直通车: >= 6000 万元 in two years
    assert bool(table.loc["e2", "ready"]) and table.loc["e2", "route"] == "直通车 direct route"
    assert table.loc["e2", "to_verify"] == gaps.SRDI_TO_VERIFY[0] and table.loc["e2", "priority"] == 1


def test_readiness_keeps_large_firms_out_and_ranks(eco_store) -> None:
    eco_store.upsert_nodes("Enterprise", [{"id": "e2", "employees": 1200, "revenue": 45000.0, "rd_spend": 2000.0}])
    wider = gaps.promotion_readiness(eco_store, max_missing=2).set_index("enterprise_id")
    assert "中小企业" in wider.loc["e2", "lacks"]  # a large firm (>= 1000 staff and >= 4 亿元) is no SME
    assert wider["priority"].tolist() == list(range(1, len(wider) + 1))
    assert bool(wider["ready"].iloc[0])  # ready firms first, by priority
