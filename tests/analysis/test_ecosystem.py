"""Ecosystem tables on the small hand-built ecosystem (tests/analysis/conftest.py)."""

from __future__ import annotations

from analysis import ecosystem as eco


def test_enterprises_and_tiers(eco_store) -> None:
    firms = eco.enterprises(eco_store).set_index("enterprise_id")
    assert firms.loc["e2", "rd_intensity"] == 8.0
    assert firms.loc["e6", "tier"] == "专精特新" and firms.loc["e4", "tier_rank"] == 0


def test_pyramid_counts_highest_rung(eco_store) -> None:
    pyramid = eco.tier_pyramid(eco_store, years=[2023])
    city = pyramid[pyramid.dimension == "all"].set_index("tier")["enterprises"]
    assert city.to_dict() == {"科技型中小企业": 1, "高新技术企业": 3, "专精特新": 1, "准独角兽": 0, "科技上市企业": 0}
    town = pyramid[(pyramid.dimension == "town") & (pyramid.group == "丁蜀镇")].set_index("tier")["enterprises"]
    assert town["专精特新"] == 1 and town["高新技术企业"] == 1


def test_funnel_conversion_and_lapsed(eco_store) -> None:
    funnel = eco.tier_funnel(eco_store, years=[2023]).set_index("from_tier")
    assert funnel.loc["高新技术企业", "base"] == 4
    assert funnel.loc["高新技术企业", "promoted"] == 1
    assert funnel.loc["高新技术企业", "conversion_rate"] == 0.25
    assert funnel.loc["高新技术企业", "median_years"] == 3.0
    lapsed = eco.lapsed_certificates(eco_store)
    assert lapsed["enterprise_id"].tolist() == ["e3"]  # e1 and e6 renewed in 2023


def test_as_of_year_cuts_history(eco_store) -> None:
    snap = eco.load_snapshot(eco_store, until_year=2021)
    assert snap.as_of == 2021
    firms = eco.enterprises(snap).set_index("enterprise_id")
    assert firms.loc["e6", "tier"] == "高新技术企业"
    assert "e5" in firms.index and firms.loc["e5", "tier_rank"] == 0


def test_measures_communities_and_brokers(eco_store) -> None:
    measures = eco.organisation_measures(eco_store).set_index("id")
    assert "town:丁蜀镇" not in measures.index and "tier:高新技术企业" not in measures.index
    assert measures.loc["e4", "degree"] == 0
    table = eco.communities(eco_store)
    assert "新材料 · 东南大学" in table["label"].tolist()
    assert eco.brokers(eco_store).empty  # three separate groups, nobody bridges them


def test_health_shares(eco_store) -> None:
    health = eco.health_shares(eco_store)
    city = health[health.dimension == "all"].set_index("measure")
    assert city.loc["有高校院所合作 / ≥1 university partner", "count"] == 3
    assert city.loc["研发平台 platform: 省级", "share"] == 1 / 6
    town = health[(health.dimension == "town") & (health.group == "官林镇")].set_index("measure")
    assert town.loc["有高校院所合作 / ≥1 university partner", "share"] == 0
