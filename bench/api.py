"""Benchmark the HTTP API on loopback: ``GET /pairings/{id}`` and the cached ``GET /ecosystem/summary``.

Starts ``innonet serve`` as a subprocess on a free 127.0.0.1 port over a store (``--db``, e.g.
the city demo built once with ``INNONET_DB=/tmp/g_city.db innonet demo --out /tmp/g_city``;
without ``--db`` a demo of ``--scale`` is generated into a temporary folder), warms the caches
(the recommender fit and the summary are timed apart, not in the load), then drives the load
from SEPARATE client processes (multiprocessing, each with its own ``httpx.Client`` and
keep-alive connection) so the clients do not share the server's interpreter or GIL.  Every
process stops after ``--requests`` / ``--processes`` requests or ``--seconds``, whichever comes
first.  Prints, per endpoint, the requests, errors, p50 / p95 / p99 latency and the requests per
second over the wall time of the run, and stops the server by its process group.

    python bench/api.py --db /tmp/g_city.db --processes 4 --requests 2000 --seconds 20
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# bench/ holds scripts named like the packages (bench/ingest.py): keep it off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import httpx
import numpy as np

KEY = "bench-matchmaker-0123456789"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _client(base: str, paths: list[str], count: int, seconds: float, seed: int, start: Any,
            results: Any) -> None:
    """One client process: ``count`` GETs of random ``paths`` (at most ``seconds``), latencies to ``results``."""
    rng = random.Random(seed)
    latencies: list[float] = []
    errors = 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
        http.get("/health")  # open the connection before the clock starts
        start.wait()
        began = time.perf_counter()
        deadline = began + seconds
        for _ in range(count):
            if time.perf_counter() > deadline:
                break
            path = rng.choice(paths)
            sent = time.perf_counter()
            try:
                response = http.get(path)
                response.read()
                errors += response.status_code != 200
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - sent)
        ended = time.perf_counter()
    results.put({"latencies": latencies, "errors": errors, "began": began, "ended": ended})


def run_load(base: str, paths: list[str], processes: int, requests: int, seconds: float) -> dict[str, float]:
    """Drive ``requests`` GETs (at most ``seconds``) from ``processes`` client processes; latency percentiles in ms."""
    context = mp.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    per_process = max(1, requests // processes)
    workers = [context.Process(target=_client, args=(base, paths, per_process, seconds, i, start, results))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    time.sleep(3.0)  # let every process import httpx and connect
    start.set()
    parts = [results.get(timeout=60 + seconds + 30) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    latencies = np.concatenate([np.array(p["latencies"]) for p in parts]) * 1000
    wall = max(p["ended"] for p in parts) - min(p["began"] for p in parts)
    return {"requests": len(latencies), "errors": int(sum(p["errors"] for p in parts)),
            "p50_ms": float(np.percentile(latencies, 50)), "p95_ms": float(np.percentile(latencies, 95)),
            "p99_ms": float(np.percentile(latencies, 99)), "req_per_s": float(len(latencies) / wall),
            "seconds": float(wall)}


def _wait_ready(base: str, server: subprocess.Popen[bytes], limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit("innonet serve did not start")
        time.sleep(0.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="An existing SQLite store (default: generate the demo)")
    parser.add_argument("--scale", default="city", help="Demo scale when generating (test, city, province)")
    parser.add_argument("--processes", type=int, default=4, help="Client processes")
    parser.add_argument("--requests", type=int, default=2000, help="Per endpoint, over all client processes")
    parser.add_argument("--seconds", type=float, default=20.0, help="Most seconds per endpoint")
    parser.add_argument("--workers", type=int, default=1, help="innonet serve --workers")
    parser.add_argument("--json", dest="as_json", action="store_true", help="Print the results as JSON")
    args = parser.parse_args()

    from graph.sqlite_store import SQLiteStore

    db = args.db
    if db is None:
        from ingest.demo import load_demo

        folder = Path(tempfile.mkdtemp(prefix="innonet-bench-api-"))
        db = str(folder / "demo.db")
        started = time.perf_counter()
        with SQLiteStore(db) as store:
            load_demo(store, folder / "files", scale=args.scale)
        print(f"demo ({args.scale}) loaded in {time.perf_counter() - started:.1f} s")
    with SQLiteStore(db) as store:
        firms = store.nodes(kind="Enterprise")["id"].tolist()
        counts = store.counts()
    print(f"store {db}: {sum(counts['nodes'].values())} nodes, {sum(counts['relationships'].values())} relationships, "
          f"{len(firms)} firms; {os.cpu_count()} CPUs")

    port = _free_port()
    env = {**os.environ, "INNONET_DB": db, "INNONET_API_KEYS": f"matchmaker:{KEY}"}
    command = [sys.executable, "-c", "from api.cli import main; main()", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning"]
    if args.workers != 1:
        command += ["--workers", str(args.workers)]
    server = subprocess.Popen(command, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {}
    try:
        _wait_ready(base, server)
        headers = {"Authorization": f"Bearer {KEY}"}
        for _ in range(args.workers):  # each worker process fits its own recommender
            started = time.perf_counter()
            warm = httpx.get(f"{base}/pairings/{firms[0]}", headers=headers, timeout=600)
            print(f"recommender fit on first request: {time.perf_counter() - started:.1f} s (status {warm.status_code})")
            started = time.perf_counter()
            httpx.get(f"{base}/ecosystem/summary", headers=headers, timeout=600).raise_for_status()
            print(f"summary built on first request: {time.perf_counter() - started:.1f} s")
        rng = random.Random(0)
        sample = [f"/pairings/{rng.choice(firms)}?k=10" for _ in range(500)]
        if args.workers > 1:  # warm every worker: keep asking until each has answered fast
            for path in sample[:50]:
                httpx.get(base + path, headers=headers, timeout=600)
        for name, paths in (("GET /pairings/{id}", sample), ("GET /ecosystem/summary", ["/ecosystem/summary"])):
            result = run_load(base, paths, args.processes, args.requests, args.seconds)
            results[name] = result
            print(f"{name:<24} processes={args.processes} workers={args.workers} requests={result['requests']} "
                  f"errors={result['errors']} p50={result['p50_ms']:.1f} ms p95={result['p95_ms']:.1f} ms "
                  f"p99={result['p99_ms']:.1f} ms {result['req_per_s']:.0f} req/s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if args.as_json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
