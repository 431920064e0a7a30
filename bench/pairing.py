"""Pairing benchmark: fit time, recommend latency, top-10 for every firm.

Usage::

    python bench/pairing.py --db /tmp/f_demo.db                 # city demo store (built with load_demo)
    python bench/pairing.py --db /tmp/province.db --batch-only  # province scale: fit + top-10 for every firm

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
        firms = data.ids[rng.choice(data.members("Enterprise"), size=args.calls)]
        for label, options in (("recommend k=10 with reasons", {}),):
            timings = []
            for firm in firms:
                t0 = time.perf_counter()
                recommender.recommend(str(firm), k=10, **options)
                timings.append(time.perf_counter() - t0)
            ms = np.array(timings) * 1000
            print(f"{label}: p50 {np.percentile(ms, 50):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms")
        timings = []
        for firm in firms:
            local = np.array([data.local[data.pos[str(firm)]]])
            t0 = time.perf_counter()
            recommender.score_grid(local, "University")
            timings.append(time.perf_counter() - t0)
        ms = np.array(timings) * 1000
        print(f"score one firm against all universities: p50 {np.percentile(ms, 50):.2f} ms, "
              f"p95 {np.percentile(ms, 95):.2f} ms (target p95 <= 5 ms)")

    started = time.perf_counter()
    top = recommender.recommend_all(k=10)
    print(f"top-10 for every firm: {time.perf_counter() - started:.1f} s, {len(top)} rows")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"peak memory: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
