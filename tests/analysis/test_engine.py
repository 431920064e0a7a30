"""The igraph engine against the pure-networkx reference, and sparse link scores."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from analysis.engine import (
    IGraphAdapter,
    adjacency_matrix,
    collaboration_edges,
    networkx_reference,
    sparse_link_scores,
)
from graph.errors import SchemaError


def _weighted_graph(seed: int = 3) -> nx.Graph:
    graph = nx.relabel_nodes(nx.gnm_random_graph(40, 90, seed=seed), lambda i: f"n{i}")
    rng = np.random.default_rng(seed)
    for u, v in graph.edges:
        graph[u][v]["weight"] = float(rng.integers(1, 4))
    graph.add_node("lonely")
    return graph


@pytest.mark.parametrize("graph", [nx.karate_club_graph(), _weighted_graph()], ids=["karate", "weighted"])
def test_igraph_matches_networkx_reference(graph: nx.Graph) -> None:
    fast = IGraphAdapter(graph)
    reference = networkx_reference(graph)
    pd.testing.assert_series_equal(fast.pagerank(), reference["pagerank"], check_names=False, atol=1e-6)
    pd.testing.assert_series_equal(
        fast.betweenness(exact=True), reference["betweenness"], check_names=False, atol=1e-9
    )
    assert fast.coreness().to_dict() == reference["coreness"].to_dict()
    pd.testing.assert_series_equal(fast.constraint(), reference["constraint"], check_names=False, atol=1e-9)
    pd.testing.assert_series_equal(
        fast.effective_size(), reference["effective_size"], check_names=False, atol=1e-9
    )


def test_from_edges_equals_from_networkx() -> None:
    graph = _weighted_graph()
    frame = nx.to_pandas_edgelist(graph)
    a = IGraphAdapter(graph).measures(exact=True)
    b = IGraphAdapter.from_edges(frame, nodes=list(graph.nodes)).measures(exact=True)
    pd.testing.assert_frame_equal(a, b)


def test_bridge_node_has_lowest_constraint() -> None:
    graph = nx.barbell_graph(5, 1)  # two cliques joined through node 5
    constraint = IGraphAdapter(graph).constraint()
    assert constraint.idxmin() == 5


def test_sampled_betweenness_is_seeded_and_close() -> None:
    graph = nx.relabel_nodes(nx.barabasi_albert_graph(300, 2, seed=1), str)
    engine = IGraphAdapter(graph)
    exact = engine.betweenness(exact=True)
    first, second = engine.betweenness(k=150, seed=7), engine.betweenness(k=150, seed=7)
    pd.testing.assert_series_equal(first, second)
    assert engine.betweenness(k=150, seed=8).ne(first).any()
    top_exact = set(exact.nlargest(5).index)
    assert len(top_exact & set(first.nlargest(10).index)) >= 4
    with pytest.raises(SchemaError, match="pivots"):
        engine.betweenness(k=0)


def test_leiden_finds_planted_communities_and_is_seeded() -> None:
    graph = nx.relabel_nodes(nx.planted_partition_graph(3, 12, 0.9, 0.01, seed=2), str)
    engine = IGraphAdapter(graph)
    membership = engine.leiden(seed=1)
    pd.testing.assert_series_equal(membership, engine.leiden(seed=1))
    for block in range(3):
        ids = [str(i) for i in range(block * 12, block * 12 + 12)]
        assert membership[ids].nunique() == 1
    assert membership.nunique() == 3
    assert membership.value_counts().index[0] == 0  # numbered by size


def test_empty_graph() -> None:
    engine = IGraphAdapter(nx.Graph())
    assert engine.measures().empty


@pytest.mark.parametrize(
    ("method", "reference"),
    [
        ("adamic_adar", nx.adamic_adar_index),
        ("resource_allocation", nx.resource_allocation_index),
        ("common_neighbours", lambda g, pairs: ((u, v, len(list(nx.common_neighbors(g, u, v)))) for u, v in pairs)),
    ],
)
def test_sparse_link_scores_match_networkx(method: str, reference) -> None:
    graph = nx.karate_club_graph()
    matrix, ids = adjacency_matrix(graph)
    sources = [0, 5, 33]
    scores = sparse_link_scores(matrix, [ids.get_loc(s) for s in sources], method).toarray()
    pairs = [(s, t) for s in sources for t in graph.nodes if t != s]
    for u, v, value in reference(graph, pairs):
        assert scores[sources.index(u), ids.get_loc(v)] == pytest.approx(value)


def test_sparse_link_scores_rejects_unknown_method() -> None:
    matrix, _ = adjacency_matrix(nx.path_graph(3))
    with pytest.raises(SchemaError, match="jaccard"):
        sparse_link_scores(matrix, [0], "jaccard")


def test_collaboration_edges_keeps_organisation_ties_only() -> None:
    rels = pd.DataFrame(
        {
            "source": ["e1", "e1", "e1"],
            "target": ["u1", "town:a", "tier:高新技术企业"],
            "type": ["COLLABORATES_WITH", "LOCATED_IN", "REACHED_TIER"],
            "key": ["", "", "2020"],
            "weight": [None, None, None],
            "year": [2020, None, 2020],
        },
        dtype=object,
    )
    edges = collaboration_edges(rels)
    assert edges[["source", "target", "weight"]].values.tolist() == [["e1", "u1", 1.0]]
