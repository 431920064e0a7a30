"""Pairing benchmark: fit time, recommend latency, top-10 for every firm.

Usage::

    python bench/bench_pairing.py --db /tmp/f_demo.db                 # city demo store (built with load_demo)
    python bench/bench_pairing.py --db /tmp/province.db --batch-only  # province scale: fit + top-10 for every firm

Targets (issue 5): fit on the city demo <= 30 s; one recommend p95 <= 5 ms; province
scale (about 200k firms) top-10 for every firm <= 10 min within 24 GiB.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from analysis.pairing import PairingData, PairingRecommender
from graph import SQLiteStore


def _timed(calls: list[tuple[str, dict]], recommender: PairingRecommender) -> tuple[np.ndarray, np.ndarray]:
    """Wall and CPU (this process, all threads) milliseconds of each ``recommend`` call."""
    wall, cpu = [], []
    for entity, options in calls:
        w0, c0 = time.perf_counter(), time.process_time()
        recommender.recommend(entity, **options)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return np.array(wall) * 1000, np.array(cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLite store with the demo loaded")
    parser.add_argument("--calls", type=int, default=300, help="recommend calls timed")
    parser.add_argument("--batch-only", action="store_true", help="skip the per-call latency part")
    args = parser.parse_args()

    started = time.perf_counter()
    store = SQLiteStore(args.db)
    data = PairingData.load(store)
    store.close()
    load_s = time.perf_counter() - started
    print(f"store read: {load_s:.1f} s ({data.count('Enterprise')} firms, {data.count('University')} universities, "
          f"{len(data.edges)} relationships)")

    started = time.perf_counter()
    recommender = PairingRecommender().fit(data)
    print(f"fit: {time.perf_counter() - started:.1f} s (target <= 30 s on the city demo)")

    if not args.batch_only:
        rng = np.random.default_rng(0)
        firms = [str(f) for f in data.ids[rng.choice(data.members("Enterprise"), size=args.calls)]]
        universities = [str(u) for u in data.ids[rng.choice(data.members("University"), size=args.calls // 3)]]
        cases = [("recommend(firm, k=10) with reasons", [(f, {"k": 10}) for f in firms])]
        if "Talent" in recommender.models_:
            cases.append(("recommend(firm, k=10, kind='Talent')", [(f, {"k": 10, "kind": "Talent"}) for f in firms]))
        cases.append(("recommend(university, k=10) -> firms", [(u, {"k": 10}) for u in universities]))
        _timed(cases[0][1][:10], recommender)  # warm-up
        for label, calls in cases:
            wall, cpu = _timed(calls, recommender)
            print(f"{label}: wall p50 {np.percentile(wall, 50):.2f} ms, p95 {np.percentile(wall, 95):.2f} ms; "
                  f"CPU p50 {np.percentile(cpu, 50):.2f} ms, p95 {np.percentile(cpu, 95):.2f} ms "
                  f"({len(calls)} calls; target p95 <= 5 ms)")

    started = time.perf_counter()
    top = recommender.recommend_all(k=10)
    print(f"top-10 for every firm: {time.perf_counter() - started:.1f} s, {len(top)} rows")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"peak memory: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
