"""What a map shows: the nodes, communities, recommendations, planned meetings and aggregation of one view.

Pure data, no drawing (the HTML maps and posters of :mod:`api.render.maps` and
:mod:`api.render.poster` draw what this module selects):

* :func:`build_view` cuts the subgraph of a view (``ecosystem``, ``community``, ``ego``, ``event``)
  out of a store or a networkx graph, applies the tier / town / industry / community filters and
  annotates every node with ``community``, ``centrality`` (PageRank in the view), ``partners``
  (distinct collaboration partners in the whole network), ``town`` and ``industry``; the ego view
  adds recommended partners, the event view the planned 1:1 meetings;
* :func:`collaboration_communities` numbers the Leiden communities of :mod:`analysis.engine`;
* :func:`aggregate_view` folds a view that is too big to draw into super-nodes (communities, or towns);
* every remark about a view is a :class:`Note` (a code and the text in Chinese and English), so
  callers keep or drop notes by code, never by matching their text.

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
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import igraph as ig
import networkx as nx
import pandas as pd

from analysis.engine import ORGANISATION_KINDS, ORGANISATION_TYPES, IGraphAdapter
from graph.errors import InnonetError, InvalidArgumentError, NotFoundError, SchemaError
from graph.projection import to_networkx
from graph.schema import TIERS, tier_rank
from graph.store import GraphStore

__all__ = [
    "COLLABORATION_KINDS",
    "COLLABORATION_TYPES",
    "DEFAULT_MAX_MEETINGS",
    "DEFAULT_SLOTS",
    "MAX_INTERACTIVE_NODES",
    "PROPOSED_MEETING",
    "RECOMMENDED",
    "TALENTS_FOLDED",
    "VIEWS",
    "Note",
    "aggregate_view",
    "build_view",
    "collaboration_communities",
    "group_view",
    "strongest_ties",
]


@dataclass(frozen=True)
class Note:
    """A remark about a view, shown in its legend: a stable ``code`` and the text in Chinese and English.

    >>> note = Note("no_meetings", "未生成对接日程", "no meetings planned")
    >>> str(note), note.code
    ('未生成对接日程 / no meetings planned', 'no_meetings')
    """

    code: str
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


VIEWS: tuple[str, ...] = ("ecosystem", "community", "ego", "event", "city")

#: Views whose talents are hidden by default and shown as counts on their organisations.
TALENTS_FOLDED: tuple[str, ...] = ("ecosystem", "community", "city")

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

_VIEW_ZH = {"ecosystem": "创新生态全景 (竹海)", "community": "创新社区", "ego": "合作伙伴", "event": "活动对接",
            "city": "全市创新主体 (全部机构)"}
_TALENT_TYPES = ("EMPLOYS", "AFFILIATED_WITH", "SECONDED_TO")


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
    view : {"ecosystem", "community", "ego", "event", "city"}
        ``city``: every organisation of the city (the core kinds without talents; each organisation
        carries its number of ``talents``).  ``ecosystem``: the 竹海 — firms (coloured by tier), universities, talents, funds and
        service agencies with the ties among them.  ``community``: the members of one community of
        :func:`collaboration_communities` (``community`` required).  ``ego``: one organisation
        (``id``), its partners (every neighbour except town / industry / tier facts) and its
        recommended partners, drawn with ``RECOMMENDED`` edges.  ``event``: an Event (``id``), its
        attendees, the ties among them and the proposed meetings (``schedule``, or planned here
        with :func:`analysis.pairing.schedule_meetings`) as ``PROPOSED_MEETING`` edges.
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
        is used) and :func:`analysis.pairing.schedule_meetings` picks the 1:1 meetings; when that
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
        ``filters``, ``title``, ``notes`` (list of :class:`Note`) and, in an event view with meetings,
        ``schedule`` (``slot, enterprise_id, enterprise_name, partner_id, partner_name``).

    Raises
    ------
    SchemaError
        Unknown view or tier, a missing required argument, a malformed DataFrame.
    NotFoundError
        An id, town, industry or community that is not in the network.
    """
    if view not in VIEWS:
        raise InvalidArgumentError(f"unknown map view {view!r}; use one of: {', '.join(VIEWS)}")
    full = _as_graph(source)
    communities = collaboration_communities(full, seed=seed)
    community_of = dict(zip(communities["id"], communities["community"], strict=True))
    notes: list[Note] = []
    centre: Any = None
    if view in ("ego", "event"):
        if id is None:
            raise InvalidArgumentError(f"the {view} view needs id: the {'organisation' if view == 'ego' else 'Event'}"
                                       " in the centre (a name, USCC or id)")
        if id not in full:
            raise NotFoundError(f"{id!r} is not in the network; resolve names with graph.lookup.resolve first")
        centre = id
    if view == "community" and community is None:
        raise InvalidArgumentError("the community view needs community=N; the largest communities are: "
                          + _available(community_of.values()))
    if community is not None and int(community) not in set(community_of.values()):
        raise NotFoundError(f"community {community!r} does not exist; the largest are (id (members)): "
                            + _available(community_of.values()))

    facts = {n: _node_facts(full, n) for n in full.nodes}
    if view == "ecosystem" or view == "community":
        selected = {n for n, k in full.nodes(data="kind") if k in COLLABORATION_KINDS}
    elif view == "city":  # every organisation: the core kinds without the people
        selected = {n for n, k in full.nodes(data="kind") if k in COLLABORATION_KINDS and k != "Talent"}
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
            raise InvalidArgumentError("slots / max_meetings plan the meetings; they cannot be combined with a given "
                                       "schedule")
        _add_schedule(view_graph, full, schedule, notes)
        if schedule is not None:
            view_graph.graph["schedule"] = _named_schedule(full, schedule)
    if view == "ego":
        _add_recommendations(view_graph, full, source, centre, recommendations, notes, recommender)

    partners = _partners(full)
    centrality = _pagerank(view_graph)
    talents = _talent_counts(full)
    for node, attrs in view_graph.nodes(data=True):
        attrs.update({k: v for k, v in facts.get(node, {}).items() if v is not None})
        attrs["talents"] = talents.get(node, 0)
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
                         recommendations: pd.DataFrame | None, notes: list[Note], recommender: Any = None) -> None:
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
        notes.append(Note("no_recommendations", "无推荐结果", "the recommender returned no partners"))


def _recommend(source: Any, full: nx.MultiDiGraph, centre: Any, notes: list[Note],
               recommender: Any = None) -> pd.DataFrame | None:
    from analysis.pairing import PairingRecommender

    try:
        if recommender is None:
            recommender = PairingRecommender().fit(source if isinstance(source, GraphStore) else full)
        return recommender.recommend(centre, k=10)
    except InnonetError as exc:  # e.g. too little history to learn from: the map says so
        notes.append(Note("recommendations_failed", f"未绘制推荐: {exc}", f"no recommendations drawn: {exc}"))
        return None


def _plan_meetings(source: Any, full: nx.MultiDiGraph, attendees: list[Any], slots: int | None,
                   max_meetings: int | None, recommender: Any, notes: list[Note]) -> pd.DataFrame | None:
    """The event's 1:1 meetings planned by :func:`analysis.pairing.schedule_meetings` (None: a note says why)."""
    slots = DEFAULT_SLOTS if slots is None else int(slots)
    max_meetings = DEFAULT_MAX_MEETINGS if max_meetings is None else int(max_meetings)
    if slots < 1 or max_meetings < 1:
        raise InvalidArgumentError(f"slots and max_meetings must be at least 1, got {slots!r} and {max_meetings!r}")
    kinds = Counter(_kind(full, n) for n in attendees)
    if not kinds["Enterprise"] or not (kinds["University"] or kinds["Talent"]):
        notes.append(Note("no_meetings", f"未生成对接日程: 需要企业和高校院所/专家同时参加 (企业 {kinds['Enterprise']}, "
                          f"高校院所 {kinds['University']}, 专家 {kinds['Talent']})",
                          "no meetings planned: the event needs attending firms and universities or experts"))
        return None
    from analysis.pairing import PairingRecommender, schedule_meetings

    try:
        if recommender is None:
            recommender = PairingRecommender().fit(source if isinstance(source, GraphStore) else full)
        schedule, _agenda = schedule_meetings(recommender, [str(n) for n in attendees], slots, max_meetings)
    except InnonetError as exc:  # too little history, or the programme could not be solved
        notes.append(Note("no_meetings", f"未生成对接日程: {exc}", f"no meetings planned: {exc}"))
        return None
    covered = schedule["enterprise_id"].nunique() if len(schedule) else 0
    notes.append(Note("meetings_planned",
                      f"对接日程由配对模型生成: {len(schedule)} 场对接, {slots} 个时段, 每单位至多 {max_meetings} 场, "
                      f"{covered}/{kinds['Enterprise']} 家企业有对接",
                      f"meetings planned by the pairing model: {len(schedule)} in {slots} slots, at most "
                      f"{max_meetings} each, {covered} of {kinds['Enterprise']} firms meet someone"))
    return schedule


def _add_schedule(view_graph: nx.MultiDiGraph, full: nx.MultiDiGraph, schedule: pd.DataFrame | None,
                  notes: list[Note]) -> None:
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


def _named_schedule(full: nx.MultiDiGraph, schedule: pd.DataFrame) -> pd.DataFrame:
    """The meetings with the names of both sides (for agendas): ``slot, enterprise_id, enterprise_name,
    partner_id, partner_name``."""
    frame = schedule[["slot", "enterprise_id", "partner_id"]].copy()
    frame["enterprise_name"] = [str(full.nodes[n].get("name", n)) for n in frame["enterprise_id"]]
    frame["partner_name"] = [str(full.nodes[n].get("name", n)) for n in frame["partner_id"]]
    return frame[["slot", "enterprise_id", "enterprise_name", "partner_id", "partner_name"]].reset_index(drop=True)


def _pagerank(graph: nx.MultiDiGraph) -> dict[Any, float]:
    nodes = list(graph.nodes)
    if not nodes:
        return {}
    igraph_graph = _to_igraph(nodes, graph.edges())
    scores = igraph_graph.pagerank(directed=False)
    return {node: float(score) for node, score in zip(nodes, scores, strict=True)}


def _talent_counts(graph: nx.MultiDiGraph) -> dict[Any, int]:
    """Talents employed by / affiliated with / seconded to each organisation (distinct people)."""
    people: dict[Any, set[Any]] = defaultdict(set)
    for s, t, attrs in graph.edges(data=True):
        if _edge_type(attrs) in _TALENT_TYPES:
            if _kind(graph, t) == "Talent" and _kind(graph, s) != "Talent":
                people[s].add(t)
            elif _kind(graph, s) == "Talent" and _kind(graph, t) != "Talent":
                people[t].add(s)
    return {n: len(p) for n, p in people.items()}


def strongest_ties(aggregated: nx.Graph, *, per_node: int = 2, most: int | None = None) -> tuple[int, list[tuple]]:
    """The ties between super-nodes worth drawing: the strongest overall, and each group's strongest.

    A tie is drawn when it carries at least ``threshold`` relationships, the weight of the
    ``most``-th strongest tie (default twice the number of groups), or when it is one of the
    ``per_node`` strongest ties of either end (so no group is left floating).

    Returns
    -------
    threshold : int
        The weight from which every tie is drawn (shown in the legend).
    ties : list of (source, target, weight)
        The ties drawn, strongest first.

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_weighted_edges_from([("a", "b", 9), ("b", "c", 1), ("a", "c", 5), ("c", "d", 1)])
    >>> strongest_ties(g, per_node=1, most=1)
    (9, [('a', 'b', 9), ('a', 'c', 5), ('c', 'd', 1)])
    """
    edges = sorted(((s, t, int(w)) for s, t, w in aggregated.edges(data="weight", default=1)),
                   key=lambda e: (-e[2], str(e[0]), str(e[1])))
    if not edges:
        return 0, []
    most = max(2 * aggregated.number_of_nodes(), 1) if most is None else most
    threshold = edges[min(most, len(edges)) - 1][2]
    keep = {(s, t) for s, t, w in edges if w >= threshold and len([e for e in edges if e[2] >= threshold]) <= most}
    if not keep:  # ties at the threshold are too many: draw those strictly above it
        threshold += 1
        keep = {(s, t) for s, t, w in edges if w >= threshold}
    for node in aggregated.nodes:
        own = [e for e in edges if node in (e[0], e[1])][:per_node]
        keep |= {(s, t) for s, t, _ in own}
    return threshold, [e for e in edges if (e[0], e[1]) in keep]


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
        command of its own map, empty for the pool), ``file`` (suggested file name) and
        ``member_ids`` (the nodes it stands for).  Edges
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
                            kinds=dict(Counter(_kind(graph, n) for n in nodes)), drilldown=drilldown, file=file_name,
                            member_ids=list(nodes))
        for n in nodes:
            group_of[n] = node_id
    if pooled:
        aggregated.add_node("small", label="其他 (小社区与非核心节点)", members=len(pooled), group="small",
                            top=[str(graph.nodes[n].get("name", n)) for n in pooled[:5]],
                            kinds=dict(Counter(_kind(graph, n) for n in pooled)), drilldown="", file="",
                            member_ids=list(pooled))
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



def group_view(graph: nx.MultiDiGraph, aggregated: nx.Graph, node: str) -> nx.MultiDiGraph:
    """The members of one super-node of :func:`aggregate_view` as a view of their own (PageRank recomputed).

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> for n, c in [("a", 0), ("b", 0), ("c", 0), ("d", 1), ("e", 1), ("f", 1)]:
    ...     g.add_node(n, kind="Enterprise", name=n, community=c, centrality=0.1)
    >>> sorted(group_view(g, aggregate_view(g), "community:1"))
    ['d', 'e', 'f']
    """
    attrs = aggregated.nodes[node]
    by = aggregated.graph.get("aggregated_by", "community")
    sub = nx.MultiDiGraph(graph.subgraph(attrs["member_ids"]))
    for member, value in _pagerank(sub).items():
        sub.nodes[member]["centrality"] = value
    sub.graph.update(graph.graph, view="community" if by == "community" else graph.graph.get("view"),
                     title=f"{graph.graph.get('title', '')} · {attrs['label']}")
    return sub
