"""Benchmark the web workbench pages on loopback: p50 / p95 / p99 per page with one server worker.

Starts ``innonet serve`` (one worker) as a subprocess on a free 127.0.0.1 port over a store (``--db``, e.g. the
city demo built once with ``INNONET_DB=/tmp/city.db innonet demo --out /tmp/city``), signs in through the
sign-in form like a browser (matchmaker), warms each page once (the first request builds the cached tables and
fits the recommender; those times are printed apart), then requests every page ``--rounds`` times in turn
from one client and prints the latencies.  The target of issue 18: every page ≤ 300 ms p95.

    python bench/bench_web.py --db /tmp/city.db --rounds 40
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

# bench/ holds scripts named like the packages: keep it off the import path
import httpx
import numpy as np

from graph.testing import free_port

KEY = "bench-web-matchmaker-key-0001"


def _pick(db: str) -> tuple[str, str, str]:
    """A well-connected firm, its short name as people type it, and an event of the store."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from graph.sqlite_store import SQLiteStore

    store = SQLiteStore(db)
    try:
        ties = store.relationships("COLLABORATES_WITH")
        firm = ties["source"].value_counts().index[0]
        name = str(store.nodes(ids=[firm]).iloc[0]["name"])
        events = store.nodes("Event")
        event = str(events.iloc[len(events) // 2]["id"]) if len(events) else ""
    finally:
        store.close()
    short = re.sub(r"(有限公司|股份|有限责任公司)$", "", name).replace("宜兴市", "宜兴")
    return firm, short, event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="SQLite store to serve (e.g. the city demo)")
    parser.add_argument("--rounds", type=int, default=40, help="requests per page")
    args = parser.parse_args()
    firm, short, event = _pick(args.db)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INNONET_", "NEO4J_"))}
    env.update(INNONET_DB=args.db, INNONET_API_KEYS=f"matchmaker:{KEY}")
    server = subprocess.Popen([sys.executable, "-c", "from api.cli import main; main()", "serve", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", "1", "--log-level", "warning"],
                              env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=600, follow_redirects=False) as http:
            form = http.get("/web/signin").text
            token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
            signed = http.post("/web/signin", data={"key": KEY, "csrf": token, "next": "/web/"})
            assert signed.status_code == 303, signed.text
            pages = {
                "home": "/web/",
                "search (list)": f"/web/search?q={short[:4]}&all=1",
                "search (typed name → page)": f"/web/search?q={short}",
                "suggest": f"/web/suggest?q={short[:4]}",
                "organisation (pairing cards)": f"/web/org?id={firm}",
                "events": "/web/events",
                "event": f"/web/event?id={event}" if event else "/web/events",
                "maps": "/web/maps",
                "reports": "/web/reports",
            }
            print(f"firm {firm} typed as {short!r}; event {event}")
            for name, path in pages.items():
                began = time.perf_counter()
                status = http.get(path).status_code
                print(f"warm {name:30s} {status} {1000 * (time.perf_counter() - began):8.0f} ms (first request)")
            times: dict[str, list[float]] = {name: [] for name in pages}
            for _ in range(args.rounds):
                for name, path in pages.items():
                    began = time.perf_counter()
                    response = http.get(path)
                    times[name].append(1000 * (time.perf_counter() - began))
                    assert response.status_code in (200, 303), (path, response.status_code)
        print(f"\n{'page':32s} {'n':>4s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s}")
        worst = 0.0
        for name, values in times.items():
            p50, p95, p99 = np.percentile(values, [50, 95, 99])
            worst = max(worst, p95)
            print(f"{name:32s} {len(values):4d} {p50:8.1f} {p95:8.1f} {p99:8.1f}")
        print(f"\nworst p95 {worst:.1f} ms (target ≤ 300 ms)")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
