"""Maps without a browser: views, filters, aggregation, escaping, CSP, offline check, exports, CLI."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from collections import Counter
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.views import (
    COLLABORATION_KINDS,
    PROPOSED_MEETING,
    RECOMMENDED,
    aggregate_view,
    build_view,
    collaboration_communities,
)
from api.cli import cli
from api.render.maps import MapRenderError, check_offline, export_view, render_map, render_view
from graph.errors import InvalidArgumentError, NotFoundError, SchemaError
from graph.schema import TIERS
from graph.sqlite_store import SQLiteStore

HOSTILE = '<img src=x onerror="window.__xss=1">'
TOWNS = ("丁蜀镇", "和桥镇", "官林镇", "高塍镇")


def network(firms: int = 60, universities: int = 6, seed: int = 7) -> nx.MultiDiGraph:
    """Firms in clusters around universities, a fund, an agency, talents and one event."""
    rng = random.Random(seed)
    graph = nx.MultiDiGraph()
    for i in range(universities):
        graph.add_node(f"u{i}", kind="University", name=f"第{i}大学")
    for i in range(firms):
        graph.add_node(f"e{i}", kind="Enterprise", name=f"宜兴{i}号科技有限公司", tier=TIERS[i % len(TIERS)],
                       town=TOWNS[i % len(TOWNS)], industry="新材料" if i % 2 else "环保装备")
        home = i % universities
        graph.add_edge(f"e{i}", f"u{home}", type="COLLABORATES_WITH")
        if rng.random() < 0.3:
            graph.add_edge(f"e{i}", f"u{rng.randrange(universities)}", type="COLLABORATES_WITH")
    graph.nodes["e0"]["name"] = HOSTILE
    graph.add_node("f0", kind="Fund", name="新动能产业基金")
    graph.add_edge("f0", "e1", type="INVESTS_IN")
    graph.add_node("s0", kind="ServiceAgency", name="知识产权服务中心")
    graph.add_edge("s0", "e2", type="SERVES")
    graph.add_node("t0", kind="Talent", name="张专家")
    graph.add_edge("t0", "u0", type="AFFILIATED_WITH")
    graph.add_node("town:丁蜀镇", kind="Town", name="丁蜀镇")
    graph.add_edge("e0", "town:丁蜀镇", type="LOCATED_IN")
    graph.add_node("ev1", kind="Event", name="产学研对接会")
    for node in ("e1", "e2", "e3", "u0", "u1"):
        graph.add_edge(node, "ev1", type="ATTENDED")
    return graph


@pytest.fixture
def graph() -> nx.MultiDiGraph:
    return network()


def page_data(page: str) -> dict:
    block = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert block is not None
    return json.loads(block.group(1))


# ---- views -----------------------------------------------------------------------------------


def test_ecosystem_holds_the_core_kinds_and_annotations(graph: nx.MultiDiGraph) -> None:
    view = build_view(graph, "ecosystem")
    assert {k for _, k in view.nodes(data="kind")} == set(COLLABORATION_KINDS)
    assert "ev1" not in view and "town:丁蜀镇" not in view
    assert view.nodes["e0"]["town"] == "丁蜀镇"
    assert view.nodes["u0"]["partners"] == len(set(nx.all_neighbors(graph, "u0")) - {"ev1"})
    assert abs(sum(c for _, c in view.nodes(data="centrality")) - 1.0) < 1e-6
    assert view.graph["view"] == "ecosystem" and view.graph["filters"] == {}


def test_filters_keep_matching_firms_and_their_partners(graph: nx.MultiDiGraph) -> None:
    view = build_view(graph, "ecosystem", tier="高企", town="和桥镇")
    firms = [n for n, k in view.nodes(data="kind") if k == "Enterprise"]
    assert firms and all(view.nodes[n]["tier"] == "高新技术企业" and view.nodes[n]["town"] == "和桥镇" for n in firms)
    expected = {n for n in graph if graph.nodes[n].get("kind") == "Enterprise"
                and graph.nodes[n]["tier"] == "高新技术企业" and graph.nodes[n]["town"] == "和桥镇"}
    assert set(firms) == expected
    others = set(view) - set(firms)
    assert all(any(m in expected for m in nx.all_neighbors(graph, n)) for n in others)


def test_unknown_filter_values_and_views_are_named(graph: nx.MultiDiGraph) -> None:
    with pytest.raises(NotFoundError, match="火星镇"):
        build_view(graph, "ecosystem", town="火星镇")
    with pytest.raises(InvalidArgumentError, match="galaxy"):
        build_view(graph, "galaxy")
    with pytest.raises(SchemaError, match="tier"):
        build_view(graph, "ecosystem", tier="独角兽之王")
    with pytest.raises(InvalidArgumentError, match="community=N"):
        build_view(graph, "community")
    with pytest.raises(NotFoundError, match="999"):
        build_view(graph, "community", community=999)
    with pytest.raises(NotFoundError, match="nobody"):
        build_view(graph, "ego", id="nobody")
    with pytest.raises(SchemaError, match="not an Event"):
        build_view(graph, "event", id="e1")


def test_community_view_is_one_leiden_community(graph: nx.MultiDiGraph) -> None:
    communities = collaboration_communities(graph)
    assert communities["community"].min() == 0
    sizes = communities.groupby("community").size()
    assert sizes.is_monotonic_decreasing
    members = set(communities.loc[communities["community"] == 1, "id"])
    view = build_view(graph, "community", community=1)
    assert set(view) == members
    assert collaboration_communities(graph).equals(communities)  # seeded: the same numbering twice


def test_ego_view_draws_partners_and_recommendations(graph: nx.MultiDiGraph) -> None:
    recommendations = pd.DataFrame({"id": ["u3", "u4"], "score": [0.9, 0.5], "explanation": ["同产业 <b>", "近"]})
    view = build_view(graph, "ego", id="e1", recommendations=recommendations)
    assert view.nodes["e1"]["role"] == "centre"
    assert {"u1", "f0", "ev1"} <= set(view)  # partners of every kind except facts
    recommended = [(t, d) for _, t, d in view.out_edges("e1", data=True) if d["type"] == RECOMMENDED]
    assert [t for t, _ in recommended] == ["u3", "u4"] and recommended[0][1]["score"] == 0.9
    page = render_view(view)
    assert "同产业 <b>" not in page and "同产业 \\u003cb\\u003e" in page
    data = page_data(page)
    assert any(data["edgeTypes"][e[2]]["type"] == RECOMMENDED and data["edgeTypes"][e[2]]["dashed"]
               for e in data["groups"]["all"]["edges"])
    with pytest.raises(SchemaError, match="explanation"):
        build_view(graph, "ego", id="e1", recommendations=pd.DataFrame({"id": ["u3"], "score": [1.0]}))


def test_ego_view_without_a_recommender_says_so(graph: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    import analysis.pairing
    from graph.errors import InsufficientDataError

    def cannot_fit(self, *args, **kwargs):
        raise InsufficientDataError("no dated links to learn from")

    monkeypatch.setattr(analysis.pairing.PairingRecommender, "fit", cannot_fit)  # too little history
    view = build_view(graph, "ego", id="e5")
    assert not any(d["type"] == RECOMMENDED for _, _, d in view.edges(data=True))
    assert "no recommendations drawn" in str(view.graph["notes"][0])
    assert view.graph["notes"][0].en in render_view(view)


def test_event_view_draws_attendees_and_proposed_meetings(graph: nx.MultiDiGraph) -> None:
    schedule = pd.DataFrame({"enterprise_id": ["e1", "e2"], "partner_id": ["u0", "u1"], "slot": [1, 2],
                             "score": [0.7, 0.4]})
    view = build_view(graph, "event", id="ev1", schedule=schedule)
    assert set(view) == {"ev1", "e1", "e2", "e3", "u0", "u1"}
    meetings = sorted((s, t, d["slot"]) for s, t, d in view.edges(data=True) if d["type"] == PROPOSED_MEETING)
    assert meetings == [("e1", "u0", "1"), ("e2", "u1", "2")]
    assert build_view(graph, "event", id="ev1").graph["notes"]  # no schedule: the legend says so
    with pytest.raises(NotFoundError, match="ghost"):
        build_view(graph, "event", id="ev1", schedule=pd.DataFrame({"enterprise_id": ["ghost"],
                                                                    "partner_id": ["u0"], "slot": [1]}))


def test_build_view_reads_a_store(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "m.db")
    try:
        store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲", "tier": "高企"}])
        store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
        store.upsert_relationships("COLLABORATES_WITH", [{"source": "e1", "target": "u1", "year": 2021}])
        view = build_view(store, "ecosystem")
    finally:
        store.close()
    assert sorted(view) == ["e1", "u1"] and view.nodes["e1"]["tier"] == "高新技术企业"


# ---- rendering -------------------------------------------------------------------------------


def test_page_escapes_data_and_carries_a_hash_csp(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "map.html"
    page = render_map(graph, "ecosystem", out=out, title=HOSTILE)
    assert out.read_bytes().decode("utf-8") == page
    assert "<img" not in page.lower()
    assert "&lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;" in page  # the title, escaped
    assert "宜兴1号科技有限公司" in page  # Chinese kept as UTF-8, not \\u escapes
    data = page_data(page)
    assert len(data["groups"]["all"]["nodes"]) == build_view(graph).number_of_nodes()
    assert HOSTILE in [n["label"] for n in data["groups"]["all"]["nodes"]]  # the name survives intact, as data
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    for body in re.findall(r"<script>(.*?)</script>", page, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_check_offline_flags_loads_not_text() -> None:
    check_offline('<p>src="//x" and https://example.org in text</p><a href="community_1.html">c</a>')
    check_offline('<style>.a { background: url("data:image/png;base64,AA") }</style>')
    for bad in ('<script src="https://cdn.example/vis.js"></script>', '<img src="//evil.example/x.png">',
                '<link rel="stylesheet" href="x.css">', '<style>@import "https://x/y.css";</style>',
                '<div style="background:url(//x/y.png)"></div>',
                '<meta http-equiv="refresh" content="0; url=https://x">', '<a href="http://x">x</a>'):
        with pytest.raises(MapRenderError):
            check_offline(bad)


def test_big_views_are_aggregated_with_their_groups_in_the_same_file(tmp_path: Path) -> None:
    graph = network(firms=120, universities=8)
    view = build_view(graph, "ecosystem")
    aggregated = aggregate_view(view)
    assert sum(m for _, m in aggregated.nodes(data="members")) == view.number_of_nodes()
    page = render_view(view, max_nodes=50, out=tmp_path / "eco.html")
    data = page_data(page)
    assert data["start"] == "overview" and len(data["overview"]["nodes"]) == aggregated.number_of_nodes()
    assert set(data["groups"]) == set(aggregated.nodes)  # every super-node opens in place
    assert sorted(n["id"] for g in data["groups"].values() for n in g["nodes"]) == sorted(map(str, view.nodes))
    assert len(data["groups"]["community:0"]["nodes"]) == aggregated.nodes["community:0"]["members"]
    threshold = data["overview"]["threshold"]
    assert f"≥ {threshold}" in page and data["overview"]["drawn"] <= aggregated.number_of_edges()
    assert list(tmp_path.iterdir()) == [tmp_path / "eco.html"]  # one file


def test_city_view_draws_every_organisation_on_one_canvas_page(tmp_path: Path) -> None:
    graph = network(firms=120, universities=8)
    view = build_view(graph, "city")
    assert "t0" not in view and {k for _, k in view.nodes(data="kind")} <= {"Enterprise", "University", "Fund",
                                                                           "ServiceAgency"}
    page = render_view(view, out=tmp_path / "city.html", max_nodes=10)  # max_nodes does not aggregate the city
    check_offline(page)
    data = page_data(page)
    city = data["city"]
    assert data["view"] == "city" and "vis.Network" not in page and "overview" not in data
    assert sorted(city["ids"]) == sorted(map(str, view.nodes))
    assert city["tal"][city["ids"].index("u0")] == 1  # the talent is counted on its university
    pairs = {frozenset((s, t)) for s, t in view.edges() if s != t}
    assert len(city["edges"]) == 2 * len(pairs)
    assert {frozenset((city["ids"][a], city["ids"][b])) for a, b in zip(city["edges"][::2], city["edges"][1::2],
                                                                         strict=True)} == pairs
    # positions: every node placed, no two in the same spot, each community inside its own disc
    points = list(zip(city["x"], city["y"], strict=True))
    assert len(set(points)) == len(points)
    discs = [g for g in city["groups"] if g["id"] >= 0]
    for g in discs:
        members = [i for i, c in enumerate(city["com"]) if c == g["id"]]
        assert all(((city["x"][i] - g["x"]) ** 2 + (city["y"][i] - g["y"]) ** 2) ** 0.5 <= g["r"] + 1 for i in members)
    for a in discs:
        for b in discs:
            if a is not b:
                assert ((a["x"] - b["x"]) ** 2 + (a["y"] - b["y"]) ** 2) ** 0.5 >= a["r"] + b["r"] - 1
    assert "worker-src blob:" in page  # the full pictures are drawn by a worker made from the page's own text
    assert HOSTILE not in page  # e0's name travels as JSON, escaped
    assert list(tmp_path.iterdir()) == [tmp_path / "city.html"]


def test_strongest_ties_keep_each_groups_best() -> None:
    from analysis.views import strongest_ties

    g = nx.Graph()
    g.add_weighted_edges_from([("a", "b", 30), ("a", "c", 20), ("b", "c", 10), ("c", "d", 2), ("d", "e", 1), ("a", "e", 1)])
    threshold, ties = strongest_ties(g, per_node=1, most=2)
    assert threshold == 20 and ("a", "b", 30) in ties and ("a", "c", 20) in ties
    assert ("c", "d", 2) in ties and {n for s, t, _ in ties for n in (s, t)} == set("abcde")  # nobody floats
    assert ("b", "c", 10) not in ties


def test_talents_are_folded_into_counts_in_the_ecosystem(graph: nx.MultiDiGraph) -> None:
    view = build_view(graph, "ecosystem")
    assert view.nodes["u0"]["talents"] == 1 and view.nodes["e1"]["talents"] == 0
    data = page_data(render_view(view))
    assert data["foldTalents"] and "t0" in [n["id"] for n in data["groups"]["all"]["nodes"]]
    assert not page_data(render_view(build_view(graph, "ego", id="u0",
                                                recommendations=pd.DataFrame(columns=["id", "score", "explanation"]))))[
        "foldTalents"]


def test_aggregate_counts_ties_between_groups() -> None:
    graph = nx.MultiDiGraph()
    for node, community in [("a", 0), ("b", 0), ("c", 0), ("d", 1), ("e", 1), ("f", 1), ("g", 2), ("h", -1)]:
        graph.add_node(node, kind="Enterprise", community=community, centrality=0.1, town="丁蜀镇" if node < "d" else "和桥镇")
    graph.add_edges_from([("a", "d"), ("b", "e"), ("a", "b"), ("g", "a")])
    aggregated = aggregate_view(graph)
    assert aggregated.edges["community:0", "community:1"]["weight"] == 2
    assert aggregated.nodes["small"]["members"] == 2  # community 2 (one member) and the non-core node
    towns = aggregate_view(graph, by="town")
    assert sorted(towns.nodes(data="members")) == [("town:丁蜀镇", 3), ("town:和桥镇", 5)]
    with pytest.raises(SchemaError):
        aggregate_view(graph, by="colour")


def test_exports_hold_the_same_subgraph(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    view = build_view(graph, "ecosystem", industry="新材料")
    written = export_view(view, gexf=tmp_path / "v.gexf", graphml=tmp_path / "v.graphml")
    assert [p.name for p in written] == ["v.gexf", "v.graphml"]
    for path, reader in ((written[0], nx.read_gexf), (written[1], nx.read_graphml)):
        back = reader(path)
        assert set(back.nodes) == set(view.nodes)
        assert back.number_of_edges() == view.number_of_edges()
    back = nx.read_graphml(written[1])
    assert back.nodes["e1"]["community"] == view.nodes["e1"]["community"]
    assert back.nodes["e1"]["tier"] == view.nodes["e1"]["tier"]


# ---- CLI ---------------------------------------------------------------------------------------


def test_map_command_writes_html_and_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "cli.db"
    store = SQLiteStore(database)
    try:
        store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲科技", "tier": "高企", "town": "丁蜀镇"},
                                          {"id": "e2", "name": HOSTILE, "town": "丁蜀镇"}])
        store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
        store.upsert_relationships("COLLABORATES_WITH", [{"source": "e1", "target": "u1"},
                                                         {"source": "e2", "target": "u1"}])
    finally:
        store.close()
    monkeypatch.setenv("INNONET_DB", str(database))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    runner = CliRunner()
    out = tmp_path / "m.html"
    result = runner.invoke(cli, ["map", "--view", "ego", "--id", "甲科技", "--out", str(out),
                                 "--gexf", str(tmp_path / "m.gexf")])
    assert result.exit_code == 0, result.output
    assert out.is_file() and (tmp_path / "m.gexf").is_file()
    assert "3 nodes" not in result.output or "interactive" in result.output
    result = runner.invoke(cli, ["map", "--view", "community", "--community", "42", "--out", str(out)])
    assert result.exit_code == 2 and "community 42" in result.output


# ---- event view: meetings planned from the pairing model ------------------------------------


TOPICS = (["膜材料", "水处理"], ["电线电缆", "高压输电"], ["紫砂陶瓷", "釉料"])


def dated_network(seed: int = 5) -> nx.MultiDiGraph:
    """Firms that work with universities of their own topic year by year, and one 对接会 with 8 firms and 3 institutes."""
    rng = random.Random(seed)
    graph = nx.MultiDiGraph()
    for j in range(9):
        graph.add_node(f"u{j}", kind="University", name=f"第{j}研究院", keywords=TOPICS[j % 3])
    for i in range(90):
        graph.add_node(f"e{i}", kind="Enterprise", name=f"宜兴{i}号科技有限公司", keywords=[TOPICS[i % 3][0]],
                       town=TOWNS[i % len(TOWNS)], industry="新材料", founded="2010-01-01")
    for year in range(2014, 2023):
        for i in rng.sample(range(90), 25):
            same = [j for j in range(9) if j % 3 == i % 3]
            j = rng.choice(same) if rng.random() < 0.85 else rng.randrange(9)
            graph.add_edge(f"e{i}", f"u{j}", key=f"COLLABORATES_WITH:{year}", type="COLLABORATES_WITH", year=year)
    graph.add_node("ev9", kind="Event", name="2023年新材料产学研对接会", year=2023)
    for node in [f"e{i}" for i in range(8)] + ["u0", "u1", "u2"]:
        graph.add_edge(node, "ev9", type="ATTENDED", year=2023)
    return graph


@pytest.fixture(scope="module")
def dated() -> nx.MultiDiGraph:
    return dated_network()


def test_event_view_plans_the_meetings_itself(dated: nx.MultiDiGraph) -> None:
    view = build_view(dated, "event", id="ev9", slots=3, max_meetings=3)
    meetings = [(s, t, d) for s, t, d in view.edges(data=True) if d["type"] == PROPOSED_MEETING]
    firms = {f"e{i}" for i in range(8)}
    assert meetings and all(s in firms and t in {"u0", "u1", "u2"} for s, t, _ in meetings)
    assert all(d["slot"] in {"1", "2", "3"} and 0 < d["score"] <= 1 and "Why:" in d["explanation"]
               for _, _, d in meetings)
    # nobody double-booked, nobody over capacity; no pair below the median score is booked, so
    # a firm whose every match is poor may go without a meeting
    booked = [(n, d["slot"]) for s, t, d in meetings for n in (s, t)]
    assert len(booked) == len(set(booked))
    assert max(Counter(n for s, t, _ in meetings for n in (s, t)).values()) <= 3
    assert len({s for s, _, _ in meetings}) >= 4
    assert set(view) == {"ev9"} | firms | {"u0", "u1", "u2"}
    assert any("planned by the pairing model" in note.en for note in view.graph["notes"])
    # one slot, one meeting each: at most 3 meetings (one per institute)
    tight = build_view(dated, "event", id="ev9", slots=1, max_meetings=1)
    assert 1 <= sum(d["type"] == PROPOSED_MEETING for _, _, d in tight.edges(data=True)) <= 3


def test_event_view_reuses_a_fitted_recommender_and_keeps_a_given_schedule(dated: nx.MultiDiGraph) -> None:
    from analysis.pairing import PairingRecommender

    recommender = PairingRecommender().fit(dated)
    planned = build_view(dated, "event", id="ev9", recommender=recommender)
    again = build_view(dated, "event", id="ev9")
    edges = sorted((s, t, d["slot"]) for s, t, d in planned.edges(data=True) if d["type"] == PROPOSED_MEETING)
    assert edges and edges == sorted((s, t, d["slot"]) for s, t, d in again.edges(data=True)
                                     if d["type"] == PROPOSED_MEETING)
    given = pd.DataFrame({"enterprise_id": ["e1"], "partner_id": ["u2"], "slot": [4]})
    view = build_view(dated, "event", id="ev9", schedule=given)
    assert [(s, t, d["slot"]) for s, t, d in view.edges(data=True) if d["type"] == PROPOSED_MEETING] == [
        ("e1", "u2", "4")]
    with pytest.raises(InvalidArgumentError, match="schedule"):
        build_view(dated, "event", id="ev9", schedule=given, slots=2)
    with pytest.raises(InvalidArgumentError, match="at least 1"):
        build_view(dated, "event", id="ev9", slots=0)


def test_event_view_without_partners_says_why(dated: nx.MultiDiGraph) -> None:
    graph = dated.copy()
    graph.add_node("ev8", kind="Event", name="企业沙龙", year=2023)
    for node in ("e1", "e2"):
        graph.add_edge(node, "ev8", type="ATTENDED", year=2023)
    view = build_view(graph, "event", id="ev8")  # firms only: nobody to meet
    assert set(view) == {"ev8", "e1", "e2"}
    assert not any(d["type"] == PROPOSED_MEETING for _, _, d in view.edges(data=True))
    assert any("no meetings planned" in note.en for note in view.graph["notes"])


def test_map_command_plans_event_meetings(dated: nx.MultiDiGraph, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "event.db"
    store = SQLiteStore(database)
    try:
        for kind in ("Enterprise", "University", "Event"):
            store.upsert_nodes(kind, [{"id": n, **{k: v for k, v in a.items() if k != "kind"}}
                                      for n, a in dated.nodes(data=True) if a["kind"] == kind])
        for rel_type in ("COLLABORATES_WITH", "ATTENDED"):
            store.upsert_relationships(rel_type, [{"source": s, "target": t, "key": str(a["year"]), "year": a["year"]}
                                                  for s, t, a in dated.edges(data=True) if a["type"] == rel_type])
    finally:
        store.close()
    monkeypatch.setenv("INNONET_DB", str(database))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    runner = CliRunner()
    out = tmp_path / "event.html"
    result = runner.invoke(cli, ["map", "--view", "event", "--id", "ev9", "--slots", "2", "--max-meetings", "2",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "planned by the pairing model" in result.output and "in 2 slots" in result.output
    drawn = page_data(out.read_text(encoding="utf-8"))
    assert "PROPOSED_MEETING" in json.dumps(drawn, ensure_ascii=False)
    schedule = tmp_path / "s.csv"
    schedule.write_text("企业编号,对接方编号,时段\ne3,u1,1\n", encoding="utf-8")
    result = runner.invoke(cli, ["map", "--view", "event", "--id", "ev9", "--schedule", str(schedule),
                                 "--out", str(out)])
    assert result.exit_code == 0 and "planned" not in result.output, result.output
    result = runner.invoke(cli, ["map", "--view", "event", "--id", "ev9", "--schedule", str(schedule),
                                 "--slots", "3", "--out", str(out)])
    assert result.exit_code == 2 and "--slots" in result.output
