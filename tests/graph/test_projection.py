"""to_networkx over both stores: node and edge attributes, kinds, types, until_year."""

from __future__ import annotations

import pytest

from graph.projection import start_year, to_networkx


def _fill(store) -> None:
    store.upsert_nodes(
        "Enterprise",
        [
            {"id": "e1", "name": "宜兴甲", "founded": "2010-05-01", "keywords": ["陶瓷"]},
            {"id": "e2", "name": "宜兴乙", "founded": "2021-01-01"},
            {"id": "e3", "name": "宜兴丙"},  # undated: always kept
        ],
    )
    store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    store.upsert_nodes("Project", [{"id": "p1", "name": "陶都之光", "year": 2019}])
    store.upsert_nodes("Tier", [{"id": "tier:高新技术企业", "name": "高新技术企业", "rank": 2}])
    store.upsert_relationships(
        "COLLABORATES_WITH",
        [
            {"source": "e1", "target": "u1", "year": 2015},
            {"source": "e1", "target": "u1", "key": "2020", "year": 2020},
            {"source": "e2", "target": "u1", "year": 2022},
            {"source": "e3", "target": "u1"},
        ],
    )
    store.upsert_relationships("PARTICIPATES_IN", [{"source": "e1", "target": "p1", "year": 2019, "role": "牵头"}])
    store.upsert_relationships(
        "REACHED_TIER",
        [{"source": "e1", "target": "tier:高新技术企业", "key": "2018", "year": 2018, "valid_until": 2021}],
    )


def test_whole_store_with_attributes(store):
    _fill(store)
    graph = to_networkx(store)
    assert graph.number_of_nodes() == 6 and graph.number_of_edges() == 6
    assert graph.nodes["e1"] == {"kind": "Enterprise", "name": "宜兴甲", "founded": "2010-05-01", "keywords": ["陶瓷"]}
    assert "founded" not in graph.nodes["e3"]  # missing values are left out, not None
    edges = graph.get_edge_data("e1", "u1")
    assert set(edges) == {"COLLABORATES_WITH:", "COLLABORATES_WITH:2020"}
    assert edges["COLLABORATES_WITH:2020"] == {"type": "COLLABORATES_WITH", "key": "2020", "year": 2020}
    assert graph.edges["e1", "tier:高新技术企业", "REACHED_TIER:2018"]["valid_until"] == 2021


def test_filter_by_kinds_drops_edges_without_both_ends(store):
    _fill(store)
    graph = to_networkx(store, kinds=["Enterprise", "University"])
    assert sorted(graph.nodes) == ["e1", "e2", "e3", "u1"]
    assert {d["type"] for *_, d in graph.edges(data=True)} == {"COLLABORATES_WITH"}
    assert graph.number_of_edges() == 4


def test_filter_by_types(store):
    _fill(store)
    graph = to_networkx(store, types=["PARTICIPATES_IN", "REACHED_TIER"])
    assert graph.number_of_nodes() == 6  # every node, only these edges
    assert sorted((u, v) for u, v in graph.edges()) == [("e1", "p1"), ("e1", "tier:高新技术企业")]


def test_until_year_drops_later_nodes_and_relationships(store):
    _fill(store)
    graph = to_networkx(store, until_year=2019)
    assert "e2" not in graph  # founded 2021
    assert {"e1", "e3", "u1", "p1"} <= set(graph)
    assert sorted(k for *_, k in graph.edges(keys=True)) == [
        "COLLABORATES_WITH:", "COLLABORATES_WITH:", "PARTICIPATES_IN:", "REACHED_TIER:2018"
    ]
    assert to_networkx(store, until_year=2018).has_node("p1") is False
    assert to_networkx(store, until_year=2030).number_of_edges() == 6


def test_unknown_kind_or_type_is_a_value_error(store):
    with pytest.raises(ValueError, match="unknown node kind"):
        to_networkx(store, kinds=["Company"])
    with pytest.raises(ValueError, match="unknown relationship type"):
        to_networkx(store, types=["KNOWS"])


def test_empty_store_and_empty_filters(store):
    assert to_networkx(store).number_of_nodes() == 0
    _fill(store)
    assert to_networkx(store, kinds=[]).number_of_nodes() == 0
    assert to_networkx(store, types=[]).number_of_edges() == 0


def test_start_year():
    assert start_year({"year": 2019, "founded": "2001-01-01"}) == 2019
    assert start_year({"founded": "2001年3月"}) == 2001
    assert start_year({"year": True, "founded": None}) is None
