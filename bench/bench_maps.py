"""Benchmark of the maps: generation time, file size and time until the browser page is ready.

Inputs are generated organisation networks of 500, 2,000 and 20,000 nodes (about three ties per
node, firms clustered around universities, tiers and towns set).  Views up to 2,000 nodes are drawn
interactive; the 20,000-node input is drawn aggregated.  Targets (issue 7): a 2,000-node map written
in <= 3 s, <= 2 MB, ready in the browser in <= 5 s; the 20,000-node input gives the aggregated view
in <= 10 s.

Run: ``python bench/bench_maps.py [--sizes 500 2000 20000] [--no-browser]``
"""

from __future__ import annotations

import argparse
import random
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 20000])
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
    if browser is not None:
        browser.close()
        playwright.stop()


if __name__ == "__main__":
    main()
