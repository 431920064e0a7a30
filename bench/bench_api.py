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

    python bench/bench_api.py --db /tmp/g_city.db --processes 4 --requests 2000 --seconds 20

With ``--ingest-rows N`` it also measures reads while ``innonet ingest`` (another process) loads an
N-row organisations file into a COPY of the store the server serves: ``/entities``, ``/indicators``,
``/ecosystem/summary`` and ``/maps/ecosystem`` are read from the start of the ingest until
``--after`` seconds after it ends (the caches are rebuilt then), and the latencies are reported for
the two phases, with the number of requests over 20 s (the timeouts of the report).

    python bench/bench_api.py --db /tmp/city17.db --processes 2 --ingest-rows 150000 --after 60
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# bench/ holds scripts named like the packages (bench/bench_ingest.py): keep it off the import path
import httpx
import numpy as np

from graph.testing import free_port

KEY = "bench-matchmaker-0123456789"


def _client(base: str, paths: list[str], count: int, seconds: float, seed: int, start: Any,
            results: Any, stop: Any = None) -> None:
    """One client process: ``count`` GETs of random ``paths`` (at most ``seconds``, or until ``stop`` is set),
    latencies to ``results`` (with the wall-clock time each request was sent, in ``sent``)."""
    rng = random.Random(seed)
    latencies: list[float] = []
    sent_at: list[float] = []
    asked: list[str] = []
    errors = 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
        http.get("/health")  # open the connection before the clock starts
        start.wait()
        began = time.perf_counter()
        deadline = began + seconds
        for _ in range(count):
            if time.perf_counter() > deadline or (stop is not None and stop.is_set()):
                break
            path = rng.choice(paths)
            sent = time.perf_counter()
            sent_at.append(time.time())
            asked.append(path)
            try:
                response = http.get(path)
                response.read()
                errors += response.status_code != 200
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - sent)
        ended = time.perf_counter()
    results.put({"latencies": latencies, "sent": sent_at, "paths": asked, "errors": errors, "began": began,
                 "ended": ended})


def run_load(base: str, paths: list[str], processes: int, requests: int, seconds: float,
             during: Any = None) -> dict[str, Any]:
    """Drive ``requests`` GETs (at most ``seconds``) from ``processes`` client processes; latency percentiles in ms.

    ``during(stop)``, if given, runs in this process once the clients have started; they stop when it sets
    ``stop``.  The result then also holds the raw ``latencies_ms`` and ``sent`` times.
    """
    context = mp.get_context("spawn")
    start = context.Event()
    stop = context.Event()
    results = context.Queue()
    per_process = max(1, requests // processes)
    workers = [context.Process(target=_client, args=(base, paths, per_process, seconds, i, start, results, stop))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    time.sleep(3.0)  # let every process import httpx and connect
    start.set()
    if during is not None:
        during(stop)
    parts = [results.get(timeout=60 + seconds + 30) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    latencies = np.concatenate([np.array(p["latencies"]) for p in parts]) * 1000
    wall = max(p["ended"] for p in parts) - min(p["began"] for p in parts)
    return {"requests": len(latencies), "errors": int(sum(p["errors"] for p in parts)),
            "p50_ms": float(np.percentile(latencies, 50)), "p95_ms": float(np.percentile(latencies, 95)),
            "p99_ms": float(np.percentile(latencies, 99)), "req_per_s": float(len(latencies) / wall),
            "seconds": float(wall), "latencies_ms": latencies,
            "sent": np.concatenate([np.array(p["sent"]) for p in parts]),
            "paths": np.concatenate([np.array(p["paths"], dtype=object) for p in parts])}


def _summary(latencies_ms: np.ndarray) -> str:
    if not len(latencies_ms):
        return "no requests"
    return (f"requests={len(latencies_ms)} p50={np.percentile(latencies_ms, 50):.0f} ms "
            f"p95={np.percentile(latencies_ms, 95):.0f} ms max={latencies_ms.max():.0f} ms "
            f"over 20 s={int((latencies_ms > 20_000).sum())}")


def _firms_csv(path: Path, rows: int) -> Path:
    """``rows`` new firms (own USCCs, a town and an industry each): the kind of file that took the API down."""
    import csv

    from graph import uscc

    towns = ["丁蜀镇", "高塍镇", "和桥镇", "官林镇", "宜城街道", "环科园"]
    industries = ["节能环保", "电线电缆", "新材料", "高端装备"]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["企业名称", "统一社会信用代码", "所属镇", "所属行业"])
        for i in range(rows):
            writer.writerow([f"宜兴压测{i:07d}科技有限公司", uscc.with_check_digit(f"91320282MB{i:07d}"),
                             towns[i % len(towns)], industries[i % len(industries)]])
    return path


def ingest_under_load(base: str, db: str, rows: int, processes: int, after: float) -> dict[str, Any]:
    """Reads from ``processes`` clients while ``innonet ingest`` loads ``rows`` firms into ``db``, and ``after``
    seconds past its end; latencies per phase."""
    folder = Path(tempfile.mkdtemp(prefix="innonet-bench-ingest-"))
    csv_path = _firms_csv(folder / "firms.csv", rows)
    paths = ["/entities?q=环保&limit=20", "/entities?kind=Enterprise&limit=50&offset=100", "/indicators",
             "/ecosystem/summary", "/maps/ecosystem"]
    env = {**os.environ, "INNONET_DB": db}
    times: dict[str, float] = {}

    def during(stop: Any) -> None:
        times["start"] = time.time()
        ingest = subprocess.run(
            [sys.executable, "-c", "from api.cli import main; main()", "ingest", str(csv_path),
             "--report", str(folder / "report.xlsx")], env=env, capture_output=True, text=True, check=False)
        times["end"] = time.time()
        if ingest.returncode != 0:
            print(ingest.stderr[-2000:])
        time.sleep(after)
        stop.set()

    result = run_load(base, paths, processes, 10**7, 3600, during=during)
    latencies, sent = result["latencies_ms"], result["sent"]
    in_ingest = (sent >= times["start"]) & (sent < times["end"])
    print(f"ingest of {rows:,} rows took {times['end'] - times['start']:.0f} s")
    print(f"reads during the ingest:      {_summary(latencies[in_ingest])}")
    print(f"reads {after:.0f} s after the ingest: {_summary(latencies[sent >= times['end']])}")
    print(f"all reads:                     {_summary(latencies)} errors={result['errors']}")
    for path in paths:
        mine = result["paths"] == path
        print(f"  {path:<48} during: {_summary(latencies[mine & in_ingest])}")
        print(f"  {'':<48} after:  {_summary(latencies[mine & (sent >= times['end'])])}")
    return {"rows": rows, "ingest_seconds": times["end"] - times["start"],
            "during_p95_ms": float(np.percentile(latencies[in_ingest], 95)) if in_ingest.any() else None,
            "after_p95_ms": float(np.percentile(latencies[sent >= times["end"]], 95)),
            "max_ms": float(latencies.max()), "errors": result["errors"]}


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
    parser.add_argument("--ingest-rows", type=int, default=0,
                        help="Also read while `innonet ingest` loads this many rows into a copy of the store")
    parser.add_argument("--after", type=float, default=60.0, help="Seconds to keep reading after that ingest")
    parser.add_argument("--skip-load", action="store_true", help="Skip the pairings / summary load test")
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
    if args.ingest_rows:  # ingest into a copy (with its id key), never into the given store
        import shutil

        copy = Path(tempfile.mkdtemp(prefix="innonet-bench-copy-")) / "served.db"
        with SQLiteStore(db) as store:
            store._read("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(db, copy)
        if Path(db + ".idkey").exists():
            shutil.copyfile(db + ".idkey", str(copy) + ".idkey")
        db = str(copy)
    with SQLiteStore(db) as store:
        firms = store.nodes(kind="Enterprise")["id"].tolist()
        counts = store.counts()
    print(f"store {db}: {sum(counts['nodes'].values())} nodes, {sum(counts['relationships'].values())} relationships, "
          f"{len(firms)} firms; {os.cpu_count()} CPUs")

    port = free_port()
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
        started = time.perf_counter()
        while True:  # the recommender is fitted in the background at start-up: 503 until then
            warm = httpx.get(f"{base}/pairings/{firms[0]}", headers=headers, timeout=600)
            if warm.status_code != 503:
                break
            time.sleep(0.2)
        print(f"recommender ready {time.perf_counter() - started:.1f} s after start (status {warm.status_code})")
        for _ in range(args.workers):
            started = time.perf_counter()
            httpx.get(f"{base}/ecosystem/summary", headers=headers, timeout=600).raise_for_status()
            print(f"summary built on first request: {time.perf_counter() - started:.1f} s")
        rng = random.Random(0)
        sample = [f"/pairings/{rng.choice(firms)}?k=10" for _ in range(500)]
        if args.workers > 1:  # warm every worker: keep asking until each has answered fast
            for path in sample[:50]:
                httpx.get(base + path, headers=headers, timeout=600)
        for name, paths in (("GET /pairings/{id}", sample), ("GET /ecosystem/summary", ["/ecosystem/summary"])):
            if args.skip_load:
                break
            result = run_load(base, paths, args.processes, args.requests, args.seconds)
            results[name] = {k: v for k, v in result.items() if k not in ("latencies_ms", "sent", "paths")}
            print(f"{name:<24} processes={args.processes} workers={args.workers} requests={result['requests']} "
                  f"errors={result['errors']} p50={result['p50_ms']:.1f} ms p95={result['p95_ms']:.1f} ms "
                  f"p99={result['p99_ms']:.1f} ms {result['req_per_s']:.0f} req/s")
        if args.ingest_rows:
            for path in ("/entities?q=环保&limit=20", "/indicators", "/maps/ecosystem"):  # warm what is read
                httpx.get(base + path, headers=headers, timeout=600).raise_for_status()
            results["ingest"] = ingest_under_load(base, db, args.ingest_rows, args.processes, args.after)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if args.as_json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
