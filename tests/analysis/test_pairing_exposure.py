"""The exposure cap (``PairingRecommender(max_share=…)``): no partner in more than a share of the firms' lists."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from analysis.pairing import PairingRecommender, evaluate_pairing
from graph.errors import SchemaError

TOPICS = ["膜材料", "电线电缆", "紫砂陶瓷", "锂电池"]


def skewed_world(seed: int = 1, n_firms: int = 240, n_unis: int = 60) -> nx.MultiDiGraph:
    """Firms link to universities of their topic, and to the famous ones (Zipf popularity) far more often."""
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph()
    firm_topic, uni_topic = np.arange(n_firms) % len(TOPICS), np.arange(n_unis) % len(TOPICS)
    fame = 1.0 / (1.0 + np.arange(n_unis)) ** 1.2
    for i in range(n_firms):
        g.add_node(f"e{i:03d}", kind="Enterprise", name=f"企业{i}", keywords=[TOPICS[firm_topic[i]]])
    for j in range(n_unis):
        g.add_node(f"u{j:02d}", kind="University", name=f"大学{j}", keywords=[TOPICS[uni_topic[j]]])
    linked = np.zeros((n_firms, n_unis), bool)
    for year in range(2014, 2023):
        for i in rng.choice(n_firms, n_firms // 3, replace=False):
            weights = fame * np.where(uni_topic == firm_topic[i], 4.0, 1.0) * ~linked[i]
            j = rng.choice(n_unis, p=weights / weights.sum())
            linked[i, j] = True
            g.add_edge(f"e{i:03d}", f"u{j:02d}", type="COLLABORATES_WITH", year=year)
    return g


@pytest.fixture(scope="module")
def world() -> nx.MultiDiGraph:
    return skewed_world()


@pytest.fixture(scope="module")
def capped(world: nx.MultiDiGraph) -> PairingRecommender:
    return PairingRecommender(max_share=0.25).fit(world, until_year=2021)


def _top_share(lists) -> float:
    return lists["partner_id"].value_counts().max() / lists["enterprise_id"].nunique()


def test_no_partner_in_more_than_the_share_of_lists(world: nx.MultiDiGraph, capped: PairingRecommender) -> None:
    plain = PairingRecommender().fit(world, until_year=2021)
    assert plain.exposure_ is None
    assert _top_share(plain.recommend_all(k=10)) > 0.25  # the famous universities fill most lists without a cap
    lists = capped.recommend_all(k=10)
    limit = capped.exposure_["limit"]
    assert limit == int(0.25 * lists["enterprise_id"].nunique())
    assert lists["partner_id"].value_counts().max() <= limit
    assert (lists.groupby("enterprise_id").size() == 10).all()  # lists stay full: the next candidates move up
    report = capped.exposure_["capped"]
    # sorted by exposure before the cap; some went over it only when the others' places were freed
    assert report and all(r["lists"] <= limit for r in report) and report[0]["lists_before"] > limit
    assert [r["lists_before"] for r in report] == sorted((r["lists_before"] for r in report), reverse=True)


def test_one_firm_gets_the_list_the_batch_gives(capped: PairingRecommender) -> None:
    lists = capped.recommend_all(k=10)
    for firm in ("e000", "e007", "e101", "e233"):
        one = capped.recommend(firm, k=10)
        assert list(one["id"]) == list(lists.loc[lists["enterprise_id"] == firm, "partner_id"])
        # the score shown is still the model's probability, not the moved-down number
        assert one["score"].between(0, 1).all()


def test_an_events_chosen_attendees_are_not_capped(capped: PairingRecommender) -> None:
    lists = capped.recommend_all(k=10)
    firm = next(f for f in lists["enterprise_id"].unique()
                if "u00" not in set(lists.loc[lists["enterprise_id"] == f, "partner_id"])
                and "u00" in set(capped.recommend(f, k=60)["id"]))
    ranked = capped.recommend(firm, k=3, candidates=["u00", "u58", "u59"])
    scores = dict(zip(ranked["id"], ranked["score"], strict=True))
    assert list(ranked["id"]) == sorted(scores, key=lambda i: (-scores[i], i))


def test_bad_share_is_refused(world: nx.MultiDiGraph) -> None:
    with pytest.raises(SchemaError, match="max_share"):
        PairingRecommender(max_share=0.0).fit(world, until_year=2021)
    with pytest.raises(SchemaError, match="ranking scores"):
        PairingRecommender().fit(world, until_year=2021).score_grid(np.array([0]), probability=True, ranking=True)


def test_evaluation_measures_the_capped_lists(world: nx.MultiDiGraph) -> None:
    plain = evaluate_pairing(world, 2021, k=10)
    result = evaluate_pairing(world, 2021, k=10, max_share=0.25)
    assert plain["exposure"] is None and plain["model"]["top_share"] > 0.25
    assert result["model"]["top_share"] <= 0.25
    assert result["exposure"]["capped"]
    assert result["model"]["coverage"] >= plain["model"]["coverage"]
