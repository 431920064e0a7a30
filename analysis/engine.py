"""The analysis engine: heavy network algorithms on igraph, link scores as scipy sparse products.

networkx is the graph users see; :class:`IGraphAdapter` converts it (or an edge
frame) to igraph once and maps every result back to node ids as pandas objects.
:func:`networkx_reference` computes the same measures with pure networkx: it is
the small-graph reference the tests compare the fast path against (at city scale
networkx needs hours for constraint and exact betweenness).

Communities and centralities run on the organisation network
(:data:`ORGANISATION_KINDS` joined by :data:`ORGANISATION_TYPES`), never through
Town / Industry / Tier hub nodes, which would swamp them.

Examples
--------
>>> import networkx as nx
>>> graph = nx.path_graph(["a", "b", "c"])
>>> engine = IGraphAdapter(graph)
>>> engine.coreness().to_dict()
{'a': 1, 'b': 1, 'c': 1}
>>> float(round(engine.constraint()["b"], 3))
0.5
>>> engine.betweenness(exact=True, normalized=False).to_dict()
{'a': 0.0, 'b': 1.0, 'c': 0.0}
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterable, Iterator, Sequence

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from graph.errors import SchemaError
from graph.schema import CORE_KINDS

__all__ = [
    "LINK_SCORE_METHODS",
    "ORGANISATION_KINDS",
    "ORGANISATION_TYPES",
    "IGraphAdapter",
    "adjacency_matrix",
    "collaboration_edges",
    "collaboration_graph",
    "networkx_reference",
    "sparse_link_scores",
]

#: Node kinds of the organisation network that communities and centralities run on.
ORGANISATION_KINDS: tuple[str, ...] = CORE_KINDS  # the network: organisations and talents (graph.schema)

#: Relationship types that tie organisations (and talents) directly to each other.
ORGANISATION_TYPES: tuple[str, ...] = (
    "COLLABORATES_WITH",
    "EMPLOYS",
    "AFFILIATED_WITH",
    "SECONDED_TO",
    "INVESTS_IN",
    "SERVES",
    "MET",
)

#: Methods :func:`sparse_link_scores` knows.
LINK_SCORE_METHODS: tuple[str, ...] = ("common_neighbours", "adamic_adar", "resource_allocation")

#: Default number of pivots for sampled betweenness.
DEFAULT_PIVOTS = 256


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Run igraph's randomised algorithms with a private, seeded generator."""
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


class IGraphAdapter:
    """An undirected, weighted igraph copy of a network, with results keyed by node id.

    Parameters
    ----------
    graph : networkx.Graph
        Any networkx graph; direction and parallel edges are folded: the weight of
        a pair is the sum of its edges' ``weight`` attribute (1 when absent).
        Self-loops are dropped.
    weight : str
        Edge attribute that holds the weight.

    Attributes
    ----------
    ids : pandas.Index
        Node ids in igraph vertex order.
    graph : igraph.Graph
        The converted graph (edge attribute ``weight``).
    """

    def __init__(self, graph: nx.Graph | None = None, weight: str = "weight") -> None:
        if graph is None:
            graph = nx.Graph()
        edges = pd.DataFrame(
            [(u, v, data.get(weight, 1.0)) for u, v, data in graph.edges(data=True)],
            columns=["source", "target", "weight"],
        )
        self._build(list(graph.nodes), edges)

    @classmethod
    def from_edges(
        cls,
        edges: pd.DataFrame,
        nodes: Iterable[str] | None = None,
        source: str = "source",
        target: str = "target",
        weight: str | None = "weight",
    ) -> IGraphAdapter:
        """Build the adapter straight from an edge frame (fast path at province scale).

        Parameters
        ----------
        edges : pandas.DataFrame
            One row per edge; ``weight`` column optional (1 when absent or missing).
        nodes : iterable of str, optional
            All node ids, isolated ones included; default: the ids the edges name.

        Examples
        --------
        >>> frame = pd.DataFrame({"source": ["a", "b"], "target": ["b", "a"], "weight": [1.0, 2.0]})
        >>> IGraphAdapter.from_edges(frame, nodes=["a", "b", "z"]).graph.es["weight"]
        [3.0]
        """
        for column in (source, target):
            if column not in edges.columns:
                raise SchemaError(f"edge frame has no column {column!r}; columns are {list(edges.columns)}")
        frame = pd.DataFrame(
            {
                "source": edges[source].astype(object),
                "target": edges[target].astype(object),
                "weight": (
                    pd.to_numeric(edges[weight], errors="coerce").fillna(1.0)
                    if weight is not None and weight in edges.columns
                    else 1.0
                ),
            }
        )
        adapter = cls.__new__(cls)
        node_list = list(nodes) if nodes is not None else list(pd.unique(pd.concat([frame.source, frame.target])))
        adapter._build(node_list, frame)
        return adapter

    def _build(self, node_list: list, edges: pd.DataFrame) -> None:
        self.ids = pd.Index(node_list, dtype=object)
        if not self.ids.is_unique:
            raise SchemaError("node ids must be unique; a node id appears twice in the node list")
        n = len(self.ids)
        if len(edges):
            src = self.ids.get_indexer(edges["source"].astype(object))
            dst = self.ids.get_indexer(edges["target"].astype(object))
            known = (src >= 0) & (dst >= 0) & (src != dst)
            src, dst = src[known], dst[known]
            w = np.asarray(edges["weight"], dtype=float)[known]
            low, high = np.minimum(src, dst), np.maximum(src, dst)
            folded = pd.DataFrame({"u": low, "v": high, "w": w}).groupby(["u", "v"], sort=True)["w"].sum()
            pairs = list(zip(folded.index.get_level_values(0).tolist(), folded.index.get_level_values(1).tolist()))
            weights = folded.to_numpy(dtype=float).tolist()
        else:
            pairs, weights = [], []
        self.graph = ig.Graph(n=n, edges=pairs, directed=False)
        self.graph.es["weight"] = weights

    # ---- helpers ------------------------------------------------------------------------
    def _series(self, values: Sequence, name: str) -> pd.Series:
        return pd.Series(list(values), index=self.ids.copy(), name=name)

    def __len__(self) -> int:
        return self.graph.vcount()

    # ---- algorithms ---------------------------------------------------------------------
    def leiden(self, resolution: float = 1.0, seed: int = 0, n_iterations: int = -1, weighted: bool = True) -> pd.Series:
        """Leiden communities (objective: modularity), numbered 0.. by decreasing size.

        Returns
        -------
        pandas.Series
            Community number per node id (isolated nodes get their own community).
        """
        with _seeded(seed):
            clustering = self.graph.community_leiden(
                objective_function="modularity",
                weights="weight" if weighted and self.graph.ecount() else None,
                resolution=resolution,
                n_iterations=n_iterations,
            )
        membership = np.asarray(clustering.membership, dtype=int)
        sizes = np.bincount(membership) if len(membership) else np.array([], dtype=int)
        order = np.argsort(-sizes, kind="stable")
        renumber = np.empty_like(order)
        renumber[order] = np.arange(len(order))
        return self._series(renumber[membership].tolist() if len(membership) else [], "community")

    def pagerank(self, damping: float = 0.85, weighted: bool = True) -> pd.Series:
        """PageRank (sums to 1).

        Computed with ARPACK: igraph's default PRPACK takes seconds on weighted graphs with isolated
        nodes (1.8 s against 0.2 s on the city demo's 8,820 organisations) for the same values (to 1e-15).
        """
        weights = "weight" if weighted and self.graph.ecount() else None
        with _seeded(0):  # ARPACK's start vector is random: seed it so results repeat exactly
            values = self.graph.pagerank(damping=damping, weights=weights, implementation="arpack")
        return self._series(values, "pagerank")

    def coreness(self) -> pd.Series:
        """k-core number of each node (unweighted)."""
        return self._series(self.graph.coreness(), "coreness")

    def constraint(self, weighted: bool = True) -> pd.Series:
        """Burt's constraint (NaN for isolated nodes, as in networkx)."""
        values = np.asarray(self.graph.constraint(weights="weight" if weighted else None), dtype=float)
        values[np.asarray(self.graph.degree()) == 0] = np.nan
        return self._series(values.tolist(), "constraint")

    def effective_size(self) -> pd.Series:
        """Burt's effective size on the unweighted graph: ``deg - 2 t / deg`` (t = ties among neighbours).

        NaN for isolated nodes, as in networkx.
        """
        degree = np.asarray(self.graph.degree(), dtype=float)
        local = np.asarray(self.graph.transitivity_local_undirected(mode="zero"), dtype=float)
        ties = local * degree * (degree - 1) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(degree > 0, degree - 2 * ties / np.where(degree > 0, degree, 1), np.nan)
        return self._series(values.tolist(), "effective_size")

    def betweenness(
        self, k: int | None = DEFAULT_PIVOTS, seed: int = 0, exact: bool = False, normalized: bool = True
    ) -> pd.Series:
        """Betweenness centrality, sampled from ``k`` seeded pivot sources unless ``exact``.

        The sampled value is the pivots' dependency sum scaled by ``n / k`` (the
        estimator networkx uses for ``k``); with ``k >= n`` or ``exact=True`` it is
        the exact value.  ``normalized`` divides by ``(n - 1)(n - 2) / 2``.
        """
        n = self.graph.vcount()
        if n == 0:
            return self._series([], "betweenness")
        if k is not None and k < 1:
            raise SchemaError(f"betweenness pivots k must be >= 1, got {k}; pass exact=True for the exact value")
        if exact or k is None or k >= n:
            values = np.asarray(self.graph.betweenness(directed=False), dtype=float)
        else:
            pivots = np.random.default_rng(seed).choice(n, size=k, replace=False)
            values = np.asarray(self.graph.betweenness(directed=False, sources=pivots.tolist()), dtype=float)
            values *= n / k
        if normalized and n > 2:
            values = values / ((n - 1) * (n - 2) / 2)
        return self._series(values.tolist(), "betweenness")

    def measures(self, k: int | None = DEFAULT_PIVOTS, seed: int = 0, exact: bool = False) -> pd.DataFrame:
        """All node measures in one frame.

        Returns
        -------
        pandas.DataFrame
            Indexed by node id; columns ``degree``, ``community``, ``pagerank``,
            ``betweenness`` (normalised), ``coreness``, ``constraint``, ``effective_size``.
        """
        return pd.DataFrame(
            {
                "degree": self._series(self.graph.degree(), "degree"),
                "community": self.leiden(seed=seed),
                "pagerank": self.pagerank(),
                "betweenness": self.betweenness(k=k, seed=seed, exact=exact),
                "coreness": self.coreness(),
                "constraint": self.constraint(),
                "effective_size": self.effective_size(),
            }
        )


def networkx_reference(graph: nx.Graph, weight: str = "weight") -> pd.DataFrame:
    """The same measures with pure networkx (the slow reference for small graphs).

    ``graph`` is folded to a simple undirected graph like :class:`IGraphAdapter` does.

    Returns
    -------
    pandas.DataFrame
        Indexed by node id; columns ``pagerank``, ``betweenness`` (exact, normalised),
        ``coreness``, ``constraint`` (weighted), ``effective_size`` (unweighted).

    Examples
    --------
    >>> networkx_reference(nx.path_graph(3)).loc[1, "betweenness"]
    np.float64(1.0)
    """
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        w = data.get(weight, 1.0)
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += w
        else:
            simple.add_edge(u, v, weight=w)
    return pd.DataFrame(
        {
            "pagerank": pd.Series(nx.pagerank(simple, weight="weight", tol=1e-12, max_iter=10_000)),
            "betweenness": pd.Series(nx.betweenness_centrality(simple, normalized=True)),
            "coreness": pd.Series(nx.core_number(simple)),
            "constraint": pd.Series(nx.constraint(simple, weight="weight")),
            "effective_size": pd.Series(nx.effective_size(simple)),
        }
    ).reindex(pd.Index(list(graph.nodes), dtype=object))


def collaboration_edges(relationships: pd.DataFrame, node_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The organisation network's edges from a store's ``relationships()`` frame.

    Keeps :data:`ORGANISATION_TYPES` between ``node_ids`` (when given), weight =
    the relationship's ``weight`` (1 when missing).

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``target``, ``type``, ``year``, ``weight``.
    """
    columns = ["source", "target", "type", "year", "weight"]
    if relationships is None or not len(relationships):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    frame = relationships[relationships["type"].isin(ORGANISATION_TYPES)]
    if node_ids is not None:
        keep = set(node_ids)
        frame = frame[frame["source"].isin(keep) & frame["target"].isin(keep)]
    out = pd.DataFrame(
        {
            "source": frame["source"].astype(object),
            "target": frame["target"].astype(object),
            "type": frame["type"].astype(object),
            "year": frame["year"] if "year" in frame.columns else None,
            "weight": (
                pd.to_numeric(frame["weight"], errors="coerce").fillna(1.0).astype(float)
                if "weight" in frame.columns
                else 1.0
            ),
        }
    )
    return out.reset_index(drop=True)


def collaboration_graph(graph: nx.Graph) -> nx.Graph:
    """Fold a store projection (``to_networkx``) into the undirected organisation network.

    Only :data:`ORGANISATION_KINDS` nodes (with their attributes) and
    :data:`ORGANISATION_TYPES` edges are kept; parallel edges add their weights.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("e", kind="Enterprise"); g.add_node("u", kind="University"); g.add_node("t", kind="Town")
    >>> _ = g.add_edge("e", "u", type="COLLABORATES_WITH"); _ = g.add_edge("e", "u", type="MET")
    >>> _ = g.add_edge("e", "t", type="LOCATED_IN")
    >>> folded = collaboration_graph(g)
    >>> sorted(folded.nodes), folded["e"]["u"]["weight"]
    (['e', 'u'], 2.0)
    """
    out = nx.Graph()
    out.add_nodes_from((n, d) for n, d in graph.nodes(data=True) if d.get("kind") in ORGANISATION_KINDS)
    for u, v, data in graph.edges(data=True):
        if u == v or data.get("type") not in ORGANISATION_TYPES or u not in out or v not in out:
            continue
        w = float(data.get("weight", 1.0))
        if out.has_edge(u, v):
            out[u][v]["weight"] += w
        else:
            out.add_edge(u, v, weight=w)
    return out


def adjacency_matrix(graph: nx.Graph, nodelist: Sequence | None = None) -> tuple[sp.csr_matrix, pd.Index]:
    """Symmetric 0/1 adjacency (CSR, no self-loops) of ``graph`` and the node order it uses.

    Examples
    --------
    >>> matrix, ids = adjacency_matrix(nx.path_graph(["a", "b", "c"]))
    >>> matrix.toarray().tolist(), list(ids)
    ([[0, 1, 0], [1, 0, 1], [0, 1, 0]], ['a', 'b', 'c'])
    """
    ids = pd.Index(list(graph.nodes) if nodelist is None else list(nodelist), dtype=object)
    pairs = [(u, v) for u, v in graph.edges() if u != v]
    if pairs:
        left = ids.get_indexer([u for u, _ in pairs])
        right = ids.get_indexer([v for _, v in pairs])
        keep = (left >= 0) & (right >= 0)
        left, right = left[keep], right[keep]
    else:
        left = right = np.array([], dtype=int)
    n = len(ids)
    matrix = sp.coo_matrix(
        (np.ones(2 * len(left), dtype=np.int64), (np.r_[left, right], np.r_[right, left])), shape=(n, n)
    ).tocsr()
    matrix.data[:] = 1  # parallel edges and both directions count once
    matrix.eliminate_zeros()
    return matrix, ids


def sparse_link_scores(
    adjacency: sp.spmatrix, sources: Sequence[int] | np.ndarray, method: str = "adamic_adar"
) -> sp.csr_matrix:
    """Neighbourhood link-prediction scores from ``sources`` to every node, as one sparse product.

    Parameters
    ----------
    adjacency : scipy.sparse matrix, shape (n, n)
        Symmetric adjacency; any non-zero entry is an edge (see :func:`adjacency_matrix`).
    sources : sequence of int
        Row positions of the nodes to score from.
    method : {"common_neighbours", "adamic_adar", "resource_allocation"}
        ``common_neighbours``: |N(u) ∩ N(v)|; ``adamic_adar``: sum over common
        neighbours w of 1 / log deg(w); ``resource_allocation``: sum of 1 / deg(w).
        The same definitions as networkx's ``link_prediction`` functions.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (len(sources), n)
        Row i holds the scores of ``sources[i]`` against every node (0 = no common
        neighbour).  Scores against the source itself and existing neighbours are
        kept: callers filter what they do not want.

    Examples
    --------
    >>> matrix, ids = adjacency_matrix(nx.star_graph(3))
    >>> sparse_link_scores(matrix, [1], "common_neighbours").toarray().tolist()
    [[0.0, 1.0, 1.0, 1.0]]
    """
    if method not in LINK_SCORE_METHODS:
        raise SchemaError(f"unknown link-score method {method!r}; use one of: {', '.join(LINK_SCORE_METHODS)}")
    binary = sp.csr_matrix(adjacency, dtype=float, copy=True)
    binary.data[:] = 1.0
    binary.eliminate_zeros()
    degree = np.asarray(binary.sum(axis=1)).ravel()
    if method == "common_neighbours":
        scale = np.ones_like(degree)
    elif method == "adamic_adar":
        with np.errstate(divide="ignore"):
            scale = np.where(degree > 1, 1.0 / np.log(np.where(degree > 1, degree, 2)), 0.0)
    else:
        scale = np.where(degree > 0, 1.0 / np.where(degree > 0, degree, 1), 0.0)
    rows = binary[np.asarray(sources, dtype=int)]
    return sp.csr_matrix(rows @ sp.diags(scale) @ binary)
