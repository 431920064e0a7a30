"""The kept report (``analysis.snapshot``) puts firms on the ladder by the month their certificate counts from."""

from __future__ import annotations

from analysis import ecosystem
from analysis import snapshot as snapshots
from analysis.report import run_analysis
from graph.schema import TIERS, tier_id

ENTERED = "新入梯次 entered the ladder"


def _certified_in_september(store):
    """e7 (丁蜀镇): its only certificate, 科技型中小企业, dated 2023-09; its stored current tier says 2023."""
    store.upsert_nodes("Enterprise", [{"id": "e7", "name": "宜兴七号陶瓷", "town": "丁蜀镇", "founded": "2014-01-01",
                                       "tier": TIERS[0], "tier_year": 2023}])
    store.upsert_relationships("REACHED_TIER", [{"source": "e7", "target": tier_id(TIERS[0]), "key": "2023",
                                                 "year": 2023, "date": "2023-09"}])
    return store


def test_a_firm_certified_in_september_is_not_on_the_ladder_in_june_and_enters_in_q3(eco_store) -> None:
    store = _certified_in_september(eco_store)
    june = run_analysis(store, period="2023-Q2", town="丁蜀镇")
    assert "e7" not in june.kept["rungs"]
    kept = snapshots.load_saved(store, "2023-Q2", "丁蜀镇")
    assert kept is not None and "e7" not in kept["rungs"]
    # the kept rungs agree with the pyramid of the same report (one rule for when a certificate counts)
    pyramid = june.tables["pyramid"]
    town_rung1 = pyramid[(pyramid["group"] == "丁蜀镇") & (pyramid["year"] == 2023) & (pyramid["rank"] == 1)]
    assert int(town_rung1["enterprises"].iloc[0]) == sum(1 for r in kept["rungs"].values() if r == 1)
    september = run_analysis(store, period="2023-Q3", town="丁蜀镇", compare=True)
    assert september.compare_origin == "kept report" and september.kept["rungs"]["e7"] == 1
    changes = september.tables["changes"]
    assert changes.loc[changes["change_type"] == ENTERED, "id"].tolist() == ["e7"]


def test_a_stored_tier_without_history_counts_from_its_year(eco_store) -> None:
    eco_store.upsert_nodes("Enterprise", [{"id": "e8", "name": "宜兴八号", "town": "丁蜀镇", "tier": TIERS[0],
                                           "tier_year": 2023}])
    firms = ecosystem.enterprises(ecosystem.load_snapshot(eco_store, period="2023-Q3")).set_index("enterprise_id")
    assert firms.loc["e8", "tier_rank"] == 0  # a year-only 2023 record is not known before the year's end
    firms = ecosystem.enterprises(ecosystem.load_snapshot(eco_store, period="2023")).set_index("enterprise_id")
    assert firms.loc["e8", "tier"] == TIERS[0]
