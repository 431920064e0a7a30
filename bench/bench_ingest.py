"""Ingest benchmark: demo files end to end (read → normalise → resolve → write) into SQLite and Neo4j.

Usage::

    python bench/bench_ingest.py                       # city scale into a fresh SQLite file
    python bench/bench_ingest.py --scale province      # ~200k enterprises
    python bench/bench_ingest.py --neo4j               # also into Neo4j: NEO4J_URI if set, else an ArcadeDB Bolt server
    python bench/bench_ingest.py --files DIR           # files already generated (skips generation)

Prints rows read, seconds and rows/s (wall clock, and per CPU second of this process: the CPU figure
is the one to compare on a busy machine; with a server store it leaves out the server's own work) for the first load and for a re-ingest of the same files (which must
change nothing), the time spent reading the files alone, and the peak memory (ru_maxrss).  Target:
>= 20,000 rows/s into SQLite end to end.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from ingest.pipeline import ingest_files
from ingest.read import read_file


def _files(args: argparse.Namespace, workdir: Path) -> list[Path]:
    if args.files:
        return sorted(p for p in Path(args.files).iterdir() if p.suffix.lower() in (".csv", ".xlsx"))
    from ingest.demo import generate

    started = time.perf_counter()
    paths = generate(workdir / "demo", scale=args.scale, seed=args.seed)
    print(f"generated {args.scale} demo files in {time.perf_counter() - started:.1f} s")
    return list(paths.values())


def _run(label: str, store: GraphStore, paths: list[Path]) -> None:
    for attempt in ("first load", "re-ingest"):
        before = store.counts() if attempt == "re-ingest" else None
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest_files(store, paths)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        totals = report.totals()
        print(f"{label:<8} {attempt:<10} {totals['rows_read']:>8} rows  {seconds:7.2f} s  "
              f"{totals['rows_read'] / seconds:>9,.0f} rows/s wall, {totals['rows_read'] / cpu:>9,.0f} rows/s of "
              f"this process's CPU   (written {totals['written']}, merged "
              f"{totals['merged']}, rejected {totals['rejected']}, held {totals['held_for_review']})")
        if before is not None and before != store.counts():
            print(f"{label}: re-ingest changed the counts!", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["city", "province"], default="city")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--files", help="a folder of CSV/XLSX files to ingest instead of generating the demo")
    parser.add_argument("--neo4j", action="store_true", help="also ingest into Neo4j / ArcadeDB over Bolt")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="innonet-bench-") as folder:
        workdir = Path(folder)
        paths = _files(args, workdir)
        started = time.perf_counter()
        rows = sum(len(sheet.frame) for path in paths for sheet in read_file(path))
        print(f"{len(paths)} files, {rows} rows; reading alone takes {time.perf_counter() - started:.2f} s")
        sqlite = SQLiteStore(workdir / "bench.db")
        try:
            _run("SQLite", sqlite, paths)
        finally:
            sqlite.close()
        if args.neo4j:
            _neo4j(paths)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MiB")


def _neo4j(paths: list[Path]) -> None:
    from graph.connect import open_store
    from graph.neo4j_store import Neo4jStore
    from graph.settings import Settings
    from graph.testing import ArcadeDBServer

    settings = Settings()
    if settings.uses_neo4j:
        store = open_store(settings)
        store.clear()
        try:
            _run("Neo4j", store, paths)
        finally:
            store.close()
        return
    server = ArcadeDBServer(heap="2g").start()
    driver = server.driver()
    try:
        store = Neo4jStore(driver, database=server.database)
        _run("ArcadeDB", store, paths)
    finally:
        driver.close()
        server.stop()


if __name__ == "__main__":
    main()
