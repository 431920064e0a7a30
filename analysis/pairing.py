"""Whom should firm X meet?  Industry–academia pairing with reasons (产学研对接推荐).

:class:`PairingRecommender` ranks universities / institutes (or experts) for an
enterprise, and enterprises for a university.  It combines six signals, each a
small group of pair features computed with sparse matrix products over the
graph as it stood at a cut-off year:

========== ==========================================================================
signal     features
========== ==========================================================================
content    TF-IDF cosine of keywords / industry / field (Chinese by character
           bigrams plus whole phrases); cosine to the profile of the partner's past
           partner firms; share of the partner's firms in this firm's industry
graph      three-path counts and resource allocation over firm → partner → firm →
           partner; talents tying the pair; co-project firms that work with it
location   same town / park, same city (or county), same province
popularity partner's number of partner firms, recent partners, size; firm's partners
tier       the firm's tier, the mean tier of the partner's firms, the gap
meetings   earlier MET at events and their outcomes (signed / follow-up / none)
========== ==========================================================================

The weights are learned by a scikit-learn classifier on historical links with
negative sampling: for snapshot years ``s`` before the cut-off, the features come
from the graph up to ``s`` and the positives are the links first made after
``s`` (up to the cut-off), exactly the task the evaluation poses.

A *partner link* of an enterprise and a university is a COLLABORATES_WITH
relationship or a project both take part in (PARTICIPATES_IN); its year is the
first year seen.  Enterprise–talent links are EMPLOYS, AFFILIATED_WITH,
SECONDED_TO and MET with outcome ``signed``.

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("e1", kind="Enterprise", name="甲", keywords=["膜材料"])
>>> g.add_node("u1", kind="University", name="江南大学", keywords=["膜材料", "水处理"])
>>> g.add_node("u2", kind="University", name="某大学", keywords=["软件"])
>>> links = partner_links(g)
>>> len(links)
0
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from graph.errors import InnonetError, NotFittedError, NotFoundError, SchemaError
from graph.projection import start_year
from graph.schema import TIERS, tier_rank
from graph.store import GraphStore
from graph.uscc import decode, is_valid

__all__ = [
    "FEATURES",
    "SIGNALS",
    "TARGET_KINDS",
    "InsufficientDataError",
    "PairingData",
    "PairingRecommender",
    "partner_links",
    "resolve_entity",
]

#: The signal groups, in the order reasons are reported.
SIGNALS: tuple[str, ...] = ("content", "graph", "location", "popularity", "tier", "meetings")

#: The pair features of each signal.
FEATURES: dict[str, tuple[str, ...]] = {
    "content": ("content_cosine", "content_peer", "industry_share"),
    "graph": ("three_path", "resource_allocation", "talent_bridge", "firm_network"),
    "location": ("same_town", "same_city", "same_province"),
    "popularity": ("partner_degree", "partner_recent", "partner_size", "firm_degree"),
    "tier": ("firm_tier", "partner_mean_tier", "tier_gap"),
    "meetings": ("met_before", "met_signed", "met_followup", "partner_meeting_success"),
}

#: Kinds a recommendation can be for, from an enterprise's side.
TARGET_KINDS: tuple[str, ...] = ("University", "Talent")

_RECENT_YEARS = 3
_SIGNAL_ZH = {
    "content": "研究方向相近",
    "graph": "合作网络相连",
    "location": "地理相近",
    "popularity": "合作活跃",
    "tier": "梯次匹配",
    "meetings": "曾在活动中对接",
}
_SIGNAL_EN = {
    "content": "similar fields",
    "graph": "connected through the network",
    "location": "nearby",
    "popularity": "active partner",
    "tier": "tier fit",
    "meetings": "met at an event before",
}


class InsufficientDataError(InnonetError, ValueError):
    """The data hold too few dated links to learn pairing weights from."""


# ---------------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------------
_CJK_OR_WORD = re.compile(r"[a-z0-9][a-z0-9+#.\-]*|[\u3400-\u9fff]+")
_PLACE_SUFFIX = re.compile(r"(特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区|省|市|地区|自治州|盟)$")


def _phrase_tokens(phrases: Iterable[str]) -> list[str]:
    """Tokens of a list of keyword phrases: each whole phrase, its Latin words, its Chinese bigrams.

    >>> _phrase_tokens(["膜材料", "AI芯片"])
    ['膜材料', '膜材', '材料', 'ai芯片', 'ai', '芯片']
    """
    tokens: list[str] = []
    for phrase in phrases:
        text = unicodedata.normalize("NFKC", str(phrase)).lower().strip()
        if not text:
            continue
        tokens.append(text)
        for run in _CJK_OR_WORD.findall(text):
            if run.isascii() or len(run) == 1:
                if run != text:
                    tokens.append(run)
            else:
                bigrams = [run[i : i + 2] for i in range(len(run) - 1)]
                tokens.extend(b for b in bigrams if b != text)
    return tokens


def _place(value: Any) -> str | None:
    """Normalised place name: NFKC, no 省/市/自治区 suffix.

    >>> _place("江苏省"), _place("无锡市"), _place(None)
    ('江苏', '无锡', None)
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    return _PLACE_SUFFIX.sub("", text) or text


def _as_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if isinstance(v, str) and v.strip()]
    if isinstance(value, str) and value.strip():
        return [p for p in re.split(r"[;；,，、/|]+", value) if p.strip()]
    return []


def _year(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        return math.nan if math.isnan(float(value)) else float(value)
    if isinstance(value, str):
        match = re.match(r"^\s*(\d{4})", value)
        if match:
            return float(match.group(1))
    return math.nan


def _start(year: Any, founded: Any) -> float:
    """A node's start year as a float (NaN unknown), after :func:`graph.projection.start_year`."""
    value = _year(year)
    if not math.isnan(value):
        return value
    found = start_year({"founded": founded}) if isinstance(founded, str) else None
    return float(found) if found is not None else math.nan


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
            [_start(y, f) for y, f in zip(_col(nodes, "year"), _col(nodes, "founded"))], dtype=float
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
        """Read a store, a networkx graph (as :func:`graph.projection.to_networkx` makes) or return ``source``.

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
    """The node id meant by ``text``: an id, a USCC, or an exact name / alias.

    Raises
    ------
    NotFoundError
        Nothing matches (the message suggests names that contain ``text``).
    SchemaError
        The name is shared by several nodes (the message lists their ids).

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("u1", kind="University", name="江南大学", uscc="12100000466007597C")
    >>> resolve_entity(g, "江南大学"), resolve_entity(g, "12100000466007597c"), resolve_entity(g, "u1")
    ('u1', 'u1', 'u1')
    """
    data = PairingData.load(source)
    text = str(text).strip()
    if text in data.pos:
        return text
    upper = unicodedata.normalize("NFKC", text).upper()
    uscc = data.props.get("uscc")
    if uscc is not None:
        hits = [data.ids[i] for i, v in enumerate(uscc) if isinstance(v, str) and v.upper() == upper]
        if hits:
            return str(hits[0])
    wanted = unicodedata.normalize("NFKC", text)
    aliases = data.props.get("aliases") or [None] * len(data.ids)
    hits = [str(data.ids[i]) for i, name in enumerate(data.names)
            if unicodedata.normalize("NFKC", str(name)) == wanted
            or (isinstance(aliases[i], list) and wanted in aliases[i])]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise SchemaError(f"the name {text!r} is shared by {len(hits)} nodes ({', '.join(hits[:5])}); use an id or USCC")
    close = [str(n) for n in data.names if wanted and wanted in str(n)][:5]
    hint = f"; did you mean: {', '.join(close)}" if close else "; give an id, USCC or the exact name"
    raise NotFoundError(f"no organisation or person matches {text!r}{hint}")


# ---------------------------------------------------------------------------------------------
# snapshot: every matrix the features need, as the graph stood at a year
# ---------------------------------------------------------------------------------------------
def _row_normalise(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix)


def _inverse(values: np.ndarray) -> np.ndarray:
    out = np.zeros_like(values, dtype=float)
    nonzero = values > 0
    out[nonzero] = 1.0 / values[nonzero]
    return out


@dataclass
class _Texts:
    firm: sp.csr_matrix
    target: sp.csr_matrix
    firm_phrases: list[list[str]]
    target_phrases: list[list[str]]


def _texts(data: PairingData, target: str) -> _Texts:
    industry_of: dict[int, list[str]] = {}
    for row in data.typed(["IN_INDUSTRY"], "Enterprise", "Industry").itertuples():
        industry_of.setdefault(int(row.s), []).append(str(data.names[row.dst]))

    def phrases(kind: str) -> list[list[str]]:
        out = []
        keywords, industry, field_ = data.prop(kind, "keywords"), data.prop(kind, "industry"), data.prop(kind, "field")
        for i in range(data.count(kind)):
            items = _as_list(keywords[i]) + _as_list(industry[i]) + _as_list(field_[i])
            if kind == "Enterprise":
                items += industry_of.get(i, [])
            out.append(list(dict.fromkeys(items)))
        return out

    firm_phrases, target_phrases = phrases("Enterprise"), phrases(target)
    docs = firm_phrases + target_phrases
    vectorizer = TfidfVectorizer(analyzer=_phrase_tokens, sublinear_tf=True, dtype=np.float64)
    try:
        matrix = sp.csr_matrix(vectorizer.fit_transform(docs))
    except ValueError:  # empty vocabulary: no keywords anywhere
        matrix = sp.csr_matrix((len(docs), 1))
    n_firms = len(firm_phrases)
    return _Texts(matrix[:n_firms], matrix[n_firms:], firm_phrases, target_phrases)


def _places(data: PairingData, kind: str) -> dict[str, list[set[str]]]:
    """Per node of ``kind``: sets of place names at town, city and province level."""
    n = data.count(kind)
    town, city, province = data.prop(kind, "town"), data.prop(kind, "city"), data.prop(kind, "province")
    county, uscc = data.prop(kind, "county"), data.prop(kind, "uscc")
    out: dict[str, list[set[str]]] = {"town": [set() for _ in range(n)], "city": [set() for _ in range(n)],
                                      "province": [set() for _ in range(n)]}
    for i in range(n):
        for level, value in (("town", town[i]), ("city", city[i]), ("city", county[i]), ("province", province[i])):
            name = _place(value)
            if name:
                out[level][i].add(name)
        code = uscc[i] if isinstance(uscc[i], str) else (data.ids[data.members(kind)[i]] if kind != "Talent" else None)
        if isinstance(code, str) and len(code) == 18 and is_valid(code):
            parts = decode(code)
            if parts["province"]:
                out["province"][i].add(_place(parts["province"]) or parts["province"])
            for piece in re.findall(r"[^省市区县]+[市县]", parts["division_name"].replace(parts["province"], "")):
                name = _place(piece)
                if name and not name.endswith("市辖区"):
                    out["city"][i].add(name)
    located = data.typed(["LOCATED_IN"], kind, "Town")
    for row in located.itertuples():
        out["town"][int(row.s)].add(_place(str(data.names[row.dst])) or str(data.names[row.dst]))
    return out


def _place_matrix(sets: list[set[str]], vocabulary: dict[str, int]) -> sp.csr_matrix:
    rows, cols = [], []
    for i, names in enumerate(sets):
        for name in names:
            rows.append(i)
            cols.append(vocabulary.setdefault(name, len(vocabulary)))
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(sets), max(len(vocabulary), 1)))


class _Static:
    """What does not change with the cut-off: texts, places, talent affiliations."""

    def __init__(self, data: PairingData, target: str) -> None:
        self.data, self.target = data, target
        self.n_firms, self.n_targets = data.count("Enterprise"), data.count(target)
        self.texts = _texts(data, target)
        firm_places = _places(data, "Enterprise")
        if target == "Talent":
            target_places = self._talent_places()
        else:
            target_places = _places(data, target)
        self.places: dict[str, tuple[sp.csr_matrix, sp.csr_matrix]] = {}
        self.place_names: dict[str, tuple[list[set[str]], list[set[str]]]] = {}
        for level in ("town", "city", "province"):
            vocabulary: dict[str, int] = {}
            left = _place_matrix(firm_places[level], vocabulary)
            right = _place_matrix(target_places[level], vocabulary)
            width = max(len(vocabulary), 1)
            left.resize((left.shape[0], width))
            right.resize((right.shape[0], width))
            self.places[level] = (sp.csr_matrix(left), sp.csr_matrix(right.T))
            self.place_names[level] = (firm_places[level], target_places[level])
        industries = data.prop("Enterprise", "industry")
        codes = pd.Series([i if isinstance(i, str) and i else None for i in industries], dtype=object)
        for row in data.typed(["IN_INDUSTRY"], "Enterprise", "Industry").itertuples():
            if codes.iat[int(row.s)] is None:
                codes.iat[int(row.s)] = str(data.names[row.dst])
        factor, _ = pd.factorize(codes, use_na_sentinel=True)
        has = factor >= 0
        self.industry = sp.csr_matrix(
            (np.ones(int(has.sum())), (np.flatnonzero(has), factor[has])), shape=(self.n_firms, max(factor.max() + 1, 1))
        )
        self.firm_industry = [i if isinstance(i, str) else None for i in codes]
        # talents: who employs them (firm side) and where they belong (target side)
        talent_firm = pd.concat([
            _ends(data.typed(["EMPLOYS"], "Enterprise", "Talent"), "org", "talent"),
            _ends(data.typed(["AFFILIATED_WITH", "SECONDED_TO"], "Talent", "Enterprise"), "talent", "org"),
        ], ignore_index=True)
        self.talent_firm = talent_firm  # org = firm, talent
        talent_uni = pd.concat([
            _ends(data.typed(["EMPLOYS"], "University", "Talent"), "org", "talent"),
            _ends(data.typed(["AFFILIATED_WITH"], "Talent", "University"), "talent", "org"),
        ], ignore_index=True)
        self.talent_uni = talent_uni  # org = university, talent
        tiers = data.typed(["REACHED_TIER"], "Enterprise", "Tier")
        ranks = []
        for name in data.names[tiers["dst"].to_numpy()]:
            try:
                ranks.append(tier_rank(str(name).removeprefix("tier:")))
            except SchemaError:
                ranks.append(0)
        self.tier_history = pd.DataFrame({"e": tiers["s"].to_numpy(), "rank": ranks, "year": tiers["year"].to_numpy()})
        self.tier_now = np.array(
            [_safe_rank(t) for t in data.prop("Enterprise", "tier")], dtype=float)
        self.tier_now_year = np.array([_year(y) for y in data.prop("Enterprise", "tier_year")], dtype=float)
        met = data.typed(["MET"], "Enterprise", target)
        self.met = met
        projects = data.typed(["PARTICIPATES_IN"], "Enterprise", "Project")
        self.firm_projects = projects
        self.size_edges = self._size_edges()

    def _talent_places(self) -> dict[str, list[set[str]]]:
        data = self.data
        n = data.count("Talent")
        out: dict[str, list[set[str]]] = {lvl: [set() for _ in range(n)] for lvl in ("town", "city", "province")}
        for kind in ("University", "Enterprise"):
            places = _places(data, kind)
            ties = pd.concat([
                _ends(data.typed(["AFFILIATED_WITH"], "Talent", kind), "talent", "org"),
                _ends(data.typed(["EMPLOYS"], kind, "Talent"), "org", "talent"),
            ], ignore_index=True)
            for talent, org in zip(ties["talent"].to_numpy(), ties["org"].to_numpy()):
                for level, sets in out.items():
                    sets[int(talent)] |= places[level][int(org)]
        return out

    def _size_edges(self) -> pd.DataFrame:
        data = self.data
        if self.target == "University":
            frame = self.talent_uni[["org", "year"]].rename(columns={"org": "t"})
            builds = _ends(data.typed(["CO_BUILDS"], "University", "Platform"), "t", "platform")[["t", "year"]]
            return pd.concat([frame, builds], ignore_index=True)
        programs = _ends(data.typed(["IN_PROGRAM"], "Talent", "Program"), "t", "program")[["t", "year"]]
        return programs


def _ends(frame: pd.DataFrame, source_name: str, target_name: str) -> pd.DataFrame:
    """``frame``'s local end positions under new names, with its year, outcome and event."""
    return pd.DataFrame({
        source_name: frame["s"].to_numpy(dtype=np.int64),
        target_name: frame["t"].to_numpy(dtype=np.int64),
        "year": frame["year"].to_numpy(dtype=float),
    })


def _safe_rank(tier: Any) -> float:
    if not isinstance(tier, str) or not tier:
        return 0.0
    try:
        return float(tier_rank(tier))
    except SchemaError:
        return 0.0


class _Snapshot:
    """The matrices behind every feature, with the graph cut at ``year``."""

    def __init__(self, static: _Static, year: float) -> None:
        data, target = static.data, static.target
        self.static, self.year = static, year
        n_e, n_t = static.n_firms, static.n_targets
        links = data.links(target)
        A = data.matrix(links, "e", "t", (n_e, n_t), until=year)
        self.A = A
        self.A_csc = sp.csc_matrix(A)
        self.linked = A  # existing partners
        deg_t = np.asarray(A.sum(axis=0)).ravel()
        deg_e = np.asarray(A.sum(axis=1)).ravel()
        self.deg_t, self.deg_e = deg_t, deg_e
        recent = data.matrix(links, "e", "t", (n_e, n_t), until=year, since=year - _RECENT_YEARS)
        self.recent_t = np.asarray(recent.sum(axis=0)).ravel()
        AT = sp.csr_matrix(A.T)
        self.C3 = sp.csc_matrix(AT @ A)  # target x target, paths t' - e' - t
        self.Cra = sp.csc_matrix(sp.diags(_inverse(deg_t)) @ AT @ sp.diags(_inverse(deg_e)) @ A)
        texts = static.texts
        self.X_e = texts.firm
        self.X_t_T = sp.csc_matrix(texts.target.T)
        self.X_peer_T = sp.csc_matrix(_row_normalise(sp.csr_matrix(AT @ texts.firm)).T)
        ind_share = sp.diags(_inverse(deg_t)) @ AT @ static.industry  # target x industry
        self.ind_T = sp.csc_matrix(ind_share.T)
        # talents bridging the pair
        n_talents = data.count("Talent")
        tf = static.talent_firm
        B_eT = data.matrix(tf, "org", "talent", (n_e, n_talents), until=year)
        if target == "University":
            tu = static.talent_uni
            B_Tt = sp.csr_matrix(data.matrix(tu, "org", "talent", (n_t, n_talents), until=year).T)
            self.bridge = sp.csc_matrix(B_eT @ B_Tt)
        else:
            uni_links = data.links("University")
            A_eu = data.matrix(uni_links, "e", "t", (n_e, data.count("University")), until=year)
            tu = static.talent_uni
            B_uT = data.matrix(tu, "org", "talent", (data.count("University"), n_talents), until=year)
            self.bridge = sp.csc_matrix(A_eu @ B_uT + B_eT @ sp.csr_matrix(B_eT.T) @ A)
        # firm network: firms sharing projects, resource-allocation weighted
        fp = static.firm_projects
        P = data.matrix(fp, "s", "t", (n_e, data.count("Project")), until=year)
        size = np.asarray(P.sum(axis=0)).ravel()
        F = sp.csr_matrix(P @ sp.diags(_inverse(np.maximum(size - 1, 0))) @ P.T)
        F.setdiag(0)
        F.eliminate_zeros()
        self.F = F
        self.firm_network_right = self.A_csc
        # tiers at the cut-off
        hist = static.tier_history
        hist = hist[np.isnan(hist["year"].to_numpy()) | (hist["year"].to_numpy() <= year)]
        tier = np.zeros(n_e)
        if len(hist):
            best = hist.groupby("e")["rank"].max()
            tier[best.index.to_numpy()] = best.to_numpy()
        now_ok = np.isnan(static.tier_now_year) | (static.tier_now_year <= year)
        no_history = tier == 0
        tier[no_history & now_ok] = static.tier_now[no_history & now_ok]
        self.tier_e = tier
        tiered = np.asarray(AT @ (tier > 0).astype(float)).ravel()
        tier_sum = np.asarray(AT @ tier).ravel()
        self.mean_tier_t = tier_sum * _inverse(tiered)
        # meetings
        met = static.met
        met_year = met["year"].to_numpy()
        met = met[np.isnan(met_year) | (met_year <= year)]
        shape = (n_e, n_t)

        def met_matrix(mask: np.ndarray) -> sp.csc_matrix:
            rows = met[mask]
            m = sp.csr_matrix((np.ones(len(rows)), (rows["s"].to_numpy(), rows["t"].to_numpy())), shape=shape)
            m.sum_duplicates()
            return sp.csc_matrix(m)

        outcome = met["outcome"].to_numpy()
        self.met_any = met_matrix(np.ones(len(met), dtype=bool))
        self.met_signed = met_matrix(outcome == "signed")
        self.met_follow = met_matrix(outcome == "follow-up")
        meetings_t = np.asarray(self.met_any.sum(axis=0)).ravel()
        good_t = np.asarray((self.met_signed + self.met_follow).sum(axis=0)).ravel()
        self.meet_success_t = good_t / (meetings_t + 1.0)
        size_edges = static.size_edges
        sy = size_edges["year"].to_numpy(dtype=float)
        kept = size_edges[np.isnan(sy) | (sy <= year)]
        self.size_t = np.bincount(kept["t"].to_numpy(dtype=np.int64), minlength=n_t).astype(float)

    #: Feature grids up to this many bytes are computed once and kept (fast single calls).
    cache_bytes: int = 512 * 2**20

    def grid(self, e_idx: np.ndarray, t_idx: np.ndarray | None = None) -> np.ndarray:
        """Features of every pair in ``e_idx`` × ``t_idx``: array (len(e), len(t), n_features)."""
        cache = getattr(self, "_cache", None)
        if cache is not None:
            rows = cache[np.asarray(e_idx, dtype=np.int64)]
            return rows if t_idx is None else rows[:, t_idx]
        return self._grid(e_idx, t_idx)

    def firm_row(self, firm: int) -> np.ndarray:
        """Features of ``firm`` with every target: array (n_targets, n_features), a fresh copy."""
        cache = getattr(self, "_cache", None)
        if cache is not None:
            return cache[firm].copy()
        return self._grid(np.array([firm]))[0]

    def target_column(self, target: int) -> np.ndarray:
        """Features of every firm with ``target``: array (n_firms, n_features), a fresh copy."""
        cache = getattr(self, "_cache", None)
        if cache is not None:
            return cache[:, target].copy()
        return self._grid(np.arange(self.static.n_firms), np.array([target]))[:, 0]

    def keep_grid(self) -> None:
        """Compute every firm's features once and keep them, when they fit in :attr:`cache_bytes`."""
        n_e, n_t = self.static.n_firms, self.static.n_targets
        if n_e * n_t * len(FEATURE_NAMES) * 4 > self.cache_bytes or n_e == 0:
            return
        cache = np.empty((n_e, n_t, len(FEATURE_NAMES)), dtype=np.float32)
        for start in range(0, n_e, 1024):
            block = np.arange(start, min(start + 1024, n_e))
            cache[block] = self._grid(block, None)
        self._cache = cache

    def _as_csr(self, matrix: sp.spmatrix) -> sp.csr_matrix:
        """``matrix`` in CSR, converted once and kept (row picks and products with all targets)."""
        if sp.isspmatrix_csr(matrix):
            return matrix
        kept = self.__dict__.setdefault("_csr", {})
        key = id(matrix)
        if key not in kept:
            kept[key] = (matrix, sp.csr_matrix(matrix))  # hold ``matrix`` so its id stays unique
        return kept[key][1]

    def _grid(self, e_idx: np.ndarray, t_idx: np.ndarray | None = None) -> np.ndarray:
        n_t = self.static.n_targets
        t_sel = slice(None) if t_idx is None else t_idx
        n_cols = n_t if t_idx is None else len(t_idx)
        e_idx = np.asarray(e_idx, dtype=np.int64)
        shape = (len(e_idx), n_cols)

        def prod(left: sp.csr_matrix, right: sp.csc_matrix) -> np.ndarray:
            if left.shape[1] == 0:
                return np.zeros(shape)
            columns = self._as_csr(right) if t_idx is None else right[:, t_idx]  # [:, :] would copy
            return np.asarray((left[e_idx] @ columns).todense(), dtype=float).reshape(shape)

        def pick(matrix: sp.spmatrix) -> np.ndarray:
            rows = self._as_csr(matrix)[e_idx]
            return np.asarray((rows if t_idx is None else rows[:, t_idx]).todense(), dtype=float).reshape(shape)

        def col(vector: np.ndarray) -> np.ndarray:
            return np.broadcast_to(vector[t_sel][None, :], shape)

        def row(vector: np.ndarray) -> np.ndarray:
            return np.broadcast_to(vector[e_idx][:, None], shape)

        Ae = self.A
        static = self.static
        tier_e = row(self.tier_e)
        mean_tier = col(self.mean_tier_t)
        features = {
            "content_cosine": prod(self.X_e, self.X_t_T),
            "content_peer": prod(self.X_e, self.X_peer_T),
            "industry_share": prod(static.industry, self.ind_T),
            "three_path": np.log1p(prod(Ae, self.C3)),
            "resource_allocation": prod(Ae, self.Cra),
            "talent_bridge": np.log1p(pick(self.bridge)),
            "firm_network": np.log1p(prod(self.F, self.firm_network_right)),
            "same_town": np.minimum(prod(*static.places["town"]), 1.0),
            "same_city": np.minimum(prod(*static.places["city"]), 1.0),
            "same_province": np.minimum(prod(*static.places["province"]), 1.0),
            "partner_degree": col(np.log1p(self.deg_t)),
            "partner_recent": col(np.log1p(self.recent_t)),
            "partner_size": col(np.log1p(self.size_t)),
            "firm_degree": row(np.log1p(self.deg_e)),
            "firm_tier": tier_e,
            "partner_mean_tier": mean_tier,
            "tier_gap": np.where((tier_e > 0) & (mean_tier > 0), np.abs(tier_e - mean_tier), 0.0),
            "met_before": np.minimum(pick(self.met_any), 3.0),
            "met_signed": np.minimum(pick(self.met_signed), 1.0),
            "met_followup": np.minimum(pick(self.met_follow), 1.0),
            "partner_meeting_success": col(self.meet_success_t),
        }
        names = [f for s in SIGNALS for f in FEATURES[s]]
        return np.stack([features[f] for f in names], axis=-1).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# the recommender
# ---------------------------------------------------------------------------------------------
class PairingRecommender:
    """Recommend universities / institutes or experts for a firm, and firms for a university.

    Parameters
    ----------
    signals : sequence of str, optional
        The signals to use (default all of :data:`SIGNALS`); the ablation switches them.
    model : {"logistic", "gbm"}
        ``"logistic"``: standardised logistic regression (fast, contributions are exact
        in logit units); ``"gbm"``: scikit-learn ``HistGradientBoostingClassifier``.
    negatives : int
        Negative pairs sampled per positive (from the same firm's candidates).
    snapshots : int
        How many cut-off years before ``until_year`` to learn from.
    min_positives : int
        Fewer positives than this for a target kind → that kind borrows the
        University model (same features).
    random_state : int

    Attributes
    ----------
    data_ : PairingData
    year_ : float
        The cut-off the recommendations are made at.
    models_ : dict
        Target kind → fitted pipeline.
    snapshots_ : dict
        Target kind → the feature snapshot at ``year_``.
    training_ : pandas.DataFrame
        Per target kind: ``kind, snapshot, positives, negatives``.

    Examples
    --------
    >>> rec = PairingRecommender()
    >>> rec.recommend("e1")
    Traceback (most recent call last):
    ...
    graph.errors.NotFittedError: this PairingRecommender is not fitted yet; call fit(store) first
    """

    def __init__(
        self,
        signals: Sequence[str] | None = None,
        model: str = "logistic",
        negatives: int = 20,
        snapshots: int = 3,
        min_positives: int = 20,
        random_state: int = 0,
    ) -> None:
        self.signals = signals
        self.model = model
        self.negatives = negatives
        self.snapshots = snapshots
        self.min_positives = min_positives
        self.random_state = random_state

    # ---- fitting ------------------------------------------------------------------------
    def _signals(self) -> tuple[str, ...]:
        signals = tuple(SIGNALS if self.signals is None else self.signals)
        unknown = [s for s in signals if s not in SIGNALS]
        if unknown or not signals:
            raise SchemaError(f"unknown or no signals {unknown or list(signals)!r}; use some of: {', '.join(SIGNALS)}")
        return signals

    def _columns(self) -> np.ndarray:
        names = [f for s in SIGNALS for f in FEATURES[s]]
        used = {f for s in self._signals() for f in FEATURES[s]}
        return np.array([i for i, f in enumerate(names) if f in used], dtype=np.int64)

    def _make_model(self) -> Pipeline:
        if self.model == "logistic":
            return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
        if self.model == "gbm":
            return make_pipeline(
                HistGradientBoostingClassifier(max_iter=200, learning_rate=0.08, random_state=self.random_state)
            )
        raise SchemaError(f"unknown model {self.model!r}; use 'logistic' or 'gbm'")

    def fit(self, store_or_graph: GraphStore | nx.Graph | PairingData, until_year: int | None = None
            ) -> PairingRecommender:
        """Learn the signal weights from links made up to ``until_year`` (all data when None).

        Returns
        -------
        PairingRecommender
            ``self``.

        Raises
        ------
        InsufficientDataError
            When there are no dated enterprise–university links to learn from.
        """
        columns = self._columns()
        self._make_model()
        data = PairingData.load(store_or_graph)
        if data.count("Enterprise") == 0:
            raise InsufficientDataError("no Enterprise nodes to pair; ingest organisations first")
        year = float(until_year) if until_year is not None else data.max_year
        if math.isnan(year):
            raise InsufficientDataError(
                "no relationship carries a year, so there is no history to learn from; "
                "ingest collaborations or project participations with their year"
            )
        rng = np.random.default_rng(self.random_state)
        models: dict[str, Pipeline] = {}
        snaps: dict[str, _Snapshot] = {}
        stats: list[dict[str, Any]] = []
        references: dict[str, np.ndarray] = {}
        for target in TARGET_KINDS:
            if data.count(target) == 0:
                continue
            static = _Static(data, target)
            X_parts, y_parts = [], []
            for back in range(1, self.snapshots + 1):
                snap_year = year - back
                snap = _Snapshot(static, snap_year)
                X, y = self._training_rows(data, target, snap, year, rng)
                stats.append({"kind": target, "snapshot": int(snap_year), "positives": int(y.sum()),
                              "negatives": int(len(y) - y.sum())})
                if len(y):
                    X_parts.append(X)
                    y_parts.append(y)
            snaps[target] = _Snapshot(static, year)
            snaps[target].keep_grid()
            X = np.concatenate(X_parts) if X_parts else np.zeros((0, len(columns)), np.float32)
            y = np.concatenate(y_parts) if y_parts else np.zeros(0)
            if y.sum() >= self.min_positives and (y == 0).sum() > 0:
                pipeline = self._make_model()
                pipeline.fit(X[:, columns], y)
                models[target] = pipeline
                references[target] = X[y == 0].mean(axis=0)
        if "University" not in models:
            raise InsufficientDataError(
                f"fewer than {self.min_positives} new enterprise–university links in the {self.snapshots} years "
                f"up to {int(year)}; there is not enough history to learn pairing weights — ingest more dated "
                "collaborations / project participations, or use an earlier until_year"
            )
        for target in snaps:
            if target not in models:  # too few talent links: borrow the university weights
                models[target] = models["University"]
                references[target] = references["University"]
        self.data_ = data
        self.year_ = year
        self.columns_ = columns
        self.models_ = models
        self.snapshots_ = snaps
        self.references_ = references
        # what one recommend call needs, indexed once (the hot path uses no pandas, no sparse indexing)
        self.lookups_ = {target: _Lookup(snap) for target, snap in snaps.items()}
        self.linear_ = {target: _linear(model, columns) for target, model in models.items()}
        self.exists_ = {k: data.exists_by(k, year) for k in ("Enterprise", *snaps)}
        self.columns_of_ = {k: _result_columns(data, k) for k in ("Enterprise", *snaps)}
        self.training_ = pd.DataFrame(stats, columns=["kind", "snapshot", "positives", "negatives"])
        return self

    def _training_rows(self, data: PairingData, target: str, snap: _Snapshot, until: float,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        links = data.links(target)
        year = links["year"].to_numpy()
        firm_ok = data.exists_by("Enterprise", snap.year)
        target_ok = data.exists_by(target, snap.year)
        e, t = links["e"].to_numpy(), links["t"].to_numpy()
        new = (~np.isnan(year)) & (year > snap.year) & (year <= until) & firm_ok[e] & target_ok[t]
        pos_e, pos_t = e[new], t[new]
        n_t = snap.static.n_targets
        if len(pos_e) == 0:
            return np.zeros((0, len(FEATURE_NAMES)), np.float32), np.zeros(0)
        # negatives: the same firm's candidates (existing targets it had not worked with, not a positive)
        known = set((snap.A.nonzero()[0] * n_t + snap.A.nonzero()[1]).tolist())
        known |= set((pos_e * n_t + pos_t).tolist())
        candidates = np.flatnonzero(target_ok)
        draws = rng.choice(candidates, size=(len(pos_e), self.negatives), replace=True)
        neg_e = np.repeat(pos_e, self.negatives)
        neg_t = draws.ravel()
        code = neg_e * n_t + neg_t
        fine = ~np.isin(code, np.fromiter(known, dtype=np.int64, count=len(known)))
        neg_e, neg_t = neg_e[fine], neg_t[fine]
        all_e = np.concatenate([pos_e, neg_e])
        all_t = np.concatenate([pos_t, neg_t])
        labels = np.concatenate([np.ones(len(pos_e)), np.zeros(len(neg_e))])
        X = _pair_features(snap, all_e, all_t)
        return X, labels

    # ---- scoring ------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(store) first")

    def score_grid(self, firm_positions: np.ndarray, kind: str = "University",
                   target_positions: np.ndarray | None = None) -> np.ndarray:
        """Model scores (logit) of firms × targets, by local positions; shape (n_firms, n_targets).

        For the evaluation: the caller masks existing partners itself.
        """
        self._check_fitted()
        snap, model = self.snapshots_[kind], self.models_[kind]
        grid = snap.grid(np.asarray(firm_positions), target_positions)
        flat = grid.reshape(-1, grid.shape[-1])[:, self.columns_]
        return model.decision_function(flat).reshape(grid.shape[:2])

    def recommend_all(self, k: int = 10, kind: str = "University", chunk: int = 2048) -> pd.DataFrame:
        """Top ``k`` new partners of ``kind`` for every enterprise (batch, no reasons).

        Returns
        -------
        pandas.DataFrame
            ``enterprise_id, rank, partner_id, score`` (existing partners excluded).
        """
        self._check_fitted()
        if kind not in self.snapshots_:
            raise SchemaError(f"no {kind!r} model; use one of: {', '.join(self.snapshots_)}")
        data, snap = self.data_, self.snapshots_[kind]
        n_firms, n_targets = snap.static.n_firms, snap.static.n_targets
        take = min(k, n_targets)
        ok = data.exists_by(kind, self.year_)
        firm_parts, target_parts, score_parts = [], [], []
        for start in range(0, n_firms, chunk):
            block = np.arange(start, min(start + chunk, n_firms))
            logits = self.score_grid(block, kind)
            logits[snap.A[block].toarray() > 0] = -np.inf
            logits[:, ~ok] = -np.inf
            top = np.argpartition(-logits, take - 1, axis=1)[:, :take]
            values = np.take_along_axis(logits, top, axis=1)
            order = np.argsort(-values, axis=1, kind="stable")
            top, values = np.take_along_axis(top, order, axis=1), np.take_along_axis(values, order, axis=1)
            firm_parts.append(np.repeat(block, take))
            target_parts.append(top.ravel())
            score_parts.append(values.ravel())
        firms, targets, logits = np.concatenate(firm_parts), np.concatenate(target_parts), np.concatenate(score_parts)
        keep = np.isfinite(logits)
        firms, targets, logits = firms[keep], targets[keep], logits[keep]
        out = pd.DataFrame({
            "enterprise_id": data.ids[data.members("Enterprise")[firms]],
            "partner_id": data.ids[data.members(kind)[targets]],
            "score": 1.0 / (1.0 + np.exp(-logits)),
        })
        out.insert(1, "rank", out.groupby("enterprise_id", sort=False).cumcount() + 1)
        return out

    def recommend(
        self,
        entity_id: str,
        k: int = 10,
        *,
        kind: str | None = None,
        category: str | None = None,
        town: str | None = None,
        industry: str | None = None,
        min_score: float | None = None,
        include_existing: bool = False,
        candidates: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """The ``k`` best partners for ``entity_id``, with reasons.

        Parameters
        ----------
        entity_id : str
            An Enterprise (→ universities, or talents with ``kind="Talent"``) or a
            University (→ enterprises).
        k : int
        kind : {"University", "Talent", "Enterprise"}, optional
            What to recommend; default University for a firm, Enterprise for a university.
        category, town, industry : str, optional
            Keep only candidates with this ``category`` (高校 / 科研院所), town, or industry.
        min_score : float, optional
            Keep only candidates scoring at least this (0–1).
        include_existing : bool
            Keep partners the entity already works with.
        candidates : iterable of str, optional
            Rank only these ids (e.g. an event's attendees).

        Returns
        -------
        pandas.DataFrame
            ``rank, id, name, kind, score, explanation, reasons, category, town, city,
            province, industry, existing``.  ``score`` is the model's probability of a
            link; ``reasons`` is a list of dicts ``signal, contribution, evidence``.
        """
        self._check_fitted()
        data = self.data_
        position = data.pos.get(entity_id)
        if position is None:
            raise NotFoundError(f"no node with id {entity_id!r}; look it up with `innonet recommend NAME` or by USCC")
        own_kind = str(data.kinds[position])
        if k < 1:
            raise SchemaError(f"k must be at least 1, got {k!r}")
        if own_kind == "Enterprise":
            kind = kind or "University"
            if kind not in self.models_:
                raise SchemaError(f"cannot recommend {kind!r} for an enterprise; use one of: {', '.join(self.models_)}")
            target_kind = kind
            firm = int(data.local[position])
            grid = self.snapshots_[kind].firm_row(firm)  # (n_targets, F)
            candidate_kind = kind
            existing = self.lookups_[kind].existing(firm=firm)
        elif own_kind in TARGET_KINDS:
            kind = kind or "Enterprise"
            if kind != "Enterprise":
                raise SchemaError(f"for a {own_kind} only Enterprise partners can be recommended, not {kind!r}")
            target_kind = own_kind
            target = int(data.local[position])
            grid = self.snapshots_[own_kind].target_column(target)  # (n_firms, F)
            candidate_kind = "Enterprise"
            existing = self.lookups_[own_kind].existing(target=target)
        else:
            raise SchemaError(f"{entity_id!r} is a {own_kind}; recommendations are for Enterprise, University or Talent")
        model = self.models_[target_kind]
        linear = self.linear_[target_kind]
        if linear is not None:
            logits = linear.decision(grid)
        else:
            logits = model.decision_function(grid[:, self.columns_])
        scores = 1.0 / (1.0 + np.exp(-logits))
        members = data.members(candidate_kind)
        keep = self.exists_[candidate_kind].copy()
        keep &= members != position
        if not include_existing:
            keep &= ~existing
        if min_score is not None:
            keep &= scores >= min_score
        if candidates is not None:
            allowed = np.zeros(len(members), dtype=bool)
            chosen = [data.pos[c] for c in candidates if c in data.pos]
            allowed[data.local[chosen]] = data.kinds[chosen] == candidate_kind
            keep &= allowed
        columns_of = self.columns_of_[candidate_kind]
        for name, wanted in (("category", category), ("town", town), ("industry", industry)):
            if wanted is not None:
                keep &= columns_of[name] == wanted
        order = np.flatnonzero(keep)
        if len(order) > k:
            top = order[np.argpartition(-logits[order], k - 1)[:k]]
        else:
            top = order
        top = top[np.lexsort((top, -logits[top]))]
        if own_kind == "Enterprise":
            firms, others = np.full(len(top), firm), top
        else:
            firms, others = top, np.full(len(top), target)
        reasons = self._reasons(target_kind, grid[top], firms, others)
        columns = ["rank", "id", "name", "kind", "score", "explanation", "reasons", "category", "town", "city",
                   "province", "industry", "existing"]
        table = np.empty((len(top), len(columns) - 1), dtype=object)
        for j, name in enumerate(columns[1:]):
            if name in columns_of:
                table[:, j] = columns_of[name][top]
        table[:, columns.index("kind") - 1] = candidate_kind
        table[:, columns.index("score") - 1] = np.round(scores[top], 4)
        for row, (explanation, reason_list) in enumerate(reasons):
            table[row, columns.index("explanation") - 1] = explanation
            table[row, columns.index("reasons") - 1] = reason_list
        table[:, columns.index("existing") - 1] = existing[top].tolist() if len(top) else []
        frame = pd.DataFrame(table, columns=columns[1:], dtype=object, copy=False)
        frame.insert(0, "rank", np.arange(1, len(top) + 1, dtype=np.int64))
        frame["score"] = np.round(scores[top], 4).astype(float)
        return frame

    # ---- reasons ------------------------------------------------------------------------
    def _reasons(self, kind: str, features: np.ndarray, firms: np.ndarray, targets: np.ndarray
                 ) -> list[tuple[str, list[dict[str, Any]]]]:
        """Explanation and reasons of each (firm, target) pair whose ``features`` are given.

        A signal's contribution is occlusion in logit units: the score minus the score with
        that signal's features set to their mean over negative training pairs.
        """
        if len(features) == 0:
            return []
        reference = self.references_[kind]
        signals = self._signals()
        linear = self.linear_[kind]
        if linear is not None:
            contributions = linear.contributions(features, reference, signals)
        else:
            stacked = [features]
            for signal in signals:
                copy = features.copy()
                copy[:, _SIGNAL_COLUMNS[signal]] = reference[_SIGNAL_COLUMNS[signal]]
                stacked.append(copy)
            values = self.models_[kind].decision_function(
                np.concatenate(stacked)[:, self.columns_]).reshape(len(stacked), -1)
            contributions = values[0][None, :] - values[1:]  # (signals, rows)
        contributions = np.round(contributions, 4).tolist()
        lookup = self.lookups_[kind]
        peers_of: dict[int, np.ndarray] = {}
        out = []
        for row in range(len(features)):
            firm, target = int(firms[row]), int(targets[row])
            peers = peers_of.get(firm)
            if peers is None:
                peers = peers_of[firm] = lookup.peers(firm)
            reason_list = []
            for s_index, signal in enumerate(signals):
                text_zh, text_en = lookup.describe(signal, firm, target, peers)
                reason_list.append({
                    "signal": signal,
                    "contribution": contributions[s_index][row],
                    "evidence": text_en,
                    "evidence_zh": text_zh,
                })
            reason_list.sort(key=lambda r: -r["contribution"])
            shown = [r for r in reason_list if r["contribution"] > 0 and r["evidence"]][:3]
            if not shown:
                shown = [r for r in reason_list if r["evidence"]][:1]
            zh = ";".join(f"{_SIGNAL_ZH[r['signal']]}({r['evidence_zh']})" for r in shown) or "综合评分"
            en = "; ".join(f"{_SIGNAL_EN[r['signal']]} ({r['evidence']})" for r in shown) or "overall score"
            out.append((f"推荐理由:{zh} | Why: {en}", reason_list))
        return out


FEATURE_NAMES: tuple[str, ...] = tuple(f for s in SIGNALS for f in FEATURES[s])
_SIGNAL_COLUMNS: dict[str, list[int]] = {
    s: [FEATURE_NAMES.index(f) for f in FEATURES[s]] for s in SIGNALS
}


@dataclass
class _Linear:
    """A fitted standardised logistic regression as plain arrays (same numbers, no sklearn overhead)."""

    columns: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def decision(self, features: np.ndarray) -> np.ndarray:
        """Logits of rows of ``features`` (all feature columns), as the pipeline computes them."""
        scaled = features[:, self.columns]
        scaled -= self.mean
        scaled /= self.scale
        return scaled @ self.coef + self.intercept

    def contributions(self, features: np.ndarray, reference: np.ndarray, signals: Sequence[str]) -> np.ndarray:
        """Per signal and row: logit minus the logit with that signal's features at ``reference``."""
        weights = np.zeros(len(FEATURE_NAMES))
        weights[self.columns] = self.coef / self.scale
        delta = (features.astype(np.float64) - reference.astype(np.float64)) * weights
        return np.stack([delta[:, _SIGNAL_COLUMNS[s]].sum(axis=1) for s in signals])


def _linear(model: Pipeline, columns: np.ndarray) -> _Linear | None:
    """The arrays of a StandardScaler + LogisticRegression pipeline; None for other models."""
    steps = [step for _, step in model.steps]
    if len(steps) != 2 or not isinstance(steps[0], StandardScaler) or not isinstance(steps[1], LogisticRegression):
        return None
    scaler, logistic = steps
    return _Linear(columns, scaler.mean_, scaler.scale_, logistic.coef_[0].astype(np.float64),
                   float(logistic.intercept_[0]))


def _result_columns(data: PairingData, kind: str) -> dict[str, np.ndarray]:
    """Per node of ``kind`` (local order): id, name and the text properties a result row shows."""
    members = data.members(kind)
    out: dict[str, np.ndarray] = {}
    for name, column in (("id", data.ids[members]), ("name", data.names[members])):
        out[name] = np.asarray(column, dtype=object)
    for name in ("category", "town", "city", "province", "industry"):
        values = data.props.get(name)
        column = np.empty(len(members), dtype=object)
        if values is not None:
            column[:] = [v if isinstance(v, str) else None for v in (values[p] for p in members)]
        out[name] = column
    return out


def _str(column: list[Any] | None, position: int) -> str | None:
    if column is None:
        return None
    value = column[position]
    return value if isinstance(value, str) else None


def _pair_features(snap: _Snapshot, e: np.ndarray, t: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Features of the pairs (e[i], t[i]), computed firm-block by firm-block."""
    out = np.zeros((len(e), len(FEATURE_NAMES)), dtype=np.float32)
    firms, inverse = np.unique(e, return_inverse=True)
    for start in range(0, len(firms), chunk):
        block = firms[start : start + chunk]
        grid = snap.grid(block)
        rows = np.flatnonzero((inverse >= start) & (inverse < start + len(block)))
        out[rows] = grid[inverse[rows] - start, t[rows]]
    return out


def _csr_rows(matrix: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """``indptr, indices`` of ``matrix`` as CSR with sorted indices (rows → column positions).

    A CSR ``matrix`` is used as it is (explicit zeros dropped, indices sorted in place: same values).
    """
    csr = sp.csr_matrix(matrix)
    csr.eliminate_zeros()
    csr.sort_indices()
    return csr.indptr, csr.indices


def _csc_cols(matrix: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """``indptr, indices`` of ``matrix`` as CSC with sorted indices (columns → row positions)."""
    csc = sp.csc_matrix(matrix)
    csc.eliminate_zeros()
    csc.sort_indices()
    return csc.indptr, csc.indices


def _pairs(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row-indexed ``indptr, indices`` of the (row, col) pairs."""
    matrix = sp.csr_matrix((np.ones(len(rows)), (np.asarray(rows, np.int64), np.asarray(cols, np.int64))), shape=shape)
    return _csr_rows(matrix)


def _has(indptr: np.ndarray, indices: np.ndarray, row: int, col: int) -> bool:
    """Whether the sorted row ``row`` of a CSR structure holds ``col``."""
    lo, hi = indptr[row], indptr[row + 1]
    at = lo + int(np.searchsorted(indices[lo:hi], col))
    return bool(at < hi and indices[at] == col)


class _Lookup:
    """What the reasons need, indexed once at fit time: no pandas and no sparse indexing per call.

    Built for the snapshot at the cut-off; :meth:`describe` gives the same evidence
    texts as reading the snapshot's matrices pair by pair would.
    """

    def __init__(self, snap: _Snapshot) -> None:
        static, data = snap.static, snap.static.data
        kind = static.target
        self.snap, self.static, self.data, self.kind = snap, static, data, kind
        n_e, n_t = static.n_firms, static.n_targets
        self.firm_targets = _csr_rows(snap.A)          # firm → its partners (targets)
        self.target_firms = _csc_cols(snap.A)          # target → its partner firms
        self.firm_firms = _csr_rows(snap.F)            # firm → firms sharing projects
        self.bridge = _csc_cols(snap.bridge)           # target → firms tied to it by talents
        n_talents = data.count("Talent")
        tf = static.talent_firm
        self.firm_talents = _pairs(tf["org"].to_numpy(), tf["talent"].to_numpy(), (n_e, n_talents))
        if kind == "University":
            tu = static.talent_uni
            self.target_talents = _pairs(tu["org"].to_numpy(), tu["talent"].to_numpy(), (n_t, n_talents))
        self.names = {k: data.names[data.members(k)].tolist() for k in ("Enterprise", kind, "Talent")}
        self.target_tokens = [set(_phrase_tokens(p)) for p in static.texts.target_phrases]
        self._firm_tokens: dict[int, list[tuple[str, set[str]]]] = {}
        industry_ptr, industry_idx = _csr_rows(static.industry)
        self.firm_industry_col = np.full(n_e, -1, dtype=np.int64)
        has = np.diff(industry_ptr) > 0
        self.firm_industry_col[has] = industry_idx[industry_ptr[:-1][has]]
        self.industry_share = snap.ind_T.toarray() if snap.ind_T.shape[0] else np.zeros((1, n_t))
        self.deg_t = snap.deg_t.astype(np.int64).tolist()
        self.recent_t = snap.recent_t.astype(np.int64).tolist()
        self.tier_e = snap.tier_e.tolist()
        self.mean_tier_t = snap.mean_tier_t.tolist()
        # the last meeting (latest year; undated first; later rows win ties) of each pair by the cut-off
        self.last_meeting: dict[tuple[int, int], tuple[float, Any, Any]] = {}
        met = static.met
        for s, t, year, event, outcome in zip(met["s"].tolist(), met["t"].tolist(), met["year"].tolist(),
                                              met["event"].tolist(), met["outcome"].tolist()):
            if not math.isnan(year) and year > snap.year:
                continue
            key = (int(s), int(t))
            best = self.last_meeting.get(key)
            order = -math.inf if math.isnan(year) else year
            if best is None or order >= (-math.inf if math.isnan(best[0]) else best[0]):
                self.last_meeting[key] = (year, event, outcome)

    # ---- small helpers -------------------------------------------------------------------
    @staticmethod
    def _row(structure: tuple[np.ndarray, np.ndarray], row: int) -> np.ndarray:
        indptr, indices = structure
        return indices[indptr[row] : indptr[row + 1]]

    def firm_tokens(self, firm: int) -> list[tuple[str, set[str]]]:
        cached = self._firm_tokens.get(firm)
        if cached is None:
            cached = [(p, set(_phrase_tokens([p]))) for p in self.static.texts.firm_phrases[firm]]
            if len(self._firm_tokens) < 100_000:
                self._firm_tokens[firm] = cached
        return cached

    def peers(self, firm: int) -> np.ndarray:
        """Firms sharing a partner or a project with ``firm`` (sorted, without ``firm``)."""
        mine = self._row(self.firm_targets, firm)
        parts = [self._row(self.target_firms, int(t)) for t in mine]
        parts.append(self._row(self.firm_firms, firm))
        peers = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
        return peers[peers != firm]

    def existing(self, firm: int | None = None, target: int | None = None) -> np.ndarray:
        """Boolean mask of the partners of ``firm`` (over targets) or of ``target`` (over firms)."""
        if firm is not None:
            mask = np.zeros(self.static.n_targets, dtype=bool)
            mask[self._row(self.firm_targets, firm)] = True
        else:
            mask = np.zeros(self.static.n_firms, dtype=bool)
            mask[self._row(self.target_firms, int(target))] = True
        return mask

    # ---- evidence per signal (Chinese, English) ---------------------------------------------
    def describe(self, signal: str, firm: int, target: int, peers: np.ndarray) -> tuple[str, str]:
        if signal == "graph":
            return self._graph(firm, target, peers)
        return getattr(self, f"_{signal}")(firm, target)

    def _content(self, firm: int, target: int) -> tuple[str, str]:
        theirs = self.target_tokens[target]
        shared = [p for p, tokens in self.firm_tokens(firm) if tokens & theirs][:4]
        parts_zh, parts_en = [], []
        if shared:
            parts_zh.append("共同关键词:" + "、".join(shared))
            parts_en.append("shared keywords: " + ", ".join(shared))
        industry = self.static.firm_industry[firm]
        col = int(self.firm_industry_col[firm])
        if industry and self.deg_t[target] > 0 and col >= 0:
            share = float(self.industry_share[col, target])
            if share > 0:
                who = self._target_name(target)
                parts_zh.append(f"{who}的合作企业中{share:.0%}属{industry}")
                parts_en.append(f"{share:.0%} of {who}'s partner firms are in {industry}")
        return ";".join(parts_zh), "; ".join(parts_en)

    def _graph(self, firm: int, target: int, peers: np.ndarray) -> tuple[str, str]:
        parts_zh, parts_en = [], []
        theirs = self._row(self.target_firms, target)
        connecting = np.intersect1d(peers, theirs, assume_unique=True)[:3]
        if len(connecting):
            firm_names = self.names["Enterprise"]
            names = [str(firm_names[i]) for i in connecting]
            who = self._target_name(target)
            parts_zh.append("相似企业" + "、".join(names) + f"与{who}合作")
            parts_en.append(f"similar firms work with {who}: " + ", ".join(names))
        if _has(*self.bridge, target, firm):
            talents = self._bridge_talents(firm, target)
            if talents:
                parts_zh.append("人才纽带:" + "、".join(talents))
                parts_en.append("linked by talents: " + ", ".join(talents))
        return ";".join(parts_zh), "; ".join(parts_en)

    def _bridge_talents(self, firm: int, target: int) -> list[str]:
        firm_talents = self._row(self.firm_talents, firm)
        if self.kind == "University":
            common = np.intersect1d(firm_talents, self._row(self.target_talents, target))[:3].tolist()
        else:
            common = [target] if target in firm_talents else []
        names = self.names["Talent"]
        return [str(names[t]) for t in common]

    def _target_name(self, target: int) -> str:
        """The university's or expert's name: evidence names its subject, so it reads right in both directions."""
        return str(self.names[self.kind][target])

    def _location(self, firm: int, target: int) -> tuple[str, str]:
        for level, zh, en in (("town", "同在", "both in"), ("city", "同在", "same city:"),
                              ("province", "同省", "same province:")):
            left, right = self.static.place_names[level]
            shared = sorted(left[firm] & right[target])
            if shared:
                return f"{zh}{shared[0]}", f"{en} {shared[0]}"
        return "", ""

    def _popularity(self, firm: int, target: int) -> tuple[str, str]:
        n, recent = self.deg_t[target], self.recent_t[target]
        if n == 0:
            return "", ""
        who = self._target_name(target)
        return (f"{who}已与{n}家企业合作(近{_RECENT_YEARS}年新增{recent}家)",
                f"{who} has worked with {n} firms ({recent} new in the last {_RECENT_YEARS} years)")

    def _tier(self, firm: int, target: int) -> tuple[str, str]:
        tier, mean = self.tier_e[firm], self.mean_tier_t[target]
        if tier <= 0 or mean <= 0:
            return "", ""
        name = TIERS[int(tier) - 1]
        firm_name, who = str(self.names["Enterprise"][firm]), self._target_name(target)
        return (f"{firm_name}为{name},{who}合作企业平均梯次{mean:.1f}",
                f"{firm_name} is {name}; {who}'s partner firms' mean tier is {mean:.1f}")

    def _meetings(self, firm: int, target: int) -> tuple[str, str]:
        last = self.last_meeting.get((firm, target))
        if last is None:
            return "", ""
        year_value, event, outcome = last
        data = self.data
        event_name = str(data.names[data.pos[event]]) if isinstance(event, str) and event in data.pos \
            else (event if isinstance(event, str) else "")
        outcome = outcome if isinstance(outcome, str) else "none"
        year = "" if math.isnan(year_value) else f"{int(year_value)}"
        outcome_zh = {"signed": "已签约", "follow-up": "待跟进", "none": "无结果"}.get(outcome, outcome)
        return (f"{year}年{event_name}对接,结果:{outcome_zh}".strip(),
                f"met {('at ' + event_name) if event_name else ''} {year}, outcome: {outcome}".replace("  ", " "))
