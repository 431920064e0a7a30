"""Everything pairing reads, once: :class:`PairingData`, partner links, and name resolution."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.pairing.text import _start, _year
from graph.errors import InsufficientDataError, SchemaError
from graph.store import GraphStore

__all__ = ["TARGET_KINDS", "InsufficientDataError", "PairingData", "partner_links", "resolve_entity"]

#: Kinds a recommendation can be for, from an enterprise's side.
TARGET_KINDS: tuple[str, ...] = ("University", "Talent")



def _frames_from_graph(graph: nx.Graph) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame([{"id": n, **attrs} for n, attrs in graph.nodes(data=True)])
    if graph.is_multigraph():
        edge_iter = graph.edges(keys=True, data=True)
        records = [
            {**attrs, "source": s, "target": t, "type": attrs.get("type"), "key": attrs.get("key", key)}
            for s, t, key, attrs in edge_iter
        ]
    else:
        records = [{**attrs, "source": s, "target": t, "type": attrs.get("type")} for s, t, attrs in graph.edges(data=True)]
    edges = pd.DataFrame(records)
    if nodes.empty:
        nodes = pd.DataFrame(columns=["id", "kind"])
    if "kind" not in nodes:
        raise SchemaError("graph nodes need a 'kind' attribute (Enterprise, University, ...); use to_networkx(store)")
    if edges.empty:
        edges = pd.DataFrame(columns=["source", "target", "type"])
    return nodes, edges


def _col(frame: pd.DataFrame, name: str) -> list[Any]:
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


class PairingData:
    """Everything pairing needs, read once from a store or a graph.

    Holds the nodes (positions per kind), the relationships as integer arrays
    with their years, and the node texts.  Build it with :meth:`load`; pass it
    to :meth:`PairingRecommender.fit` or the evaluation to read the store once.

    Attributes
    ----------
    ids, kinds, names : numpy.ndarray
        Per node (sorted by id).
    start : numpy.ndarray
        The year a node came into being (``year``/``founded``, else the first year
        of any of its relationships, else NaN = always there).
    edges : pandas.DataFrame
        ``src, dst`` (node positions), ``type``, ``year`` (float, NaN undated),
        ``outcome``, ``event``.
    """

    def __init__(self, nodes: pd.DataFrame, edges: pd.DataFrame) -> None:
        nodes = nodes.drop_duplicates("id").sort_values("id", kind="stable").reset_index(drop=True)
        self.ids = np.asarray(nodes["id"].astype(object).to_numpy(), dtype=object)
        self.kinds = np.asarray(nodes["kind"].astype(object).to_numpy(), dtype=object)
        names = _col(nodes, "name")
        self.names = np.asarray([n if isinstance(n, str) else str(i) for n, i in zip(names, self.ids)], dtype=object)
        self.pos: dict[str, int] = {i: p for p, i in enumerate(self.ids)}
        self.props = {c: _col(nodes, c) for c in nodes.columns}
        self.by_kind: dict[str, np.ndarray] = {}
        self.local = np.full(len(self.ids), -1, dtype=np.int64)
        for kind in pd.unique(self.kinds):
            where = np.flatnonzero(self.kinds == kind)
            self.by_kind[str(kind)] = where
            self.local[where] = np.arange(len(where))

        src = np.array([self.pos.get(s, -1) for s in _col(edges, "source")], dtype=np.int64)
        dst = np.array([self.pos.get(t, -1) for t in _col(edges, "target")], dtype=np.int64)
        keep = (src >= 0) & (dst >= 0)
        frame = pd.DataFrame(
            {
                "src": src,
                "dst": dst,
                "type": pd.Series(_col(edges, "type"), dtype=object),
                "year": np.array([_year(y) for y in _col(edges, "year")], dtype=float),
                "outcome": pd.Series(_col(edges, "outcome"), dtype=object),
                "event": pd.Series(_col(edges, "event"), dtype=object),
            }
        )
        self.edges = frame[keep].reset_index(drop=True)
        # a relationship without a year takes its dated end's year (project, event)
        node_year = np.array(
            [_start(y, f, d) for y, f, d in zip(_col(nodes, "year"), _col(nodes, "founded"), _col(nodes, "date"))], dtype=float
        )
        undated = np.isnan(self.edges["year"].to_numpy())
        if undated.any():
            dst_kind = self.kinds[self.edges["dst"].to_numpy()]
            borrow = undated & np.isin(dst_kind, ["Project", "Event"])
            years = self.edges["year"].to_numpy().copy()
            years[borrow] = node_year[self.edges["dst"].to_numpy()[borrow]]
            self.edges["year"] = years
        # when a node came into being: its own year, else the first year of its relationships
        start = node_year.copy()
        dated = self.edges.dropna(subset=["year"])
        first = pd.concat(
            [dated[["src", "year"]].rename(columns={"src": "node"}), dated[["dst", "year"]].rename(columns={"dst": "node"})]
        ).groupby("node")["year"].min()
        missing = np.isnan(start)
        idx = first.index.to_numpy()
        fill = np.full(len(start), np.nan)
        fill[idx] = first.to_numpy()
        start[missing] = fill[missing]
        self.start = start
        self.max_year = float(np.nanmax(self.edges["year"])) if len(dated) else math.nan
        self._links: dict[str, pd.DataFrame] = {}

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def load(cls, source: GraphStore | nx.Graph | PairingData) -> PairingData:
        """Read a store, the read model (:class:`analysis.ecosystem.Snapshot`: its frames, not read again), a
        networkx graph (as :func:`graph.projection.to_networkx` makes) or return ``source``.

        >>> from graph import SQLiteStore
        >>> store = SQLiteStore(":memory:")
        >>> _ = store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲"}])
        >>> PairingData.load(store).count("Enterprise")
        1
        """
        if isinstance(source, PairingData):
            return source
        if isinstance(source, GraphStore):
            return cls(source.nodes(), source.relationships())
        if isinstance(getattr(source, "nodes", None), pd.DataFrame):  # the read model (analysis.ecosystem.Snapshot)
            return cls(source.nodes, source.relationships)
        if isinstance(source, nx.Graph):
            return cls(*_frames_from_graph(source))
        raise SchemaError(
            f"expected a GraphStore, a networkx graph or PairingData, got {type(source).__name__}; "
            "open a store with graph.connect.open_store"
        )

    # ---- helpers --------------------------------------------------------------------------
    def count(self, kind: str) -> int:
        """Number of nodes of ``kind``."""
        return len(self.by_kind.get(kind, ()))

    def members(self, kind: str) -> np.ndarray:
        """Global positions of the nodes of ``kind`` (sorted by id)."""
        return self.by_kind.get(kind, np.zeros(0, dtype=np.int64))

    def prop(self, kind: str, name: str) -> list[Any]:
        """Property ``name`` of every node of ``kind``, in local order (None where missing)."""
        column = self.props.get(name)
        if column is None:
            return [None] * self.count(kind)
        return [column[p] for p in self.members(kind)]

    def exists_by(self, kind: str, year: float) -> np.ndarray:
        """Boolean mask (local order): nodes of ``kind`` that existed by the end of ``year``."""
        start = self.start[self.members(kind)]
        return np.isnan(start) | (start <= year)

    def typed(self, types: Sequence[str], src_kind: str | None = None, dst_kind: str | None = None) -> pd.DataFrame:
        """Edges of ``types`` (and endpoint kinds), with local positions ``s`` and ``t``."""
        frame = self.edges[self.edges["type"].isin(list(types))]
        if src_kind is not None:
            frame = frame[self.kinds[frame["src"].to_numpy()] == src_kind]
        if dst_kind is not None:
            frame = frame[self.kinds[frame["dst"].to_numpy()] == dst_kind]
        frame = frame.copy()
        frame["s"] = self.local[frame["src"].to_numpy()]
        frame["t"] = self.local[frame["dst"].to_numpy()]
        return frame

    def links(self, target: str = "University") -> pd.DataFrame:
        """Enterprise–``target`` partner links: ``e``, ``t`` (local positions), ``year`` (first; NaN undated)."""
        if target not in self._links:
            self._links[target] = self._compute_links(target)
        return self._links[target]

    def _compute_links(self, target: str) -> pd.DataFrame:
        parts: list[pd.DataFrame] = []
        if target == "University":
            collab = self.typed(["COLLABORATES_WITH"], "Enterprise", "University")
            parts.append(pd.DataFrame({"e": collab["s"], "t": collab["t"], "year": collab["year"]}))
            part = self.typed(["PARTICIPATES_IN"], None, "Project")
            src_kind = self.kinds[part["src"].to_numpy()]
            firms = part[src_kind == "Enterprise"][["s", "dst", "year"]]
            unis = part[src_kind == "University"][["s", "dst", "year"]]
            if len(firms) and len(unis):
                joint = firms.merge(unis, on="dst", suffixes=("_e", "_u"))
                year = np.fmax(joint["year_e"].to_numpy(), joint["year_u"].to_numpy())
                parts.append(pd.DataFrame({"e": joint["s_e"].to_numpy(), "t": joint["s_u"].to_numpy(), "year": year}))
        elif target == "Talent":
            for types, src_kind, dst_kind, flip in (
                (["EMPLOYS"], "Enterprise", "Talent", False),
                (["AFFILIATED_WITH", "SECONDED_TO"], "Talent", "Enterprise", True),
            ):
                frame = self.typed(types, src_kind, dst_kind)
                e, t = (frame["t"], frame["s"]) if flip else (frame["s"], frame["t"])
                parts.append(pd.DataFrame({"e": e.to_numpy(), "t": t.to_numpy(), "year": frame["year"].to_numpy()}))
            met = self.typed(["MET"], "Enterprise", "Talent")
            met = met[met["outcome"] == "signed"]
            parts.append(pd.DataFrame({"e": met["s"].to_numpy(), "t": met["t"].to_numpy(), "year": met["year"].to_numpy()}))
        else:
            raise SchemaError(f"no partner links towards {target!r}; use one of: {', '.join(TARGET_KINDS)}")
        parts = [p for p in parts if len(p)]
        if not parts:
            return pd.DataFrame({"e": np.zeros(0, np.int64), "t": np.zeros(0, np.int64), "year": np.zeros(0)})
        frame = pd.concat(parts, ignore_index=True)
        frame["e"] = frame["e"].astype(np.int64)
        frame["t"] = frame["t"].astype(np.int64)
        # undated links count as always there: -inf sorts first in min()
        frame["year"] = frame["year"].astype(float).fillna(-np.inf)
        first = frame.groupby(["e", "t"], as_index=False)["year"].min()
        first["year"] = first["year"].replace(-np.inf, np.nan)
        return first

    def matrix(self, frame: pd.DataFrame, rows: str, cols: str, shape: tuple[int, int],
               until: float, since: float | None = None, binary: bool = True) -> sp.csr_matrix:
        """Sparse matrix of ``frame`` rows dated up to ``until`` (undated always, after ``since`` if given)."""
        year = frame["year"].to_numpy(dtype=float)
        keep = np.isnan(year) | (year <= until)
        if since is not None:
            keep &= ~np.isnan(year) & (year > since)
        data = np.ones(int(keep.sum()), dtype=np.float64)
        out = sp.csr_matrix((data, (frame[rows].to_numpy()[keep], frame[cols].to_numpy()[keep])), shape=shape)
        out.sum_duplicates()
        if binary:
            out.data[:] = 1.0
        return out


def partner_links(source: GraphStore | nx.Graph | PairingData, kind: str = "University") -> pd.DataFrame:
    """Enterprise–partner links with the year each pair first worked together.

    Parameters
    ----------
    source : GraphStore, networkx graph or PairingData
    kind : {"University", "Talent"}

    Returns
    -------
    pandas.DataFrame
        ``enterprise_id, partner_id, year`` (first year; None when undated), sorted.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> for n, k in [("e1", "Enterprise"), ("u1", "University"), ("p1", "Project")]:
    ...     g.add_node(n, kind=k, name=n)
    >>> g.nodes["p1"]["year"] = 2019
    >>> g.add_edge("e1", "p1", type="PARTICIPATES_IN"); g.add_edge("u1", "p1", type="PARTICIPATES_IN")
    0
    0
    >>> partner_links(g).to_dict(orient="records")
    [{'enterprise_id': 'e1', 'partner_id': 'u1', 'year': 2019}]
    """
    data = PairingData.load(source)
    links = data.links(kind)
    firms, partners = data.members("Enterprise"), data.members(kind)
    out = pd.DataFrame(
        {
            "enterprise_id": data.ids[firms[links["e"].to_numpy()]] if len(links) else [],
            "partner_id": data.ids[partners[links["t"].to_numpy()]] if len(links) else [],
            "year": pd.Series([None if math.isnan(y) else int(y) for y in links["year"]], dtype=object),
        }
    )
    return out.sort_values(["enterprise_id", "partner_id"], kind="stable").reset_index(drop=True)


def resolve_entity(source: GraphStore | nx.Graph | PairingData, text: str) -> str:
    """The node id meant by ``text``, through the one resolver (:func:`graph.lookup.resolve`: id > USCC >
    学校标识码 > name > alias > forgiving match).

    Raises
    ------
    graph.errors.NameNotFoundError
        Nothing matches (the message suggests close names).
    graph.errors.AmbiguousNameError
        Several records fit (the message lists them).

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("u1", kind="University", name="江南大学", uscc="12100000466007597C")
    >>> resolve_entity(g, "江南大学"), resolve_entity(g, "12100000466007597c"), resolve_entity(g, "u1")
    ('u1', 'u1', 'u1')
    """
    from graph.lookup import resolve

    if isinstance(source, PairingData):
        nodes = pd.DataFrame({"id": source.ids, "kind": source.kinds, "name": source.names,
                              **{key: source.props[key] for key in ("uscc", "aliases", "moe_code")
                                 if key in source.props}})
        return str(resolve(nodes, text).id)
    return str(resolve(source, text).id)


def _result_columns(data: PairingData, kind: str) -> dict[str, np.ndarray]:
    """Per node of ``kind`` (local order): id, name and the text properties a result row shows."""
    members = data.members(kind)
    out: dict[str, np.ndarray] = {}
    for name, column in (("id", data.ids[members]), ("name", data.names[members])):
        out[name] = np.asarray(column, dtype=object)
    for name in ("category", "town", "city", "province", "country", "industry", "affiliation", "title"):
        values = data.props.get(name)
        column = np.empty(len(members), dtype=object)
        if values is not None:
            column[:] = [v if isinstance(v, str) and v.strip() else None for v in (values[p] for p in members)]
        out[name] = column
    if kind == "Talent":  # 单位: the affiliation as given, else the organisation the expert belongs to
        missing = np.array([v is None for v in out["affiliation"]], dtype=bool)
        for types, talent_end in ((["AFFILIATED_WITH"], "src"), (["EMPLOYS"], "dst")):
            edges = data.edges[data.edges["type"].isin(types)]
            org_end = "dst" if talent_end == "src" else "src"
            for talent, org in zip(edges[talent_end].to_numpy(), edges[org_end].to_numpy()):
                if data.kinds[talent] == "Talent" and data.kinds[org] in ("University", "Enterprise"):
                    local = data.local[talent]
                    if missing[local] and out["affiliation"][local] is None:
                        out["affiliation"][local] = str(data.names[org])
    return out
