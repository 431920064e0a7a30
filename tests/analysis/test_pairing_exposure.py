"""The exposure cap (``PairingRecommender(max_share=…)``): no partner in more than a share of the firms' lists."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from analysis.pairing import PairingRecommender, evaluate_pairing
from graph.errors import SchemaError
from tests.analysis.test_pairing import small_world


def skewed_world() -> nx.MultiDiGraph:
    """Firms link to universities of their topic, and to the famous ones (Zipf popularity) far more often."""
    return small_world(seed=1, n_firms=240, n_unis=60, fame=1.2, topic_weight=4.0, first_year=2014, share_per_year=3)


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
