"""Network maps event planners can take anywhere: one self-contained, offline HTML file per view.

The renderer draws what it is given: :func:`analysis.views.build_view` chooses the nodes, the
communities, the recommendations and the meetings; :func:`render_view` draws such a view.

The whole-city view (``city``: every organisation, about 9,000 at city scale) is drawn by its own
page (``templates/city.html.j2``): positions are computed here (each community laid out on its
own with igraph's Fruchterman–Reingold, the communities packed as discs), and the browser draws
them on a plain 2D canvas that reuses its last picture while it is zoomed or panned and redraws
fully when the interaction stops; it never runs physics.

:func:`render_view` lays the view out with igraph (physics off, so the page is usable at once)
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
>>> html = render_map(g, "ecosystem", title="<b>demo</b>")
>>> "&lt;b&gt;demo&lt;/b&gt;" in html and "<b>demo</b>" not in html
True
"""

from __future__ import annotations

import base64
import hashlib
import html.parser
import importlib.util
import math
import os
import random
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import igraph as ig
import jinja2
import networkx as nx

from analysis.views import (
    MAX_INTERACTIVE_NODES,
    PROPOSED_MEETING,
    RECOMMENDED,
    TALENTS_FOLDED,
    Note,
    aggregate_view,
    build_view,
    group_view,
    strongest_ties,
)
from graph.errors import InnonetError
from graph.export import export_graph
from graph.schema import KINDS, RELATIONSHIP_TYPES, TIERS
from graph.store import GraphStore

__all__ = [
    "MAX_CITY_NODES",
    "MapRenderError",
    "check_offline",
    "export_view",
    "render_map",
    "render_view",
]

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


#: Above this many organisations the whole-city view is drawn aggregated too (the page would pass 30 MB).
MAX_CITY_NODES = 60_000

_CITY_SPACING = 24.0  # world units between neighbouring nodes of the whole-city view


class MapRenderError(InnonetError, RuntimeError):
    """A map that would not work offline or safely (a remote URL in the page, a broken asset)."""



# ---------------------------------------------------------------------------------------------
# layout and payload


def _kind(graph: nx.Graph, node: Any) -> str:
    return str(graph.nodes[node].get("kind", ""))


def _edge_type(attrs: dict[str, Any]) -> str:
    return str(attrs.get("type", ""))


def _to_igraph(nodes: list[Any], edges: Iterable[tuple[Any, Any]]) -> ig.Graph:
    index = {node: i for i, node in enumerate(nodes)}
    pairs = {(min(index[s], index[t]), max(index[s], index[t])) for s, t in edges if s != t}
    return ig.Graph(n=len(nodes), edges=sorted(pairs), directed=False)


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
    if attrs.get("talents"):
        lines.append(f"人才 talents: {attrs['talents']}")
    if attrs.get("community", -1) >= 0:
        lines.append(f"社区 community: {attrs['community']}")
    lines.append(f"中心度 centrality: {float(attrs.get('centrality', 0.0)):.4f}")
    if attrs.get("role") == "recommended":
        lines.append("推荐合作伙伴 recommended partner")
    lines.append(f"id: {node}")
    return lines


class _EdgeTypes:
    """One numbering of the edge types across every group of a page."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, rel_type: str) -> int:
        return self.index.setdefault(rel_type, len(self.index))

    def legend(self) -> list[dict[str, Any]]:
        return [{"type": t, "label": _type_zh(t), "color": _EDGE_COLOURS.get(t, "#bbbbbb"), "dashed": t in _DASHED}
                for t in self.index]


def _group_positions(graph: nx.MultiDiGraph, nodes: list[Any], seed: int, fold: bool) -> dict[Any, tuple[float, float]]:
    """Organisations laid out by their ties; with ``fold`` talents sit in a ring around their organisation."""
    if not fold:
        return _layout(nodes, graph.edges(), seed)
    talents = [n for n in nodes if _kind(graph, n) == "Talent"]
    talent_set = set(talents)
    orgs = [n for n in nodes if n not in talent_set]
    positions = _layout(orgs, [(s, t) for s, t in graph.edges() if s not in talent_set and t not in talent_set], seed)
    around: dict[Any, list[Any]] = {}
    loose: list[Any] = []
    for talent in talents:
        homes = [m for m in nx.all_neighbors(graph, talent) if m in positions]
        if homes:
            around.setdefault(homes[0], []).append(talent)
        else:
            loose.append(talent)
    for home, people in around.items():
        hx, hy = positions[home]
        radius = 28.0 + 4.0 * len(people) ** 0.5
        for k, person in enumerate(people):
            angle = 2 * math.pi * k / len(people)
            positions[person] = (round(hx + radius * math.cos(angle), 1), round(hy + radius * math.sin(angle), 1))
    if loose:
        bottom = max((y for _, y in positions.values()), default=0.0) + 90.0
        left = min((x for x, _ in positions.values()), default=0.0)
        for k, person in enumerate(loose):
            row, column = divmod(k, 40)
            positions[person] = (round(left + column * 30.0, 1), round(bottom + row * 30.0, 1))
    return positions


def _group_payload(graph: nx.MultiDiGraph, seed: int, fold: bool, types: _EdgeTypes) -> dict[str, Any]:
    """Nodes (with positions, sizes, tooltips) and edges of one drawable group."""
    nodes = list(graph.nodes)
    positions = _group_positions(graph, nodes, seed, fold)
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
            "talents": int(attrs.get("talents", 0)), "imp": round(float(attrs.get("centrality", 0.0)), 6),
            "tip": _tooltip(node, attrs),
        })
    payload_edges = []
    seen: set[tuple[str, str, str]] = set()
    for source, target, attrs in graph.edges(data=True):
        rel_type = _edge_type(attrs)
        pair = (str(source), str(target), rel_type)
        if pair in seen and rel_type not in _DASHED:
            continue  # one line per pair and type (REACHED_TIER-like histories are not drawn twice)
        seen.add(pair)
        edge: list[Any] = [str(source), str(target), types(rel_type)]
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
    return {"nodes": payload_nodes, "edges": payload_edges}


def _overview_payload(aggregated: nx.Graph, seed: int) -> dict[str, Any]:
    """Super-nodes and the strongest ties between them (:func:`analysis.views.strongest_ties`)."""
    nodes = list(aggregated.nodes)
    threshold, ties = strongest_ties(aggregated)
    positions = _layout(nodes, [(s, t) for s, t, _ in ties], seed, spacing=260.0)
    sizes = _sizes({n: float(aggregated.nodes[n]["members"]) for n in nodes}, 12.0, 60.0)
    payload_nodes = []
    for i, node in enumerate(nodes):
        attrs = aggregated.nodes[node]
        x, y = positions[node]
        kinds = ", ".join(f"{_kind_zh(k)} {n}" for k, n in sorted(attrs["kinds"].items(), key=lambda kv: -kv[1]))
        tip = [str(attrs["label"]), f"成员 members: {attrs['members']}", kinds,
               "核心成员 top: " + "、".join(attrs["top"]), "点击查看成员 / click to open its members"]
        payload_nodes.append({
            "id": str(node), "label": f"{attrs['label']} ({attrs['members']})", "name": str(attrs["label"]),
            "x": x, "y": y, "size": sizes[node], "members": int(attrs["members"]),
            "color": "#bdbdbd" if node == "small" else _GROUP_PALETTE[i % len(_GROUP_PALETTE)],
            "shape": "dot", "kind": "group", "imp": float(attrs["members"]), "tip": tip,
        })
    widths = _sizes({(s, t): float(w) for s, t, w in ties}, 1.0, 12.0)
    payload_edges = [[str(s), str(t), int(w), widths[(s, t)]] for s, t, w in ties]
    return {"nodes": payload_nodes, "edges": payload_edges, "threshold": threshold, "drawn": len(ties),
            "ties": aggregated.number_of_edges(), "by": aggregated.graph.get("aggregated_by", "community")}


# ---------------------------------------------------------------------------------------------
# the whole city at once


def _seeded_layout(graph: ig.Graph, seed: int, **kwargs: Any) -> list[tuple[float, float]]:
    ig.set_random_number_generator(random.Random(seed))
    try:
        return [(float(x), float(y)) for x, y in graph.layout_fruchterman_reingold(**kwargs)]
    finally:
        ig.set_random_number_generator(random)


def _disc(coords: list[tuple[float, float]], radius: float) -> list[tuple[float, float]]:
    """Coordinates centred on 0 and scaled so the farthest lies ``radius`` from the centre."""
    cx = sum(x for x, _ in coords) / len(coords)
    cy = sum(y for _, y in coords) / len(coords)
    far = max(math.hypot(x - cx, y - cy) for x, y in coords) or 1.0
    return [((x - cx) / far * radius, (y - cy) / far * radius) for x, y in coords]


def _pack(centres: list[tuple[float, float]], radii: list[float], gap: float) -> list[tuple[float, float]]:
    """Push discs apart until none overlaps (their layout's neighbourhoods kept as far as possible)."""
    import numpy as np

    points = np.asarray(centres, dtype=float)
    reach = np.asarray(radii, dtype=float) + gap / 2
    if len(points) < 2:
        return [(0.0, 0.0)] * len(points)
    points -= points.mean(axis=0)
    # start from the layout scaled so the discs' total area fits a circle about twice its size
    span = np.abs(points).max() or 1.0
    points *= math.sqrt(2.0 * float((reach ** 2).sum())) / span
    jitter = np.random.default_rng(0)
    for _ in range(400):
        delta = points[:, None, :] - points[None, :, :]
        distance = np.hypot(delta[..., 0], delta[..., 1])
        need = reach[:, None] + reach[None, :]
        overlap = need - distance
        np.fill_diagonal(overlap, 0.0)
        if overlap.max() <= 0.5:
            break
        overlap = np.clip(overlap, 0.0, None)
        same = distance < 1e-6
        np.fill_diagonal(same, False)
        if same.any():
            points += jitter.normal(0.0, 1.0, points.shape) * same.any(axis=1)[:, None]
            continue
        np.fill_diagonal(distance, 1.0)
        weight = reach ** 2
        share = weight[None, :] / (weight[:, None] + weight[None, :])  # the smaller disc moves more
        push = (delta / distance[..., None]) * (overlap * share)[..., None]
        points += push.sum(axis=1) * 0.6
    return [(float(x), float(y)) for x, y in points]


def _city_layout(graph: nx.MultiDiGraph, seed: int, spacing: float = _CITY_SPACING
                 ) -> tuple[dict[Any, tuple[float, float]], list[dict[str, Any]]]:
    """Positions of every node, each community laid out on its own and the communities packed as discs.

    Returns the positions (world units, about ``spacing`` between neighbours) and one entry per
    drawn cluster: ``community`` (-1 for the organisations without ties), ``members`` (node ids),
    ``x``, ``y`` (centre) and ``r`` (radius), biggest first.
    """
    nodes = list(graph.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    pairs = {(min(index[s], index[t]), max(index[s], index[t])) for s, t in graph.edges() if s != t}
    tied = {i for pair in pairs for i in pair}
    by_community: dict[int, list[Any]] = {}
    loose: list[Any] = []
    for node in nodes:
        community = int(graph.nodes[node].get("community", -1))
        if index[node] not in tied or community < 0:
            loose.append(node)
        else:
            by_community.setdefault(community, []).append(node)
    clusters = sorted(by_community.items(), key=lambda item: (-len(item[1]), item[0]))
    cluster_of = {node: k for k, (_, members) in enumerate(clusters) for node in members}
    local: list[list[tuple[float, float]]] = []
    radii: list[float] = []
    for _, members in clusters:
        radius = spacing * (0.6 * math.sqrt(len(members)) + 0.5)
        if len(members) == 1:
            local.append([(0.0, 0.0)])
        else:
            own = {node: i for i, node in enumerate(members)}
            edges = sorted({(min(own[s], own[t]), max(own[s], own[t])) for s, t in graph.subgraph(members).edges()
                            if s != t})
            sub = ig.Graph(n=len(members), edges=edges, directed=False)
            coords = _seeded_layout(sub, seed, niter=300, grid="auto" if len(members) > 1000 else "nogrid")
            local.append(_disc(coords, radius))
        radii.append(radius)
    between: Counter[tuple[int, int]] = Counter()
    for a, b in pairs:
        ka, kb = cluster_of.get(nodes[a]), cluster_of.get(nodes[b])
        if ka is not None and kb is not None and ka != kb:
            between[(min(ka, kb), max(ka, kb))] += 1
    if clusters:
        summary = ig.Graph(n=len(clusters), edges=list(between), directed=False)
        weights = [math.log1p(w) for w in between.values()] or None
        centres = _pack(_seeded_layout(summary, seed, niter=500, weights=weights), radii, gap=spacing * 2)
    else:
        centres = []
    positions: dict[Any, tuple[float, float]] = {}
    discs: list[dict[str, Any]] = []
    for (community, members), coords, (cx, cy), radius in zip(clusters, local, centres, radii, strict=True):
        for node, (x, y) in zip(members, coords, strict=True):
            positions[node] = (round(cx + x, 1), round(cy + y, 1))
        discs.append({"community": community, "members": members, "x": round(cx, 1), "y": round(cy, 1),
                      "r": round(radius, 1)})
    if loose:  # no ties: in rows under the drawing, sorted so a town's organisations sit together
        loose.sort(key=lambda n: (str(graph.nodes[n].get("town") or "~"), _kind(graph, n), str(n)))
        left = min((cx - r for (cx, _), r in zip(centres, radii, strict=True)), default=0.0)
        right = max((cx + r for (cx, _), r in zip(centres, radii, strict=True)), default=0.0)
        top = max((cy + r for (_, cy), r in zip(centres, radii, strict=True)), default=0.0) + spacing * 4
        per_row = max(int((right - left) // spacing), int(math.sqrt(len(loose))), 1)
        step = spacing * 0.8
        rows = math.ceil(len(loose) / per_row)
        for j, node in enumerate(loose):
            row, column = divmod(j, per_row)
            positions[node] = (round(left + column * step, 1), round(top + row * step, 1))
        width = (min(per_row, len(loose)) - 1) * step
        discs.append({"community": -1, "members": loose, "x": round(left + width / 2, 1),
                      "y": round(top + (rows - 1) * step / 2, 1), "r": round(max(width, (rows - 1) * step) / 2, 1)})
    return positions, discs


def _city_payload(graph: nx.MultiDiGraph, seed: int) -> dict[str, Any]:
    """The whole-city page's data: columns of numbers and names (compact), ties as index pairs."""
    positions, discs = _city_layout(graph, seed)
    nodes = [node for disc in discs for node in disc["members"]]  # cluster by cluster: search lists group them
    index = {node: i for i, node in enumerate(nodes)}
    palette: list[str] = []
    colour_index: dict[str, int] = {}

    def colour(value: str) -> int:
        if value not in colour_index:
            colour_index[value] = len(palette)
            palette.append(value)
        return colour_index[value]

    tables: dict[str, dict[str, int]] = {"town": {}, "tier": {}, "industry": {}, "kind": {}}

    def code(table: str, value: Any) -> int:
        if not value:
            return -1
        return tables[table].setdefault(str(value), len(tables[table]))

    sizes = _sizes({n: float(graph.nodes[n].get("centrality", 0.0)) for n in nodes}, 3.0, 16.0)
    disc_colour: dict[Any, int] = {}
    groups = []
    for k, disc in enumerate(discs):
        members = disc["members"]
        if disc["community"] < 0:
            hue = "#9e9e9e"
            label = f"无合作关系的机构 organisations without ties ({len(members)})"
        else:
            hue = _GROUP_PALETTE[k % len(_GROUP_PALETTE)]
            top = max(members, key=lambda n: float(graph.nodes[n].get("centrality", 0.0)))
            label = f"社区 {disc['community']} · {graph.nodes[top].get('name', top)} ({len(members)})"
        disc_colour.update(dict.fromkeys(members, colour(hue)))
        groups.append({"id": disc["community"], "label": label, "x": disc["x"], "y": disc["y"], "r": disc["r"],
                       "members": len(members), "color": hue})
    columns: dict[str, list[Any]] = {key: [] for key in ("ids", "names", "x", "y", "r", "cc", "ct", "kind", "town",
                                                         "tier", "industry", "com", "tal", "par", "imp")}
    for node in nodes:
        attrs = graph.nodes[node]
        hue, _ = _node_style(attrs)
        x, y = positions[node]
        community = int(attrs.get("community", -1))
        columns["ids"].append(str(node))
        columns["names"].append(str(attrs.get("name", node)))
        columns["x"].append(x)
        columns["y"].append(y)
        columns["r"].append(sizes[node])
        columns["cc"].append(disc_colour[node])
        columns["ct"].append(colour(hue))
        columns["kind"].append(code("kind", attrs.get("kind")))
        columns["town"].append(code("town", attrs.get("town")))
        columns["tier"].append(code("tier", attrs.get("tier")))
        columns["industry"].append(code("industry", attrs.get("industry")))
        columns["com"].append(community)
        columns["tal"].append(int(attrs.get("talents", 0)))
        columns["par"].append(int(attrs.get("partners", 0)))
        columns["imp"].append(round(float(attrs.get("centrality", 0.0)), 7))
    ties = sorted({(min(index[s], index[t]), max(index[s], index[t])) for s, t in graph.edges() if s != t})
    kinds = {name: _kind_zh(name) for name in tables["kind"]}
    return {
        **columns, "edges": [i for pair in ties for i in pair], "palette": palette, "groups": groups,
        "towns": list(tables["town"]), "tiers": list(tables["tier"]), "industries": list(tables["industry"]),
        "kinds": list(tables["kind"]), "kindNames": [kinds[k] for k in tables["kind"]],
        "shapes": [_KIND_STYLE.get(k, ("", "dot"))[1] for k in tables["kind"]],
    }


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


def _legend(graph: nx.MultiDiGraph, edge_types: list[dict[str, Any]]) -> dict[str, Any]:
    kinds = Counter(str(k) for _, k in graph.nodes(data="kind"))
    tiers = Counter(t for n, t in graph.nodes(data="tier") if _kind(graph, n) == "Enterprise")
    tier_items = [{"label": t, "color": _TIER_COLOURS[t], "count": tiers[t]} for t in TIERS if tiers.get(t)]
    untiered = sum(n for t, n in tiers.items() if t not in _TIER_COLOURS)
    if untiered:
        tier_items.append({"label": "无梯次 no tier", "color": _NO_TIER_COLOUR, "count": untiered})
    kind_items = [{"label": f"{_kind_zh(k)} {k}", "color": _KIND_STYLE.get(k, ("#bdbdbd", "dot"))[0],
                   "shape": _KIND_STYLE.get(k, ("#bdbdbd", "dot"))[1], "count": n}
                  for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]) if k != "Enterprise"]
    return {"tiers": tier_items, "kinds": kind_items, "edges": edge_types}


def _filter_options(groups: dict[str, dict[str, Any]]) -> dict[str, list[Any]]:
    options: dict[str, list[Any]] = {}
    every = [n for group in groups.values() for n in group["nodes"]]
    for field in ("tier", "town", "industry"):
        values = Counter(n[field] for n in every if n[field])
        if field == "tier":
            options[field] = [t for t in TIERS if t in values] + sorted(v for v in values if v not in TIERS)
        else:
            options[field] = [v for v, _ in values.most_common()]
    communities = Counter(n["community"] for n in every if n["community"] >= 0)
    options["community"] = sorted(communities)
    return options


def render_map(
    source: GraphStore | nx.Graph,
    view: str = "ecosystem",
    *,
    out: str | os.PathLike[str] | None = None,
    title: str | None = None,
    max_nodes: int = MAX_INTERACTIVE_NODES,
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
        Views with more nodes to draw (talents folded into their organisations count as none) are
        drawn aggregated (:func:`analysis.views.aggregate_view`: communities, or towns for the
        community view); clicking a super-node opens its members in the same page, with a way back.
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
    return render_view(graph, out=out, title=title, max_nodes=max_nodes, seed=seed)


def render_view(
    graph: nx.MultiDiGraph,
    *,
    out: str | os.PathLike[str] | None = None,
    title: str | None = None,
    max_nodes: int = MAX_INTERACTIVE_NODES,
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
    return _render_graph(graph, out=out, title=title, max_nodes=max_nodes, seed=seed)


def _render_graph(graph: nx.MultiDiGraph, *, out: Any, title: str | None, max_nodes: int, seed: int) -> str:
    notes = list(graph.graph.get("notes", []))
    view = str(graph.graph.get("view", ""))
    if view == "city":
        if graph.number_of_nodes() <= MAX_CITY_NODES:
            return _render_city(graph, out=out, title=title, seed=seed)
        notes.insert(0, Note("city_too_big", f"机构过多 ({graph.number_of_nodes()}), 全市视图改为聚合显示",
                             f"{graph.number_of_nodes()} organisations are too many for the whole-city view; "
                             "drawn aggregated"))
    fold = view in TALENTS_FOLDED
    types = _EdgeTypes()
    overview = None
    drawable = graph.number_of_nodes() - (sum(1 for n in graph if _kind(graph, n) == "Talent") if fold else 0)
    if drawable > max_nodes:
        by = "town" if view == "community" else "community"
        aggregated = aggregate_view(graph, by=by)
        overview = _overview_payload(aggregated, seed)
        groups = {str(node): {"label": str(attrs["label"]),
                              **_group_payload(group_view(graph, aggregated, node), seed, fold, types)}
                  for node, attrs in aggregated.nodes(data=True)}
        notes.insert(0, Note(
            "aggregated",
            f"共 {graph.number_of_nodes()} 个节点: 按{'社区' if by == 'community' else '镇街'}聚合为 "
            f"{aggregated.number_of_nodes()} 个超级节点 (大小 = 成员数), 点击查看成员",
            f"{graph.number_of_nodes()} nodes, aggregated by {by} (size = members); click one to open it"))
    else:
        groups = {"all": {"label": "", **_group_payload(graph, seed, fold, types)}}
    page_title = title if title is not None else str(graph.graph.get("title", "宜兴创新网络"))
    edge_types = types.legend()
    schedule = graph.graph.get("schedule")
    data = {
        "view": view, "title": page_title, "overview": overview, "groups": groups, "edgeTypes": edge_types,
        "start": "overview" if overview else "all", "foldTalents": fold,
        "fadeEdges": view in ("ecosystem", "community", "city"), "filters": _filter_options(groups),
        "legend": _legend(graph, edge_types), "notes": [str(n) for n in notes],
        "schedule": schedule.astype(str).to_dict(orient="records") if schedule is not None else [],
        "source": f"innonet · {view} · {graph.number_of_nodes()} 节点 nodes · {graph.number_of_edges()} 关系 ties",
    }
    talents = sum(1 for n in graph if _kind(graph, n) == "Talent")
    text = _environment().get_template("map.html.j2").render(
        title=page_title, csp_placeholder=_CSP_PLACEHOLDER, vis_js=_vis_assets()[0], vis_css=_vis_assets()[1],
        labels_js=_labels_js(), data=data, legend=data["legend"], notes=notes, overview=overview,
        aggregated=overview is not None, node_count=graph.number_of_nodes(), edge_count=graph.number_of_edges(),
        talents=talents if fold else 0, view=view,
    )
    return _write(_with_csp(text), out)


def _render_city(graph: nx.MultiDiGraph, *, out: Any, title: str | None, seed: int) -> str:
    """The whole-city page: every organisation on a 2D canvas (``templates/city.html.j2``)."""
    notes = list(graph.graph.get("notes", []))
    city = _city_payload(graph, seed)
    page_title = title if title is not None else str(graph.graph.get("title", "宜兴创新网络"))
    types = _EdgeTypes()
    for rel_type in sorted({_edge_type(a) for _, _, a in graph.edges(data=True)}):
        types(rel_type)
    legend = _legend(graph, types.legend())
    pairs = len(city["edges"]) // 2
    data = {
        "view": "city", "title": page_title, "city": city, "legend": legend, "notes": [str(n) for n in notes],
        "foldTalents": True, "schedule": [],
        "source": f"innonet · city · {graph.number_of_nodes()} 机构 organisations · {graph.number_of_edges()} 关系 ties",
    }
    text = _environment().get_template("city.html.j2").render(
        title=page_title, csp_placeholder=_CSP_PLACEHOLDER, labels_js=_labels_js(), draw_js=_city_draw_js(), data=data,
        legend=legend, notes=notes, node_count=graph.number_of_nodes(), tie_count=pairs,
        group_count=len(city["groups"]),
    )
    return _write(_with_csp(text, workers=True), out)


def _with_csp(text: str, *, workers: bool = False) -> str:
    """The page with its Content-Security-Policy: only its own scripts and styles (by hash).

    ``workers`` also allows workers made from the page's own text (``blob:``): the whole-city map
    draws in one.
    """
    scripts = [_csp_hash(body) for body in _SCRIPT_BLOCK.findall(text)]
    styles = [_csp_hash(body) for body in _STYLE_BLOCK.findall(text)]
    policy = (f"default-src 'none'; script-src {' '.join(scripts)}; style-src {' '.join(styles)}; "
              "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
              + ("; worker-src blob:" if workers else ""))
    text = text.replace(_CSP_PLACEHOLDER, policy, 1)
    check_offline(text)
    return text


def _write(text: str, out: Any) -> str:
    if out is not None:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return text


@lru_cache(maxsize=1)
def _city_draw_js() -> str:
    return (_TEMPLATE_DIR / "city_draw.js").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _labels_js() -> str:
    return (_TEMPLATE_DIR / "labels.js").read_text(encoding="utf-8")


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
    api.render.maps.MapRenderError: the map would load from the network: <script src=…>; ...
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
