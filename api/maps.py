"""Network maps event planners can take anywhere: one self-contained, offline HTML file per view.

The module answers one question — *what does this part of the network look like?* — for the
CLI (``innonet map``), the API and the notebooks:

* :func:`build_view` cuts the subgraph of a view (``ecosystem``, ``community``, ``ego``, ``event``)
  out of a store or a networkx graph, applies the tier / town / industry / community filters and
  annotates every node with ``community``, ``centrality`` (PageRank in the view), ``partners``
  (distinct collaboration partners in the whole network), ``town`` and ``industry``;
* :func:`aggregate_view` folds a view that is too big to draw into super-nodes (communities, or
  towns) sized by member count, each with the ``innonet map`` command of its drill-down map;
* :func:`render_map` lays the view out with igraph (physics off, so the page is usable at once)
  and writes one HTML page that inlines the vis-network JS/CSS shipped in the pyvis wheel, passes
  every data-derived string through an autoescaping Jinja environment (``|tojson`` into an inert
  ``application/json`` block, text nodes only in the browser), carries a Content-Security-Policy
  that allows only its own hashed scripts and styles, and is checked by :func:`check_offline`
  before it is returned: nothing in it loads an ``http(s):`` or protocol-relative ``//`` URL.

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("e1", kind="Enterprise", name="甲科技", tier="高新技术企业", town="丁蜀镇")
>>> g.add_node("u1", kind="University", name="江南大学")
>>> g.add_edge("e1", "u1", key="COLLABORATES_WITH:", type="COLLABORATES_WITH")
'COLLABORATES_WITH:'
>>> view = build_view(g, "ecosystem")
>>> sorted(view.nodes), view.nodes["e1"]["partners"]
(['e1', 'u1'], 1)
>>> html = render_map(g, "ecosystem", title="<b>demo</b>")
>>> "&lt;b&gt;demo&lt;/b&gt;" in html and "<b>demo</b>" not in html
True
"""

from __future__ import annotations

import base64
import hashlib
import html.parser
import importlib.util
import os
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import igraph as ig
import jinja2
import networkx as nx
import pandas as pd

from analysis.engine import ORGANISATION_KINDS, ORGANISATION_TYPES, IGraphAdapter
from graph.errors import InnonetError, NotFoundError, SchemaError
from graph.export import export_graph
from graph.projection import to_networkx
from graph.schema import KINDS, RELATIONSHIP_TYPES, TIERS, tier_rank
from graph.store import GraphStore

__all__ = [
    "COLLABORATION_KINDS",
    "COLLABORATION_TYPES",
    "DEFAULT_MAX_MEETINGS",
    "DEFAULT_SLOTS",
    "MAX_INTERACTIVE_NODES",
    "VIEWS",
    "MapRenderError",
    "aggregate_view",
    "build_view",
    "check_offline",
    "collaboration_communities",
    "export_view",
    "render_map",
    "render_view",
]

#: The views :func:`build_view` knows.
VIEWS: tuple[str, ...] = ("ecosystem", "community", "ego", "event")

#: Above this many nodes a view is drawn aggregated (super-nodes), never as a page that freezes.
MAX_INTERACTIVE_NODES = 2000

#: The organisation network: the five kinds the bureau counts.
COLLABORATION_KINDS: tuple[str, ...] = ORGANISATION_KINDS

#: Edge type of a recommended partner in the ego view and of a proposed meeting in the event view.
RECOMMENDED = "RECOMMENDED"
PROPOSED_MEETING = "PROPOSED_MEETING"

#: Event view without a schedule: the meetings are planned with this many time slots and at most
#: this many meetings per organisation (a half-day 对接会: six 20-minute rounds; an institute can
#: then see a firm in every round, which the usual 4–6 firms per institute need).
DEFAULT_SLOTS = 6
DEFAULT_MAX_MEETINGS = 6

#: Relationship types that tie them directly (the analysis engine's organisation network).
COLLABORATION_TYPES: tuple[str, ...] = ORGANISATION_TYPES

#: Relationship types that describe a node rather than connect it to a partner.
_FACT_TYPES = ("LOCATED_IN", "IN_INDUSTRY", "REACHED_TIER")

_VIEW_ZH = {"ecosystem": "创新生态全景 (竹海)", "community": "创新社区", "ego": "合作伙伴", "event": "活动对接"}

_TIER_COLOURS = dict(zip(TIERS, ("#a1d99b", "#41ab5d", "#1b7837", "#2171b5", "#08306b"), strict=True))
_NO_TIER_COLOUR = "#c7c7c7"
_KIND_STYLE: dict[str, tuple[str, str]] = {  # kind -> (colour, vis shape)
    "Enterprise": ("#41ab5d", "dot"),
    "University": ("#d62728", "diamond"),
    "Talent": ("#9467bd", "dot"),
    "Fund": ("#ff7f0e", "triangle"),
    "ServiceAgency": ("#17becf", "square"),
    "Town": ("#969696", "box"),
    "Industry": ("#bcbd22", "box"),
    "Platform": ("#e7ba52", "hexagon"),
    "Project": ("#7f7f7f", "dot"),
    "Program": ("#c49c94", "dot"),
    "Department": ("#843c39", "square"),
    "Event": ("#8c564b", "star"),
    "Tier": ("#636363", "box"),
}
_EDGE_COLOURS: dict[str, str] = {
    "COLLABORATES_WITH": "#2ca02c",
    "PARTICIPATES_IN": "#9c9ede",
    "EMPLOYS": "#9467bd",
    "AFFILIATED_WITH": "#9467bd",
    "SECONDED_TO": "#c5b0d5",
    "IN_PROGRAM": "#c49c94",
    "INVESTS_IN": "#ff7f0e",
    "SERVES": "#17becf",
    "HAS_PLATFORM": "#e7ba52",
    "CO_BUILDS": "#e7ba52",
    "LIAISES_WITH": "#843c39",
    "ATTENDED": "#8c564b",
    "MET": "#e377c2",
    "LOCATED_IN": "#d9d9d9",
    "IN_INDUSTRY": "#d9d9d9",
    "REACHED_TIER": "#d9d9d9",
    RECOMMENDED: "#d62728",
    PROPOSED_MEETING: "#e6550d",
    "AGGREGATE": "#9e9e9e",
}
_EDGE_ZH = {RECOMMENDED: "推荐合作 (recommended)", PROPOSED_MEETING: "拟安排对接 (proposed meeting)",
            "AGGREGATE": "社区间关系 (ties between groups)"}
_DASHED = (RECOMMENDED, PROPOSED_MEETING)
_GROUP_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                  "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")

_TEMPLATE_DIR = Path(__file__).with_name("templates")
_CSP_PLACEHOLDER = "__INNONET_CSP_HASHES__"
_SCRIPT_BLOCK = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*['"]?\s*(?:[a-z][a-z0-9+.\-]*:)?//|@import""", re.IGNORECASE)
_URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "background", "srcset",
                   "xlink:href", "manifest", "cite", "longdesc", "ping", "content"}


class MapRenderError(InnonetError, RuntimeError):
    """A map that would not work offline or safely (a remote URL in the page, a broken asset)."""


# ---------------------------------------------------------------------------------------------
# graphs, communities


def _as_graph(source: GraphStore | nx.Graph) -> nx.MultiDiGraph:
    if isinstance(source, GraphStore):
        return to_networkx(source)
    if isinstance(source, nx.MultiDiGraph):
        return source
    if isinstance(source, nx.Graph):
        return nx.MultiDiGraph(source)
    raise SchemaError(
        f"cannot draw a map of {type(source).__name__}; pass a GraphStore or a networkx graph "
        "(graph.projection.to_networkx(store))"
    )


def _kind(graph: nx.Graph, node: Any) -> str:
    return str(graph.nodes[node].get("kind", ""))


def _edge_type(attrs: dict[str, Any]) -> str:
    return str(attrs.get("type", ""))


def _collaboration_edges(graph: nx.MultiDiGraph) -> list[tuple[Any, Any, float]]:
    """Direct ties between organisations / talents (the engine's organisation network), with weights."""
    members = {n for n, k in graph.nodes(data="kind") if k in COLLABORATION_KINDS}
    return [(s, t, float(d.get("weight", 1.0))) for s, t, d in graph.edges(data=True)
            if s != t and s in members and t in members and d.get("type") in COLLABORATION_TYPES]


def _to_igraph(nodes: list[Any], edges: Iterable[tuple[Any, Any]]) -> ig.Graph:
    index = {node: i for i, node in enumerate(nodes)}
    pairs = {(min(index[s], index[t]), max(index[s], index[t])) for s, t in edges if s != t}
    return ig.Graph(n=len(nodes), edges=sorted(pairs), directed=False)


def collaboration_communities(source: GraphStore | nx.Graph, *, seed: int = 0) -> pd.DataFrame:
    """Leiden communities of the organisation collaboration network, numbered by size.

    The network holds the five core kinds (:data:`COLLABORATION_KINDS`) tied by
    :data:`COLLABORATION_TYPES` (weights add up); town, industry and tier hubs are not used: they
    would swamp the structure.  :class:`analysis.engine.IGraphAdapter` does the work (same nodes
    in id order, same seed), so the numbers match the analysis workbook's communities.
    Community 0 is the largest.  ``innonet map --view community --community N`` draws community N.

    Parameters
    ----------
    source : GraphStore or networkx graph
    seed : int
        Seed of Leiden's random choices (0, as in the analysis module).

    Returns
    -------
    pandas.DataFrame
        One row per core node, columns ``id``, ``community`` (int, 0 = largest) and ``size``
        (members in that community).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> for n in "abcxyz":
    ...     g.add_node(n, kind="Enterprise")
    >>> for s, t in [("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z")]:
    ...     _ = g.add_edge(s, t, type="COLLABORATES_WITH")
    >>> frame = collaboration_communities(g).sort_values("id")
    >>> frame["size"].tolist(), frame["community"].nunique()
    ([3, 3, 3, 3, 3, 3], 2)
    """
    graph = _as_graph(source)
    nodes = sorted((n for n, k in graph.nodes(data="kind") if k in COLLABORATION_KINDS), key=str)
    edges = _collaboration_edges(graph)
    membership = _leiden(nodes, edges, seed)
    sizes = Counter(membership)
    return pd.DataFrame({
        "id": pd.Series(nodes, dtype=object),
        "community": pd.Series(membership, dtype=int),
        "size": pd.Series([sizes[label] for label in membership], dtype=int),
    })


def _leiden(nodes: list[Any], edges: list[tuple[Any, Any, float]], seed: int) -> list[int]:
    if not nodes:
        return []
    frame = pd.DataFrame(edges, columns=["source", "target", "weight"])
    series = IGraphAdapter.from_edges(frame, nodes=nodes).leiden(seed=seed)
    return [int(series[node]) for node in nodes]


# ---------------------------------------------------------------------------------------------
# views


def _fact_names(graph: nx.MultiDiGraph, node: Any, rel_type: str) -> list[str]:
    names = []
    for _, target, attrs in graph.out_edges(node, data=True):
        if _edge_type(attrs) == rel_type:
            names.append(str(graph.nodes[target].get("name", target)))
    return names


def _node_facts(graph: nx.MultiDiGraph, node: Any) -> dict[str, Any]:
    attrs = graph.nodes[node]
    town = attrs.get("town")
    if not town:
        towns = _fact_names(graph, node, "LOCATED_IN")
        town = towns[0] if towns else None
    industry = attrs.get("industry")
    if not industry:
        industries = _fact_names(graph, node, "IN_INDUSTRY")
        industry = industries[0] if industries else None
    tier = attrs.get("tier")
    if tier:
        try:
            tier = TIERS[tier_rank(tier) - 1]
        except SchemaError:
            tier = str(tier)
    return {"town": town, "industry": industry, "tier": tier}


def _canonical_tier(tier: str) -> str:
    return TIERS[tier_rank(tier) - 1]


def _available(values: Iterable[Any], limit: int = 12) -> str:
    counted = Counter(v for v in values if v not in (None, ""))
    shown = [f"{value} ({n})" for value, n in counted.most_common(limit)]
    return ", ".join(shown) if shown else "(none in the data)"


def _partners(graph: nx.MultiDiGraph) -> dict[Any, int]:
    core = {n for n, k in graph.nodes(data="kind") if k in COLLABORATION_KINDS}
    result: dict[Any, set[Any]] = defaultdict(set)
    for s, t in graph.edges():
        if s in core and t in core and s != t:
            result[s].add(t)
            result[t].add(s)
    return {n: len(result.get(n, ())) for n in graph.nodes}


def build_view(
    source: GraphStore | nx.Graph,
    view: str = "ecosystem",
    *,
    id: str | None = None,
    tier: str | None = None,
    town: str | None = None,
    industry: str | None = None,
    community: int | None = None,
    recommendations: pd.DataFrame | None = None,
    schedule: pd.DataFrame | None = None,
    slots: int | None = None,
    max_meetings: int | None = None,
    recommender: Any = None,
    seed: int = 0,
) -> nx.MultiDiGraph:
    """The filtered subgraph one map draws.

    Parameters
    ----------
    source : GraphStore or networkx graph
        The whole network (a store is projected with :func:`graph.projection.to_networkx`).
    view : {"ecosystem", "community", "ego", "event"}
        ``ecosystem``: the 竹海 — firms (coloured by tier), universities, talents, funds and
        service agencies with the ties among them.  ``community``: the members of one community of
        :func:`collaboration_communities` (``community`` required).  ``ego``: one organisation
        (``id``), its partners (every neighbour except town / industry / tier facts) and its
        recommended partners, drawn with ``RECOMMENDED`` edges.  ``event``: an Event (``id``), its
        attendees, the ties among them and the proposed meetings (``schedule``, or planned here
        with :func:`analysis.schedule.schedule_meetings`) as ``PROPOSED_MEETING`` edges.
    id : str, optional
        The organisation (ego) or Event (event) in the centre.
    tier, town, industry : str, optional
        Keep only enterprises of this tier (aliases like 高企 accepted), town or industry; the
        other nodes stay when they are tied to a kept enterprise (the centre of an ego or event
        view always stays).
    community : int, optional
        Keep only members of this community (required by the community view).
    recommendations : DataFrame, optional
        Ego view: columns ``id``, ``score`` and ``explanation``.  When it is not given and
        :class:`analysis.pairing.PairingRecommender` exists, it is fitted and asked for 10; otherwise
        no recommendations are drawn and ``graph.graph["notes"]`` says so.
    schedule : DataFrame, optional
        Event view: columns ``enterprise_id``, ``partner_id``, ``slot`` (``score``, ``explanation``
        used when present).  When it is not given, the meetings are planned among the attendees in
        the view: a :class:`analysis.pairing.PairingRecommender` is fitted once (or ``recommender``
        is used) and :func:`analysis.schedule.schedule_meetings` picks the 1:1 meetings; when that
        is impossible (too little history, no firm or no partner attending) ``graph.graph["notes"]``
        says why and only the attendees are drawn.
    slots, max_meetings : int, optional
        Event view without ``schedule``: time slots and most meetings per organisation
        (default :data:`DEFAULT_SLOTS`, :data:`DEFAULT_MAX_MEETINGS`).
    recommender : PairingRecommender, optional
        A fitted recommender to use for the ego view's recommendations and the event view's
        meetings instead of fitting one on ``source`` (the API keeps one).
    seed : int
        Seed for the communities.

    Returns
    -------
    networkx.MultiDiGraph
        The subgraph, node attributes as in the source plus ``community`` (int, -1 outside the
        core kinds), ``centrality`` (PageRank within the view), ``partners`` (distinct core-kind
        neighbours in the whole network), ``town``, ``industry``, ``tier`` (canonical) and, in the
        ego view, ``role`` (centre / partner / recommended).  ``graph.graph`` holds ``view``,
        ``filters``, ``title`` and ``notes`` (list of str).

    Raises
    ------
    SchemaError
        Unknown view or tier, a missing required argument, a malformed DataFrame.
    NotFoundError
        An id, town, industry or community that is not in the network.
    """
    if view not in VIEWS:
        raise SchemaError(f"unknown map view {view!r}; use one of: {', '.join(VIEWS)}")
    full = _as_graph(source)
    communities = collaboration_communities(full, seed=seed)
    community_of = dict(zip(communities["id"], communities["community"], strict=True))
    notes: list[str] = []
    centre: Any = None
    if view in ("ego", "event"):
        if id is None:
            raise SchemaError(f"the {view} view needs an id (--id): the {'organisation' if view == 'ego' else 'Event'}"
                              " in the centre")
        if id not in full:
            raise NotFoundError(f"{id!r} is not in the network; look ids up with `innonet stats` or the entities API")
        centre = id
    if view == "community" and community is None:
        raise SchemaError("the community view needs --community N; the largest communities are: "
                          + _available(community_of.values()))
    if community is not None and int(community) not in set(community_of.values()):
        raise NotFoundError(f"community {community!r} does not exist; the largest are (id (members)): "
                            + _available(community_of.values()))

    facts = {n: _node_facts(full, n) for n in full.nodes}
    if view == "ecosystem" or view == "community":
        selected = {n for n, k in full.nodes(data="kind") if k in COLLABORATION_KINDS}
    elif view == "ego":
        selected = {centre} | {
            n for n in nx.all_neighbors(full, centre) if not _is_fact_tie(full, centre, n)
        }
    else:
        if _kind(full, centre) != "Event":
            raise SchemaError(f"{id!r} is a {_kind(full, centre) or 'node without kind'}, not an Event; "
                              "the event view needs an Event id")
        selected = {centre} | {s for s, _, a in full.in_edges(centre, data=True) if _edge_type(a) == "ATTENDED"}
    if community is not None:
        selected = {n for n in selected if community_of.get(n) == int(community) or n == centre}

    selected = _apply_filters(full, selected, facts, centre, tier=tier, town=town, industry=industry)
    view_graph = nx.MultiDiGraph(full.subgraph(selected))
    if view == "event":
        if schedule is None:
            attendees = [n for n in view_graph if n != centre]
            schedule = _plan_meetings(source, full, attendees, slots, max_meetings, recommender, notes)
        elif slots is not None or max_meetings is not None:
            raise SchemaError("slots / max_meetings plan the meetings; they cannot be combined with a given schedule")
        _add_schedule(view_graph, full, schedule, notes)
    if view == "ego":
        _add_recommendations(view_graph, full, source, centre, recommendations, notes, recommender)

    partners = _partners(full)
    centrality = _pagerank(view_graph)
    for node, attrs in view_graph.nodes(data=True):
        attrs.update({k: v for k, v in facts.get(node, {}).items() if v is not None})
        attrs["community"] = int(community_of.get(node, -1))
        attrs["partners"] = partners.get(node, 0)
        attrs["centrality"] = centrality.get(node, 0.0)
        if view == "ego":
            attrs.setdefault("role", "partner")
    if view == "ego":
        view_graph.nodes[centre]["role"] = "centre"
    filters = {k: v for k, v in (("id", id), ("tier", tier), ("town", town), ("industry", industry),
                                 ("community", community)) if v is not None}
    view_graph.graph.update(view=view, filters=filters, notes=notes, seed=seed,
                            title=_default_title(full, view, centre, filters))
    return view_graph


def _is_fact_tie(graph: nx.MultiDiGraph, a: Any, b: Any) -> bool:
    types = {_edge_type(d) for d in graph.get_edge_data(a, b, default={}).values()}
    types |= {_edge_type(d) for d in graph.get_edge_data(b, a, default={}).values()}
    return bool(types) and types <= set(_FACT_TYPES)


def _apply_filters(graph: nx.MultiDiGraph, selected: set[Any], facts: dict[Any, dict[str, Any]], centre: Any,
                   *, tier: str | None, town: str | None, industry: str | None) -> set[Any]:
    wanted: dict[str, str] = {}
    if tier is not None:
        wanted["tier"] = _canonical_tier(tier)
    if town is not None:
        wanted["town"] = str(town)
    if industry is not None:
        wanted["industry"] = str(industry)
    if not wanted:
        return selected
    firms = {n for n in selected if _kind(graph, n) == "Enterprise"}
    for field, value in wanted.items():
        if not any(facts[n].get(field) == value for n in graph.nodes if _kind(graph, n) == "Enterprise"):
            raise NotFoundError(
                f"no enterprise has {field} {value!r}; values in the data (count): "
                + _available(facts[n].get(field) for n in graph.nodes if _kind(graph, n) == "Enterprise")
            )
    kept_firms = {n for n in firms if all(facts[n].get(f) == v for f, v in wanted.items())}
    others = selected - firms
    kept_others = {n for n in others if n == centre or any(m in kept_firms for m in nx.all_neighbors(graph, n))}
    return kept_firms | kept_others | ({centre} if centre is not None else set())


def _add_recommendations(view_graph: nx.MultiDiGraph, full: nx.MultiDiGraph, source: Any, centre: Any,
                         recommendations: pd.DataFrame | None, notes: list[str], recommender: Any = None) -> None:
    if recommendations is None:
        recommendations = _recommend(source, full, centre, notes, recommender)
        if recommendations is None:
            return
    missing = {"id", "score", "explanation"} - set(recommendations.columns)
    if missing:
        raise SchemaError(f"recommendations need columns id, score, explanation; missing: {', '.join(sorted(missing))}")
    for rank, row in enumerate(recommendations.to_dict(orient="records"), start=1):
        partner = row["id"]
        if partner not in full:
            raise NotFoundError(f"recommended partner {partner!r} is not in the network; recommend from the same store")
        if partner not in view_graph:
            view_graph.add_node(partner, **full.nodes[partner])
            view_graph.nodes[partner]["role"] = "recommended"
        score = float(row["score"]) if row["score"] is not None else 0.0
        view_graph.add_edges_from([(centre, partner, f"{RECOMMENDED}:{rank}", {
            "type": RECOMMENDED, "key": str(rank), "rank": rank, "score": score,
            "explanation": str(row["explanation"] or ""),
        })])
    if len(recommendations) == 0:
        notes.append("无推荐结果 / the recommender returned no partners")


def _recommend(source: Any, full: nx.MultiDiGraph, centre: Any, notes: list[str],
               recommender: Any = None) -> pd.DataFrame | None:
    try:
        from analysis.pairing import PairingRecommender
    except ImportError:
        notes.append("未绘制推荐: 配对模块不可用 / no recommendations drawn: analysis.pairing is not available")
        return None
    try:
        if recommender is None:
            recommender = PairingRecommender().fit(source if isinstance(source, GraphStore) else full)
        return recommender.recommend(centre, k=10)
    except InnonetError as exc:  # e.g. too little history to learn from: the map says so
        notes.append(f"未绘制推荐 / no recommendations drawn: {exc}")
        return None


def _plan_meetings(source: Any, full: nx.MultiDiGraph, attendees: list[Any], slots: int | None,
                   max_meetings: int | None, recommender: Any, notes: list[str]) -> pd.DataFrame | None:
    """The event's 1:1 meetings planned by :func:`analysis.schedule.schedule_meetings` (None: a note says why)."""
    slots = DEFAULT_SLOTS if slots is None else int(slots)
    max_meetings = DEFAULT_MAX_MEETINGS if max_meetings is None else int(max_meetings)
    if slots < 1 or max_meetings < 1:
        raise SchemaError(f"slots and max_meetings must be at least 1, got {slots!r} and {max_meetings!r}")
    kinds = Counter(_kind(full, n) for n in attendees)
    if not kinds["Enterprise"] or not (kinds["University"] or kinds["Talent"]):
        notes.append(f"未生成对接日程: 需要企业和高校院所/专家同时参加 (企业 {kinds['Enterprise']}, 高校院所 "
                     f"{kinds['University']}, 专家 {kinds['Talent']}) / no meetings planned: the event needs "
                     "attending firms and universities or experts")
        return None
    try:
        from analysis.pairing import PairingRecommender, schedule_meetings
    except ImportError:
        notes.append("未生成对接日程: 配对模块不可用 / no meetings planned: analysis.pairing is not available")
        return None
    try:
        if recommender is None:
            recommender = PairingRecommender().fit(source if isinstance(source, GraphStore) else full)
        schedule, _agenda = schedule_meetings(recommender, [str(n) for n in attendees], slots, max_meetings)
    except InnonetError as exc:  # too little history, or the programme could not be solved
        notes.append(f"未生成对接日程 / no meetings planned: {exc}")
        return None
    covered = schedule["enterprise_id"].nunique() if len(schedule) else 0
    notes.append(f"对接日程由配对模型生成: {len(schedule)} 场对接, {slots} 个时段, 每单位至多 {max_meetings} 场, "
                 f"{covered}/{kinds['Enterprise']} 家企业有对接 / meetings planned by the pairing model: "
                 f"{len(schedule)} in {slots} slots, at most {max_meetings} each, {covered} of "
                 f"{kinds['Enterprise']} firms meet someone")
    return schedule


def _add_schedule(view_graph: nx.MultiDiGraph, full: nx.MultiDiGraph, schedule: pd.DataFrame | None,
                  notes: list[str]) -> None:
    if schedule is None:  # _plan_meetings has said why
        return
    missing = {"enterprise_id", "partner_id", "slot"} - set(schedule.columns)
    if missing:
        raise SchemaError(f"schedule needs columns enterprise_id, partner_id, slot; missing: {', '.join(sorted(missing))}")
    for i, row in enumerate(schedule.to_dict(orient="records")):
        ends = (row["enterprise_id"], row["partner_id"])
        for node in ends:
            if node not in full:
                raise NotFoundError(f"schedule row {i + 1}: {node!r} is not in the network")
            if node not in view_graph:
                view_graph.add_node(node, **full.nodes[node])
        props = {"type": PROPOSED_MEETING, "key": str(i), "slot": str(row["slot"])}
        for extra in ("score", "explanation"):
            if extra in row and row[extra] is not None and row[extra] == row[extra]:
                props[extra] = float(row[extra]) if extra == "score" else str(row[extra])
        view_graph.add_edges_from([(ends[0], ends[1], f"{PROPOSED_MEETING}:{i}", props)])


def _pagerank(graph: nx.MultiDiGraph) -> dict[Any, float]:
    nodes = list(graph.nodes)
    if not nodes:
        return {}
    igraph_graph = _to_igraph(nodes, graph.edges())
    scores = igraph_graph.pagerank(directed=False)
    return {node: float(score) for node, score in zip(nodes, scores, strict=True)}


def _default_title(graph: nx.MultiDiGraph, view: str, centre: Any, filters: dict[str, Any]) -> str:
    parts = ["宜兴创新网络", _VIEW_ZH[view]]
    if centre is not None:
        parts.append(str(graph.nodes[centre].get("name", centre)))
    parts += [f"{k}={v}" for k, v in filters.items() if k != "id"]
    return " · ".join(parts)


# ---------------------------------------------------------------------------------------------
# aggregation


def aggregate_view(graph: nx.MultiDiGraph, by: str = "community", *, min_size: int | None = None,
                   command: str = "innonet map") -> nx.Graph:
    """Fold a view into super-nodes: one per community (or town), sized by member count.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A view from :func:`build_view` (nodes carry ``community`` and ``town``).
    by : {"community", "town"}
        What a super-node stands for.  Nodes outside the core kinds (community -1) and members of
        communities smaller than ``min_size`` are pooled into one ``small`` super-node.
    min_size : int, optional
        Smallest community drawn on its own; by default 3, or one node in 500 of the view when
        that is more (so a city map is not littered with tiny isolated groups).
    command : str
        The CLI the drill-down commands start with.

    Returns
    -------
    networkx.Graph
        Node id ``"community:N"``, ``"town:NAME"`` or ``"small"``; attributes ``label``,
        ``members`` (count), ``group`` (community number or town name), ``top`` (names of the most
        central members), ``kinds`` (dict kind -> count), ``drilldown`` (the ``innonet map``
        command of its own map, empty for the pool) and ``file`` (suggested file name).  Edges
        carry ``weight``: relationships between the two groups.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> for n, c in [("a", 0), ("b", 0), ("c", 0), ("d", 1), ("e", 1), ("f", 1)]:
    ...     g.add_node(n, kind="Enterprise", name=n, community=c, centrality=0.1)
    >>> _ = g.add_edge("a", "d")
    >>> agg = aggregate_view(g)
    >>> sorted(agg.nodes(data="members")), agg.edges["community:0", "community:1"]["weight"]
    ([('community:0', 3), ('community:1', 3)], 1)
    """
    if by not in ("community", "town"):
        raise SchemaError(f"cannot aggregate by {by!r}; use community or town")
    members: dict[Any, list[Any]] = defaultdict(list)
    for node, attrs in graph.nodes(data=True):
        if by == "community":
            label = attrs.get("community", -1)
            members[label if label is not None and label >= 0 else None].append(node)
        else:
            members[attrs.get("town") or None].append(node)
    group_of: dict[Any, str] = {}
    pooled: list[Any] = list(members.pop(None, []))
    if min_size is None:
        min_size = max(3, round(graph.number_of_nodes() / 500))
    for group, nodes in list(members.items()):
        if by == "community" and len(nodes) < min_size:
            pooled.extend(nodes)
            del members[group]
    aggregated = nx.Graph()
    filters = graph.graph.get("filters", {})
    base_view = graph.graph.get("view", "ecosystem")
    for group, nodes in sorted(members.items(), key=lambda item: (-len(item[1]), str(item[0]))):
        node_id = f"{by}:{group}"
        top = sorted(nodes, key=lambda n: -float(graph.nodes[n].get("centrality", 0.0)))[:5]
        top_names = [str(graph.nodes[n].get("name", n)) for n in top]
        if by == "community":
            label = f"社区 {group} · {top_names[0]}"
            args = ["--view", "community", "--community", str(group)]
            file_name = f"community_{group}.html"
        else:
            label = str(group)
            args = ["--view", base_view if base_view != "ego" else "ecosystem", "--town", str(group)]
            file_name = f"town_{_slug(str(group))}.html"
        for key in ("tier", "industry") + (("town",) if by == "community" else ("community",)):
            if key in filters:
                args += [f"--{key}", str(filters[key])]
        drilldown = " ".join([command, *(_shell_quote(a) for a in args), "--out", file_name])
        aggregated.add_node(node_id, label=label, members=len(nodes), group=group, top=top_names,
                            kinds=dict(Counter(_kind(graph, n) for n in nodes)), drilldown=drilldown, file=file_name)
        for n in nodes:
            group_of[n] = node_id
    if pooled:
        aggregated.add_node("small", label="其他 (小社区与非核心节点)", members=len(pooled), group="small",
                            top=[str(graph.nodes[n].get("name", n)) for n in pooled[:5]],
                            kinds=dict(Counter(_kind(graph, n) for n in pooled)), drilldown="", file="")
        for n in pooled:
            group_of[n] = "small"
    for s, t in graph.edges():
        a, b = group_of[s], group_of[t]
        if a == b:
            continue
        if aggregated.has_edge(a, b):
            aggregated.edges[a, b]["weight"] += 1
        else:
            aggregated.add_edge(a, b, weight=1)
    aggregated.graph.update(graph.graph, aggregated_by=by, source_nodes=graph.number_of_nodes(),
                            source_edges=graph.number_of_edges())
    return aggregated


def _slug(text: str) -> str:
    return re.sub(r"[^\w\-]+", "_", text).strip("_") or "town"


def _shell_quote(text: str) -> str:
    return text if re.fullmatch(r"[\w\-.:/=]+", text) else "'" + text.replace("'", "'\"'\"'") + "'"


# ---------------------------------------------------------------------------------------------
# layout and payload


def _layout(nodes: list[Any], edges: Iterable[tuple[Any, Any]], seed: int,
            spacing: float = 60.0) -> dict[Any, tuple[float, float]]:
    """igraph Fruchterman–Reingold positions in vis pixels (about ``spacing`` px between nodes).

    Nodes without ties are set in rows under the drawing instead of being flung to its rim.
    """
    if not nodes:
        return {}
    igraph_graph = _to_igraph(nodes, edges)
    degree = igraph_graph.degree()
    tied = [i for i, d in enumerate(degree) if d > 0]
    loose = [i for i, d in enumerate(degree) if d == 0]
    positions: dict[Any, tuple[float, float]] = {}
    width = 200.0 + spacing * max(len(tied), 1) ** 0.5
    bottom = 0.0
    if tied:
        sub = igraph_graph.subgraph(tied)
        ig.set_random_number_generator(random.Random(seed))
        try:
            coords = sub.layout_fruchterman_reingold(niter=500, grid="auto" if len(tied) > 1000 else "nogrid")
        finally:
            ig.set_random_number_generator(random)
        xs = [c[0] for c in coords]
        ys = [c[1] for c in coords]
        span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        for i, x, y in zip(tied, xs, ys, strict=True):
            positions[nodes[i]] = (round((x - cx) / span * width, 1), round((y - cy) / span * width, 1))
        bottom = max(p[1] for p in positions.values()) + spacing * 1.5
    per_row = max(int(width // spacing), 1)
    for j, i in enumerate(loose):
        row, column = divmod(j, per_row)
        positions[nodes[i]] = (round(-width / 2 + column * spacing, 1), round(bottom + row * spacing, 1))
    return positions


def _sizes(values: dict[Any, float], low: float, high: float) -> dict[Any, float]:
    if not values:
        return {}
    top, bottom = max(values.values()), min(values.values())
    spread = top - bottom
    return {k: round(low + (high - low) * ((v - bottom) / spread if spread > 0 else 0.5) ** 0.5, 1)
            for k, v in values.items()}


def _node_style(attrs: dict[str, Any]) -> tuple[str, str]:
    kind = str(attrs.get("kind", ""))
    colour, shape = _KIND_STYLE.get(kind, ("#bdbdbd", "dot"))
    if kind == "Enterprise":
        colour = _TIER_COLOURS.get(attrs.get("tier"), _NO_TIER_COLOUR)
    return colour, shape


def _kind_zh(kind: str) -> str:
    return KINDS[kind].label_zh if kind in KINDS else kind or "未知"


def _type_zh(rel_type: str) -> str:
    if rel_type in RELATIONSHIP_TYPES:
        return f"{RELATIONSHIP_TYPES[rel_type].label_zh} ({rel_type})"
    return _EDGE_ZH.get(rel_type, rel_type or "关系")


def _tooltip(node: Any, attrs: dict[str, Any]) -> list[str]:
    lines = [str(attrs.get("name", node)), f"类型 kind: {_kind_zh(str(attrs.get('kind', '')))}"]
    for key, label in (("tier", "梯次 tier"), ("town", "镇街 town"), ("industry", "产业 industry"),
                       ("category", "类别 category"), ("date", "日期 date")):
        if attrs.get(key):
            lines.append(f"{label}: {attrs[key]}")
    lines.append(f"合作伙伴 partners: {attrs.get('partners', 0)}")
    if attrs.get("community", -1) >= 0:
        lines.append(f"社区 community: {attrs['community']}")
    lines.append(f"中心度 centrality: {float(attrs.get('centrality', 0.0)):.4f}")
    if attrs.get("role") == "recommended":
        lines.append("推荐合作伙伴 recommended partner")
    lines.append(f"id: {node}")
    return lines


def _interactive_payload(graph: nx.MultiDiGraph, seed: int) -> dict[str, Any]:
    nodes = list(graph.nodes)
    positions = _layout(nodes, graph.edges(), seed)
    sizes = _sizes({n: float(graph.nodes[n].get("centrality", 0.0)) for n in nodes}, 6.0, 30.0)
    payload_nodes = []
    for node in nodes:
        attrs = graph.nodes[node]
        colour, shape = _node_style(attrs)
        if attrs.get("role") == "centre":
            shape = "star"
        x, y = positions[node]
        payload_nodes.append({
            "id": str(node), "label": str(attrs.get("name", node)), "x": x, "y": y, "size": sizes[node],
            "color": colour, "shape": shape, "kind": str(attrs.get("kind", "")),
            "tier": attrs.get("tier") or "", "town": attrs.get("town") or "", "industry": attrs.get("industry") or "",
            "community": int(attrs.get("community", -1)), "role": attrs.get("role", ""),
            "tip": _tooltip(node, attrs),
        })
    type_index: dict[str, int] = {}
    payload_edges = []
    seen: set[tuple[str, str, str]] = set()
    for source, target, attrs in graph.edges(data=True):
        rel_type = _edge_type(attrs)
        pair = (str(source), str(target), rel_type)
        if pair in seen and rel_type not in _DASHED:
            continue  # one line per pair and type (REACHED_TIER-like histories are not drawn twice)
        seen.add(pair)
        t = type_index.setdefault(rel_type, len(type_index))
        edge: list[Any] = [str(source), str(target), t]
        if rel_type == RECOMMENDED:
            edge.append([f"推荐 recommended #{attrs.get('rank')}  score {float(attrs.get('score', 0.0)):.3f}",
                         str(attrs.get("explanation", ""))])
        elif rel_type == PROPOSED_MEETING:
            tip = [f"拟对接 meeting · 时段 slot {attrs.get('slot')}"]
            if "score" in attrs:
                tip.append(f"score {float(attrs['score']):.3f}")
            if attrs.get("explanation"):
                tip.append(str(attrs["explanation"]))
            edge.append(tip)
        payload_edges.append(edge)
    edge_types = [{"type": t, "label": _type_zh(t), "color": _EDGE_COLOURS.get(t, "#bbbbbb"),
                   "dashed": t in _DASHED} for t in type_index]
    return {"aggregated": False, "nodes": payload_nodes, "edges": payload_edges, "edgeTypes": edge_types}


def _aggregated_payload(aggregated: nx.Graph, seed: int) -> dict[str, Any]:
    nodes = list(aggregated.nodes)
    positions = _layout(nodes, aggregated.edges(), seed, spacing=260.0)
    sizes = _sizes({n: float(aggregated.nodes[n]["members"]) for n in nodes}, 10.0, 60.0)
    payload_nodes = []
    for i, node in enumerate(nodes):
        attrs = aggregated.nodes[node]
        x, y = positions[node]
        kinds = ", ".join(f"{_kind_zh(k)} {n}" for k, n in sorted(attrs["kinds"].items(), key=lambda kv: -kv[1]))
        tip = [str(attrs["label"]), f"成员 members: {attrs['members']}", kinds,
               "核心成员 top: " + "、".join(attrs["top"])]
        if attrs["drilldown"]:
            tip.append("下钻 drill down: " + attrs["drilldown"])
        payload_nodes.append({
            "id": str(node), "label": f"{attrs['label']} ({attrs['members']})", "x": x, "y": y,
            "size": sizes[node], "color": "#bdbdbd" if node == "small" else _GROUP_PALETTE[i % len(_GROUP_PALETTE)],
            "shape": "dot", "kind": "group", "tier": "", "town": str(attrs["group"]) if aggregated.graph.get(
                "aggregated_by") == "town" else "", "industry": "",
            "community": attrs["group"] if isinstance(attrs["group"], int) else -1, "role": "", "tip": tip,
        })
    weights = {(s, t): d["weight"] for s, t, d in aggregated.edges(data=True)}
    widths = _sizes({k: float(v) for k, v in weights.items()}, 1.0, 10.0)
    payload_edges = [[str(s), str(t), 0, [f"关系数 ties: {w}"], widths[(s, t)]] for (s, t), w in weights.items()]
    edge_types = [{"type": "AGGREGATE", "label": _type_zh("AGGREGATE"), "color": _EDGE_COLOURS["AGGREGATE"],
                   "dashed": False}]
    return {"aggregated": True, "nodes": payload_nodes, "edges": payload_edges, "edgeTypes": edge_types}


# ---------------------------------------------------------------------------------------------
# HTML


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    """vis-network 9.1.2 JS and CSS from the installed pyvis wheel (found, not imported: pyvis pulls in IPython)."""
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise MapRenderError("pyvis is not installed; `pip install pyvis==0.3.2` (its wheel ships vis-network)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "lib" / "vis-9.1.2"
    try:
        js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
        css = (folder / "vis-network.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise MapRenderError(f"vis-network is missing from the pyvis package ({exc}); reinstall pyvis==0.3.2") from exc
    if "</script" in js.lower() or "</style" in css.lower():
        raise MapRenderError(f"the vis-network files in {folder} cannot be inlined (they close their own tag)")
    return js, css


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False,
                                                 "separators": (",", ":")}
    return environment


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _legend(graph: nx.MultiDiGraph, payload: dict[str, Any]) -> dict[str, Any]:
    kinds = Counter(str(k) for _, k in graph.nodes(data="kind"))
    tiers = Counter(t for n, t in graph.nodes(data="tier") if _kind(graph, n) == "Enterprise")
    tier_items = [{"label": t, "color": _TIER_COLOURS[t], "count": tiers[t]} for t in TIERS if tiers.get(t)]
    untiered = sum(n for t, n in tiers.items() if t not in _TIER_COLOURS)
    if untiered:
        tier_items.append({"label": "无梯次 no tier", "color": _NO_TIER_COLOUR, "count": untiered})
    kind_items = [{"label": f"{_kind_zh(k)} {k}", "color": _KIND_STYLE.get(k, ("#bdbdbd", "dot"))[0],
                   "shape": _KIND_STYLE.get(k, ("#bdbdbd", "dot"))[1], "count": n}
                  for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]) if k != "Enterprise"]
    return {"tiers": tier_items, "kinds": kind_items, "edges": payload["edgeTypes"]}


def _filter_options(payload: dict[str, Any]) -> dict[str, list[Any]]:
    options: dict[str, list[Any]] = {}
    for field in ("tier", "town", "industry"):
        values = Counter(n[field] for n in payload["nodes"] if n[field])
        if field == "tier":
            options[field] = [t for t in TIERS if t in values] + sorted(v for v in values if v not in TIERS)
        else:
            options[field] = [v for v, _ in values.most_common()]
    communities = Counter(n["community"] for n in payload["nodes"] if n["community"] >= 0)
    options["community"] = sorted(communities)
    return options


def render_map(
    source: GraphStore | nx.Graph,
    view: str = "ecosystem",
    *,
    out: str | os.PathLike[str] | None = None,
    title: str | None = None,
    max_nodes: int = MAX_INTERACTIVE_NODES,
    drilldown_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
    **filters: Any,
) -> str:
    """Render one view as a self-contained, offline HTML page (and write it when ``out`` is given).

    Parameters
    ----------
    source : GraphStore or networkx graph
    view : {"ecosystem", "community", "ego", "event"}
    out : path, optional
        Where to write the page (UTF-8).
    title : str, optional
        Page title; by default the view, its centre and its filters.
    max_nodes : int
        Views with more nodes are drawn aggregated (:func:`aggregate_view`: communities, or towns
        for the community view) with the drill-down command of each super-node in its tooltip and
        in the side panel.
    drilldown_dir : path, optional
        Aggregated maps only: also write each community's (town's) own map into this directory and
        link the side panel to those files (relative links).
    seed : int
        Seed for communities and layout: the same data gives the same picture.
    **filters
        ``id``, ``tier``, ``town``, ``industry``, ``community``, ``recommendations``, ``schedule``,
        ``slots``, ``max_meetings``, ``recommender`` as in :func:`build_view`.

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    MapRenderError
        When the page would load anything from the network (:func:`check_offline`).
    """
    graph = build_view(source, view, seed=seed, **filters)
    return render_view(graph, out=out, title=title, max_nodes=max_nodes, drilldown_dir=drilldown_dir, seed=seed)


def render_view(
    graph: nx.MultiDiGraph,
    *,
    out: str | os.PathLike[str] | None = None,
    title: str | None = None,
    max_nodes: int = MAX_INTERACTIVE_NODES,
    drilldown_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
) -> str:
    """Render a view already cut by :func:`build_view` (so its exports show the same subgraph).

    Parameters are those of :func:`render_map`.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("e1", kind="Enterprise", name="甲")
    >>> "vis.Network" in render_view(build_view(g))
    True
    """
    return _render_graph(graph, out=out, title=title, max_nodes=max_nodes, drilldown_dir=drilldown_dir, seed=seed)


def _render_graph(graph: nx.MultiDiGraph, *, out: Any, title: str | None, max_nodes: int, drilldown_dir: Any,
                  seed: int) -> str:
    notes = list(graph.graph.get("notes", []))
    drilldowns: list[dict[str, Any]] = []
    if graph.number_of_nodes() > max_nodes:
        by = "town" if graph.graph.get("view") == "community" else "community"
        aggregated = aggregate_view(graph, by=by)
        payload = _aggregated_payload(aggregated, seed)
        notes.insert(0, f"共 {graph.number_of_nodes()} 个节点, 超过 {max_nodes}: 按{'社区' if by == 'community' else '镇街'}"
                        f"聚合为 {aggregated.number_of_nodes()} 个超级节点, 大小 = 成员数 / "
                        f"{graph.number_of_nodes()} nodes > {max_nodes}: aggregated by {by}, size = members")
        linked = drilldown_dir is not None
        for node, attrs in aggregated.nodes(data=True):
            if attrs["drilldown"]:
                drilldowns.append({"label": attrs["label"], "members": attrs["members"], "command": attrs["drilldown"],
                                   "file": attrs["file"] if linked else ""})
        if linked:
            _write_drilldowns(graph, aggregated, by, Path(drilldown_dir), max_nodes, seed)
    else:
        payload = _interactive_payload(graph, seed)
    page_title = title if title is not None else str(graph.graph.get("title", "宜兴创新网络"))
    legend = _legend(graph, payload)
    text = _environment().get_template("map.html.j2").render(
        title=page_title,
        csp_placeholder=_CSP_PLACEHOLDER,
        vis_js=_vis_assets()[0],
        vis_css=_vis_assets()[1],
        data={**payload, "filters": _filter_options(payload), "view": graph.graph.get("view", "")},
        legend=legend,
        notes=notes,
        drilldowns=drilldowns,
        aggregated=payload["aggregated"],
        node_count=len(payload["nodes"]),
        edge_count=len(payload["edges"]),
        view=graph.graph.get("view", ""),
    )
    scripts = [_csp_hash(body) for body in _SCRIPT_BLOCK.findall(text)]
    styles = [_csp_hash(body) for body in _STYLE_BLOCK.findall(text)]
    policy = (f"default-src 'none'; script-src {' '.join(scripts)}; style-src {' '.join(styles)}; "
              "img-src data:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")
    text = text.replace(_CSP_PLACEHOLDER, policy, 1)
    check_offline(text)
    if out is not None:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return text


def _write_drilldowns(graph: nx.MultiDiGraph, aggregated: nx.Graph, by: str, folder: Path, max_nodes: int,
                      seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for node, attrs in aggregated.nodes(data=True):
        if not attrs["drilldown"]:
            continue
        group = attrs["group"]
        members = [n for n, a in graph.nodes(data=True) if (a.get("community") if by == "community" else a.get("town"))
                   == group]
        sub = nx.MultiDiGraph(graph.subgraph(members))
        centrality = _pagerank(sub)
        for member, value in centrality.items():
            sub.nodes[member]["centrality"] = value
        sub.graph.update(graph.graph, view="community" if by == "community" else graph.graph.get("view"),
                         title=f"{graph.graph.get('title', '')} · {attrs['label']}")
        # a community that is still too big is aggregated by town (its view is "community")
        _render_graph(sub, out=folder / attrs["file"], title=None, max_nodes=max_nodes, drilldown_dir=None, seed=seed)


class _OfflineChecker(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            name = name.lower()
            if name == "content" and not (tag == "meta" and any(a == "http-equiv" for a, _ in attrs)):
                continue
            if name in _URL_ATTRIBUTES and (_REMOTE.search(value) or re.search(r"url\s*=\s*\S*//", value, re.IGNORECASE)):
                self.problems.append(f"<{tag} {name}={value[:80]!r}>")
            if name == "style" and _CSS_URL.search(value):
                self.problems.append(f"<{tag} style={value[:80]!r}>")
        if tag in ("link", "base", "iframe", "object", "embed"):
            self.problems.append(f"<{tag}> element")
        if tag == "script" and any(name == "src" for name, _ in attrs):
            self.problems.append("<script src=…>")
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and _CSS_URL.search(data):
            self.problems.append(f"remote url() or @import in <style>: {_CSS_URL.search(data).group(0)!r}")


def check_offline(page: str) -> None:
    """Raise :class:`MapRenderError` when the page would load anything from the network.

    Every tag is parsed: URL-bearing attributes (``src``, ``href``, ``action``, ``srcset``,
    ``data``, a ``meta`` refresh …) must not start with ``http(s):`` or ``//``; ``<link>``,
    ``<base>``, ``<iframe>``, ``<object>``, ``<embed>`` and ``<script src>`` are refused; styles
    must not ``@import`` or ``url()`` a remote file.  Text (escaped data) is not an address and is
    not flagged.

    >>> check_offline('<p>see https://example.org</p><img src="data:image/png;base64,AA">')
    >>> check_offline('<script src="//cdn.example/x.js"></script>')  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    api.maps.MapRenderError: the map would load from the network: <script src=…>; ...
    """
    checker = _OfflineChecker()
    checker.feed(page)
    checker.close()
    if checker.problems:
        shown = "; ".join(dict.fromkeys(checker.problems))
        raise MapRenderError(f"the map would load from the network: {shown}; "
                             "every asset must be inlined (report this as a bug)")


def export_view(graph: nx.MultiDiGraph, *, gexf: str | os.PathLike[str] | None = None,
                graphml: str | os.PathLike[str] | None = None) -> list[Path]:
    """Write the view's subgraph (the same nodes, edges and attributes as the map) for Gephi.

    Returns the files written (none when neither path is given).
    """
    written: list[Path] = []
    if gexf is not None:
        written += export_graph(graph, "gexf", gexf)
    if graphml is not None:
        written += export_graph(graph, "graphml", graphml)
    return written
