"""Maps in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium), one per module."""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from analysis.views import build_view
from api.render.maps import render_view
from api.render.poster import paper_mm, png_size, render_poster
from graph.schema import TIERS

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.__xss=1">'
HOSTILE_TOWN = '<svg onload="window.__xss=2">'


def network(firms: int = 80, universities: int = 6, seed: int = 3) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    graph = nx.MultiDiGraph()
    for i in range(universities):
        graph.add_node(f"u{i}", kind="University", name=f"第{i}大学")
    for i in range(firms):
        graph.add_node(f"e{i}", kind="Enterprise", name=f"宜兴{i}号陶瓷科技有限公司", tier=TIERS[i % len(TIERS)],
                       town=("丁蜀镇", "和桥镇", HOSTILE_TOWN)[i % 3], industry="新材料")
        graph.add_edge(f"e{i}", f"u{i % universities}", type="COLLABORATES_WITH")
        if rng.random() < 0.3:
            graph.add_edge(f"e{i}", f"u{rng.randrange(universities)}", type="COLLABORATES_WITH")
    graph.nodes["e0"]["name"] = HOSTILE
    graph.nodes["e7"]["name"] = "宜兴市精陶新材料有限公司"
    return graph


class Opened:
    """A map page with everything it did recorded."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.errors: list[str] = []
        self.console: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))

        def record(route: Any, request: Any) -> None:
            self.requests.append(request.url)
            if request.url == path.as_uri():
                route.continue_()
            else:
                route.abort()

        self.page.route("**/*", record)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.__mapReady === true", timeout=15_000)

    def drawn(self) -> int:
        return self.page.evaluate("window.innonetMap.network.body.nodeIndices.length")


@pytest.fixture(scope="module")
def ecosystem_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[nx.MultiDiGraph, Path]:
    view = build_view(network(), "ecosystem")
    path = tmp_path_factory.mktemp("maps") / "ecosystem.html"
    render_view(view, out=path, title=HOSTILE)
    return view, path


def test_map_loads_offline_draws_every_node_and_runs_no_injection(browser: Any, ecosystem_map: Any) -> None:
    view, path = ecosystem_map
    opened = Opened(browser, path)
    try:
        assert opened.errors == []
        assert opened.requests == [path.as_uri()]  # nothing but the file itself
        assert not [c for c in opened.console if "Content Security Policy" in c or c.startswith("error")]
        assert opened.drawn() == view.number_of_nodes()
        # hover the hostile node's tooltip and open the town filter: still nothing runs
        opened.page.select_option("#f-town", HOSTILE_TOWN)
        assert opened.page.evaluate("window.__xss") is None
        shown = opened.page.evaluate("window.innonetMap.network.body.data.nodes.get({filter: n => !n.hidden}).length")
        firms_in_town = sum(1 for n, a in view.nodes(data=True) if a.get("town") == HOSTILE_TOWN)
        assert firms_in_town < shown < view.number_of_nodes()  # the town's firms and their universities
        assert opened.page.locator("#f-town option", has_text=HOSTILE_TOWN).count() == 1
        assert opened.page.locator("#title").inner_text() == HOSTILE
        assert opened.page.evaluate("document.querySelectorAll('img, svg').length") == 0
    finally:
        opened.page.close()


def test_search_finds_a_node_by_its_chinese_name_and_highlights_neighbours(browser: Any, ecosystem_map: Any) -> None:
    view, path = ecosystem_map
    opened = Opened(browser, path)
    try:
        assert opened.page.evaluate("window.innonetMap.search('精陶')") == ["e7"]
        opened.page.fill("#search", "精陶新材料")
        assert opened.page.locator("#results li").all_inner_texts() == ["宜兴市精陶新材料有限公司"]
        opened.page.fill("#search", "<img")
        assert opened.page.locator("#results li").all_inner_texts() == [HOSTILE]  # shown as text
        assert opened.page.evaluate("window.__xss") is None
        opened.page.locator("#results li").first.click()
        assert opened.page.evaluate("window.innonetMap.network.getSelectedNodes()") == ["e0"]
        colours = opened.page.evaluate(
            "(() => { const ds = window.innonetMap.network.body.data.nodes;"
            " return Object.fromEntries(ds.get().map(n => [n.id, typeof n.color === 'string' ? n.color : 'own'])); })()"
        )
        neighbours = {str(n) for n in nx.all_neighbors(view, "e0")} | {"e0"}
        assert {n for n, c in colours.items() if c == "own"} == neighbours
        assert opened.errors == []
    finally:
        opened.page.close()


def test_aggregated_map_drills_down_by_click_and_back_and_search_opens_a_group(browser: Any, tmp_path: Path) -> None:
    view = build_view(network(firms=150, universities=10), "ecosystem")
    path = tmp_path / "big.html"
    page = render_view(view, out=path, max_nodes=40)
    super_nodes = len(re.findall(r'"kind":"group"', page))
    opened = Opened(browser, path)
    try:
        assert 1 < super_nodes < 40
        assert opened.drawn() == super_nodes
        assert opened.page.evaluate("innonetMap.overlappingLabels()") == 0
        # click the biggest community on the canvas
        box = opened.page.locator("#network canvas").bounding_box()
        xy = opened.page.evaluate("(() => { const n = innonetMap.network; const p = n.canvasToDOM(n.getPositions(['community:0'])['community:0']); return [p.x, p.y]; })()")
        opened.page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
        opened.page.wait_for_function("innonetMap.current() === 'community:0'")
        members = len(innonetMap_group(opened, "community:0"))
        assert opened.drawn() == members and opened.page.locator("#crumb").is_visible()
        assert opened.page.evaluate("innonetMap.overlappingLabels()") == 0
        opened.page.click("#back")
        opened.page.wait_for_function("innonetMap.current() === 'overview'")
        assert opened.drawn() == super_nodes
        # search a firm from the aggregated view: its group opens with it selected
        opened.page.fill("#search", "精陶新材料")
        opened.page.locator("#results li").first.click()
        opened.page.wait_for_function("innonetMap.network.getSelectedNodes()[0] === 'e7'")
        assert opened.page.evaluate("innonetMap.current()") != "overview"
        assert "宜兴市精陶新材料有限公司" in [b["text"] for b in opened.page.evaluate("innonetMap.labels()")]
        opened.page.go_back()
        opened.page.wait_for_function("innonetMap.current() === 'overview'")
        assert opened.errors == [] and opened.requests == [path.as_uri()]
    finally:
        opened.page.close()


def innonetMap_group(opened: Opened, gid: str) -> list[Any]:
    return opened.page.evaluate(f"innonetMap.data.groups[{gid!r}].nodes")


@pytest.mark.parametrize(("paper", "orientation"), [("A4", "portrait"), ("A3", "landscape")])
def test_poster_png_at_300_dpi_and_vector_pdf(browser: Any, ecosystem_map: Any, tmp_path: Path, paper: str,
                                              orientation: str) -> None:
    from PIL import Image, ImageStat

    _, path = ecosystem_map
    png, pdf = tmp_path / "poster.png", tmp_path / "poster.pdf"
    assert render_poster(path, png=png, pdf=pdf, paper=paper, orientation=orientation, browser=browser) == [png, pdf]
    width_mm, height_mm = paper_mm(paper, orientation)
    with Image.open(png) as image:
        assert image.size == png_size(paper, orientation)
        assert abs(image.width - width_mm / 25.4 * 300) <= 2 and abs(image.height - height_mm / 25.4 * 300) <= 5
        assert [round(d) for d in image.info["dpi"]] == [300, 300]
        drawing = image.convert("RGB").crop((0, image.height // 8, image.width * 3 // 4, image.height * 3 // 4))
        assert len(drawing.getcolors(maxcolors=1 << 20) or []) > 50  # the network, not a blank sheet
        assert max(ImageStat.Stat(drawing).stddev) > 10
    body = pdf.read_bytes()
    width, height = map(float, re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", body).groups())
    assert abs(width - width_mm / 25.4 * 72) < 2 and abs(height - height_mm / 25.4 * 72) < 2
    assert b"/Subtype /Image" not in body and b"/Subtype/Image" not in body  # vector: no bitmap inside


def dated_event_network(seed: int = 5) -> nx.MultiDiGraph:
    """Dated collaborations (so the pairing model can be fitted) and one 对接会 with a hostile firm name."""
    rng = random.Random(seed)
    topics = (["膜材料", "水处理"], ["电线电缆", "高压输电"], ["紫砂陶瓷", "釉料"])
    graph = nx.MultiDiGraph()
    for j in range(9):
        graph.add_node(f"u{j}", kind="University", name=f"第{j}研究院", keywords=topics[j % 3])
    for i in range(90):
        graph.add_node(f"e{i}", kind="Enterprise", name=f"宜兴{i}号科技有限公司", keywords=[topics[i % 3][0]],
                       founded="2010-01-01")
    graph.nodes["e0"]["name"] = HOSTILE
    for year in range(2014, 2023):
        for i in rng.sample(range(90), 25):
            j = rng.choice([j for j in range(9) if j % 3 == i % 3]) if rng.random() < 0.85 else rng.randrange(9)
            graph.add_edge(f"e{i}", f"u{j}", type="COLLABORATES_WITH", year=year)
    graph.add_node("ev9", kind="Event", name="2023年新材料产学研对接会", year=2023)
    for node in [f"e{i}" for i in range(8)] + ["u0", "u1", "u2"]:
        graph.add_edge(node, "ev9", type="ATTENDED", year=2023)
    return graph


def test_event_map_draws_attendees_and_the_planned_meetings(browser: Any, tmp_path: Path) -> None:
    view = build_view(dated_event_network(), "event", id="ev9", slots=3, max_meetings=3)
    meetings = [(s, t) for s, t, d in view.edges(data=True) if d["type"] == "PROPOSED_MEETING"]
    assert len(meetings) >= 4  # firms meet someone, but no pair below the median score is booked (issue 14)
    path = tmp_path / "event.html"
    render_view(view, out=path)
    opened = Opened(browser, path)
    try:
        assert opened.errors == []
        assert opened.requests == [path.as_uri()]
        assert opened.drawn() == view.number_of_nodes() == 12
        edges = opened.page.evaluate("window.innonetMap.network.body.data.edges.get()")
        drawn_meetings = {(e["from"], e["to"]) for e in edges if e.get("dashes")}
        assert drawn_meetings == set(meetings)
        assert "拟安排对接" in opened.page.locator("body").inner_text()
        assert opened.page.evaluate("window.__xss") is None
    finally:
        opened.page.close()
    agenda = tmp_path / "agenda.png"
    render_poster(path, png=agenda, pdf=tmp_path / "agenda.pdf", paper="A4", orientation="landscape", kind="agenda",
                  browser=browser)
    render_poster(path, pdf=tmp_path / "tables.pdf", paper="A4", orientation="portrait", kind="tables", browser=browser)
    assert (tmp_path / "tables.pdf").stat().st_size > 1000


# ---- the whole city at once ------------------------------------------------------------------

def city_network(organisations: int = 9000, seed: int = 11) -> nx.MultiDiGraph:
    """About ``organisations`` firms, institutes, funds and agencies (firms clustered around institutes)."""
    rng = random.Random(seed)
    graph = nx.MultiDiGraph()
    universities, funds, agencies = organisations * 7 // 100, organisations // 100, organisations // 100
    firms = organisations - universities - funds - agencies
    for i in range(universities):
        graph.add_node(f"u{i}", kind="University", name=f"第{i}研究院")
    for i in range(funds):
        graph.add_node(f"f{i}", kind="Fund", name=f"产业基金{i}")
    for i in range(agencies):
        graph.add_node(f"s{i}", kind="ServiceAgency", name=f"服务机构{i}")
    for i in range(firms):
        graph.add_node(f"e{i}", kind="Enterprise", name=f"宜兴{i}号科技有限公司", tier=rng.choice((*TIERS, None)),
                       town=rng.choice(("丁蜀镇", "和桥镇", "官林镇")))
        home = i * universities // firms
        for _ in range(2):
            graph.add_edge(f"e{i}", f"u{home if rng.random() < 0.8 else rng.randrange(universities)}",
                           type="COLLABORATES_WITH")
        if rng.random() < 0.1:
            graph.add_edge(f"f{rng.randrange(funds)}", f"e{i}", type="INVESTS_IN")
    graph.nodes["e0"]["name"] = HOSTILE
    graph.nodes["e7"]["name"] = "宜兴市精陶新材料有限公司"
    graph.add_node("t0", kind="Talent", name="张专家")
    graph.add_edge("t0", "u0", type="AFFILIATED_WITH")
    return graph


#: rAF timestamps of every frame, from now until __rec is false (measures the page's frames, not the script's)
RECORD_FRAMES = """() => { window.__frames = []; window.__rec = true;
  const loop = (t) => { if (!window.__rec) { return; } window.__frames.push(t); requestAnimationFrame(loop); };
  requestAnimationFrame(loop); }"""


def settled(page: Any, timeout_s: float = 30.0) -> None:
    """Wait until the whole-city page has drawn the full picture of its current view."""
    page.wait_for_timeout(250)
    for _ in range(int(timeout_s * 10)):
        if not page.evaluate("innonetMap.busy()"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the whole-city map never finished its picture")


@pytest.fixture(scope="module")
def city_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[nx.MultiDiGraph, Path]:
    view = build_view(city_network(), "city")
    path = tmp_path_factory.mktemp("maps") / "city.html"
    render_view(view, out=path)
    return view, path


def test_whole_city_view_zooms_smoothly_offline_and_finds_a_firm(browser: Any, city_map: Any) -> None:
    view, path = city_map
    assert 8500 < view.number_of_nodes() < 9500 and "t0" not in view
    opened = Opened(browser, path)
    try:
        page = opened.page
        assert page.evaluate("innonetMap.current()") == "city"
        assert page.evaluate("innonetMap.drawsInWorker()")  # Debian Chromium has OffscreenCanvas
        settled(page)
        assert page.evaluate("innonetMap.lastFrame().nodes") == view.number_of_nodes()  # all of them on screen
        assert page.evaluate("innonetMap.overlappingLabels()") == 0
        assert len(page.evaluate("innonetMap.labels()")) > 30
        # a scripted wheel zoom: real wheel events, every frame's rAF timestamp recorded
        box = page.locator("#city").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        before = page.evaluate("innonetMap.view().s")
        page.evaluate(RECORD_FRAMES)
        for burst in range(4):  # zoom, pause (the full picture is redrawn), zoom again
            for _ in range(8):
                page.mouse.wheel(0, -50)
                page.wait_for_timeout(16)
            page.wait_for_timeout(300)
        page.evaluate("window.__rec = false")
        frames = page.evaluate("window.__frames")
        gaps = sorted(b - a for a, b in itertools.pairwise(frames))
        assert len(gaps) > 60 and page.evaluate("innonetMap.view().s") > before * 3
        assert gaps[len(gaps) // 2] <= 50 and gaps[int(len(gaps) * 0.95)] <= 50, gaps[-10:]
        settled(page)
        assert 0 < page.evaluate("innonetMap.lastFrame().nodes") < view.number_of_nodes()
        assert page.evaluate("innonetMap.overlappingLabels()") == 0
        # search: a firm by part of its name, shown as text, then centred, selected and labelled
        page.fill("#search", "<img")
        assert page.locator("#results li").first.inner_text().startswith(HOSTILE)
        page.fill("#search", "精陶新材料")
        assert page.locator("#results li").count() == 1
        page.locator("#results li").first.click()
        settled(page)
        assert page.evaluate("innonetMap.selected()") == "e7"
        labels = page.evaluate("innonetMap.labels()")
        assert labels[0]["id"] == "e7" and labels[0]["text"].startswith("宜兴市精陶新材料有限公司")
        assert "宜兴市精陶新材料有限公司" in page.locator("#info").inner_text()
        assert page.evaluate("innonetMap.overlappingLabels()") == 0
        assert page.evaluate("window.__xss") is None
        assert opened.errors == [] and opened.requests == [path.as_uri()]
        assert not [c for c in opened.console if "Content Security Policy" in c or c.startswith("error")]
    finally:
        opened.page.close()


def test_whole_city_poster_prints_every_organisation(browser: Any, city_map: Any, tmp_path: Path) -> None:
    _, path = city_map
    pdf = tmp_path / "city.pdf"
    assert render_poster(path, pdf=pdf, paper="A2", orientation="landscape", browser=browser) == [pdf]
    body = pdf.read_bytes()
    width, height = map(float, re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", body).groups())
    assert abs(width - 594 / 25.4 * 72) < 2 and abs(height - 420 / 25.4 * 72) < 2
    assert b"/Subtype /Image" not in body and b"/Subtype/Image" not in body
