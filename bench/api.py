"""Benchmark the HTTP API on loopback: ``GET /pairings/{id}`` and the cached ``GET /ecosystem/summary``.

Starts ``innonet serve`` on a free 127.0.0.1 port over a demo store (generated with
:func:`ingest.demo.load_demo` unless ``--db`` names an existing store), warms the
caches (the recommender fit and the summary are not timed), then runs a bounded number
of concurrent clients for a bounded number of requests and prints p50 / p95 latency
and requests per second.  Stops the server by its PID.

    python bench/api.py --scale city --clients 4 --requests 400
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

# bench/ holds scripts named like the packages (bench/ingest.py): keep it off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

KEY = "bench-matchmaker"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(base: str, paths: list[str], clients: int, requests: int, max_seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds
    per_client = max(1, requests // clients)

    def worker(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        local, bad = [], 0
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
            for _ in range(per_client):
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                response = http.get(rng.choice(paths))
                local.append(time.perf_counter() - started)
                bad += response.status_code != 200
        with lock:
            latencies.extend(local)
            errors += bad

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    values = np.array(latencies) * 1000
    return {"requests": len(values), "errors": errors, "p50_ms": float(np.percentile(values, 50)),
            "p95_ms": float(np.percentile(values, 95)), "req_per_s": len(values) / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="An existing SQLite store (default: generate the demo)")
    parser.add_argument("--scale", default="city", help="Demo scale when generating (test, city, province)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400, help="Per endpoint, over all clients")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="Per endpoint")
    args = parser.parse_args()

    from graph.sqlite_store import SQLiteStore  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp(prefix="innonet-bench-api-"))
    db = args.db or str(folder / "demo.db")
    store = SQLiteStore(db)
    if not args.db:
        from ingest.demo import load_demo  # noqa: PLC0415

        started = time.perf_counter()
        load_demo(store, folder / "files", scale=args.scale)
        print(f"demo ({args.scale}) loaded in {time.perf_counter() - started:.1f} s: {store.counts()['nodes']}")
    firms = store.nodes(kind="Enterprise")["id"].tolist()
    store.close()

    port = _free_port()
    env = {**os.environ, "INNONET_DB": db, "INNONET_API_KEYS": f"matchmaker:{KEY}"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        env=env, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("innonet serve did not start")
            time.sleep(0.3)
        headers = {"Authorization": f"Bearer {KEY}"}
        started = time.perf_counter()
        warm = httpx.get(f"{base}/pairings/{firms[0]}", headers=headers, timeout=600)
        print(f"recommender fit on first request: {time.perf_counter() - started:.1f} s (status {warm.status_code})")
        started = time.perf_counter()
        httpx.get(f"{base}/ecosystem/summary", headers=headers, timeout=600).raise_for_status()
        print(f"summary built on first request: {time.perf_counter() - started:.1f} s")
        rng = random.Random(0)
        sample = [f"/pairings/{rng.choice(firms)}?k=10" for _ in range(200)]
        for name, paths in (("GET /pairings/{id}", sample), ("GET /ecosystem/summary", ["/ecosystem/summary"])):
            result = _run(base, paths, args.clients, args.requests, args.max_seconds)
            print(f"{name:<24} clients={args.clients} requests={result['requests']} errors={result['errors']} "
                  f"p50={result['p50_ms']:.1f} ms p95={result['p95_ms']:.1f} ms {result['req_per_s']:.0f} req/s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
