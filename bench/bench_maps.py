"""Benchmark of the maps: generation time, file size and time until the browser page is ready.

Inputs are generated organisation networks of 500, 2,000 and 20,000 nodes (about three ties per
node, firms clustered around universities, tiers and towns set).  Views up to 2,000 nodes are drawn
interactive; the 20,000-node input is drawn aggregated.  Targets (issue 7): a 2,000-node map written
in <= 3 s, <= 2 MB, ready in the browser in <= 5 s; the 20,000-node input gives the aggregated view
in <= 10 s.

The whole-city view (``--view city``: every organisation, talents left out) is measured on a
generated city of about 9,000 organisations (``--city 10000`` input nodes) and, with ``--db``, on a
store (the city demo): seconds to build and write the page, its size, seconds until the first
picture, and the frames while zooming — requestAnimationFrame timestamps during a scripted wheel
zoom (real wheel events, bursts with pauses so the full picture is redrawn in between), and the
time the drawing worker takes for each full picture.  Targets (issue 16): written <= 10 s,
<= 10 MB, first frame <= 5 s, zoom frames <= 50 ms.  The script prints; it does not assert.

Run: ``python bench/bench_maps.py [--sizes 500 2000 20000] [--city 10000] [--db innonet.db] [--no-browser]``
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import time
from pathlib import Path

import networkx as nx

from analysis.views import MAX_INTERACTIVE_NODES, build_view
from api.render.maps import render_view
from api.render.poster import CHROMIUM_ARGS, chromium_path
from graph.schema import TIERS

TOWNS = ("丁蜀镇", "和桥镇", "官林镇", "高塍镇", "宜城街道", "新街街道", "周铁镇", "环科园")
INDUSTRIES = ("新材料", "节能环保", "电线电缆", "生物医药", "新能源", "智能装备")


def generated_network(nodes: int, seed: int = 1) -> nx.MultiDiGraph:
    """``nodes`` organisations: 85 % firms, 7 % universities, 6 % talents, funds and agencies."""
    rng = random.Random(seed)
    graph = nx.MultiDiGraph()
    universities = max(nodes * 7 // 100, 2)
    talents = nodes * 6 // 100
    funds = agencies = max(nodes // 100, 1)
    firms = nodes - universities - talents - funds - agencies
    for i in range(universities):
        graph.add_node(f"u{i}", kind="University", name=f"第{i}研究院")
    for i in range(talents):
        graph.add_node(f"t{i}", kind="Talent", name=f"专家{i}")
        graph.add_edge(f"t{i}", f"u{rng.randrange(universities)}", type="AFFILIATED_WITH")
    for i in range(funds):
        graph.add_node(f"f{i}", kind="Fund", name=f"产业基金{i}")
    for i in range(agencies):
        graph.add_node(f"s{i}", kind="ServiceAgency", name=f"服务机构{i}")
    for i in range(firms):
        firm = f"e{i}"
        graph.add_node(firm, kind="Enterprise", name=f"宜兴{i}号科技有限公司",
                       tier=rng.choice((*TIERS, None, None)), town=rng.choice(TOWNS), industry=rng.choice(INDUSTRIES))
        home = (i * universities) // firms
        for _ in range(3):
            target = home if rng.random() < 0.8 else rng.randrange(universities)
            graph.add_edge(firm, f"u{target}", type="COLLABORATES_WITH")
        if rng.random() < 0.1:
            graph.add_edge(f"f{rng.randrange(funds)}", firm, type="INVESTS_IN")
        if rng.random() < 0.1:
            graph.add_edge(f"s{rng.randrange(agencies)}", firm, type="SERVES")
    return graph


RECORD_FRAMES = """() => { window.__frames = []; window.__rec = true;
  const loop = (t) => { if (!window.__rec) { return; } window.__frames.push(t); requestAnimationFrame(loop); };
  requestAnimationFrame(loop); }"""


def _settle(tab: object) -> None:
    tab.wait_for_timeout(250)
    for _ in range(600):
        if not tab.evaluate("innonetMap.busy()"):
            return
        tab.wait_for_timeout(100)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)] if ordered else float("nan")


def bench_city(name: str, graph: nx.MultiDiGraph, folder: Path, browser: object) -> None:
    """The whole-city view of ``graph``: write, size, first frame, zoom frames, full pictures."""
    out = folder / f"city_{name}.html"
    start = time.perf_counter()
    view = build_view(graph, "city")
    render_view(view, out=out)
    written = time.perf_counter() - start
    print(f"\nwhole-city view, {name}: {view.number_of_nodes()} organisations, {view.number_of_edges()} ties; "
          f"written in {written:.2f} s, {out.stat().st_size / 1e6:.2f} MB")
    if browser is None:
        return
    tab = browser.new_page(viewport={"width": 1400, "height": 900})
    tab.route("**/*", lambda route, request: route.continue_() if request.url.startswith("file:") else route.abort())
    start = time.perf_counter()
    tab.goto(out.as_uri())
    tab.wait_for_function("window.__mapReady === true", timeout=60_000)
    first = time.perf_counter() - start
    _settle(tab)
    sharp = time.perf_counter() - start
    box = tab.locator("#city").bounding_box()
    tab.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tab.evaluate(RECORD_FRAMES)
    for burst in range(6):  # zoom in twice, out once, ... with pauses that let the full picture be redrawn
        for _ in range(10):
            tab.mouse.wheel(0, 60 if burst % 3 == 2 else -60)
            tab.wait_for_timeout(16)
        tab.wait_for_timeout(400)
    tab.evaluate("window.__rec = false")
    frames = tab.evaluate("window.__frames")
    gaps = [b - a for a, b in itertools.pairwise(frames)]
    full = tab.evaluate("innonetMap.fullTimes()")
    worker = tab.evaluate("innonetMap.drawsInWorker()")
    tab.close()
    print(f"  first frame {first:.2f} s (page loaded, first picture drawn); full labelled picture {sharp:.2f} s")
    print(f"  zoom frames (rAF gaps, {len(gaps)} frames over {(frames[-1] - frames[0]) / 1000:.1f} s): median "
          f"{statistics.median(gaps):.1f} ms, p95 {_percentile(gaps, 0.95):.1f} ms, max {max(gaps):.1f} ms, "
          f"{sum(g > 50 for g in gaps)} over 50 ms")
    print(f"  full pictures ({'drawing worker' if worker else 'page thread'}, {len(full)}): median "
          f"{statistics.median(full):.0f} ms, max {max(full):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[500, 2000, 20000])
    parser.add_argument("--city", type=int, default=10000,
                        help="input nodes of the generated city for the whole-city view (0: skip)")
    parser.add_argument("--db", help="also the whole-city view of this SQLite store (e.g. the city demo)")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    browser = playwright = None
    if not args.no_browser:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
    print(f"{'nodes':>7} {'edges':>7} {'mode':>12} {'drawn':>6} {'write s':>8} {'MB':>6} {'ready s':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            graph = generated_network(size)
            out = Path(folder) / f"map_{size}.html"
            start = time.perf_counter()
            view = build_view(graph, "ecosystem")
            page = render_view(view, out=out)
            written = time.perf_counter() - start
            mode = "interactive" if view.number_of_nodes() <= MAX_INTERACTIVE_NODES else "aggregated"
            drawn = page.count('"kind":"group"') if mode == "aggregated" else view.number_of_nodes()
            ready = float("nan")
            if browser is not None:
                tab = browser.new_page(viewport={"width": 1400, "height": 900})
                tab.route("**/*", lambda route, request: route.continue_() if request.url.startswith("file:")
                          else route.abort())
                start = time.perf_counter()
                tab.goto(out.as_uri())
                tab.wait_for_function("window.__mapReady === true", timeout=60_000)
                ready = time.perf_counter() - start
                drawn = tab.evaluate("window.innonetMap.network.body.nodeIndices.length")
                tab.close()
            print(f"{view.number_of_nodes():>7} {view.number_of_edges():>7} {mode:>12} {drawn:>6} {written:>8.2f} "
                  f"{out.stat().st_size / 1e6:>6.2f} {ready:>8.2f}")
        if args.city:
            bench_city(f"generated {args.city}", generated_network(args.city), Path(folder), browser)
        if args.db:
            from graph.projection import to_networkx
            from graph.sqlite_store import SQLiteStore

            bench_city(Path(args.db).name, to_networkx(SQLiteStore(args.db)), Path(folder), browser)
    if browser is not None:
        browser.close()
        playwright.stop()


if __name__ == "__main__":
    main()
