"""Benchmark of ``innonet analyze`` at city scale and of the core network analyses at province scale.

City (issue 4 target: the whole analysis <= 10 s of compute): the demo ecosystem (``ingest.demo``, about
3,000 firms) is generated and ingested once into a SQLite store cached under ``--cache``; every step of
:func:`analysis.report.run_analysis` is timed (wall and CPU seconds), then the workbook and the HTML report
are written and timed apart (rendering, not compute).

Province (target: PageRank, Leiden, coreness, constraint and sampled betweenness on about 200,000 firms in
<= 5 min within 24 GiB): the province demo files are generated once (cached; about 10 minutes on a busy
2-core machine).  Ingesting them through the pipeline would take far longer than a benchmark run, so the
organisation network is built straight from the files with pandas: organisations are keyed by their
NFKC-normalised name (the generator's deliberate name variants are not resolved, so a few organisations
appear twice), and edges are the same relationship types the store would hold (COLLABORATES_WITH from
projects shared by a firm and a university, EMPLOYS / AFFILIATED_WITH and SECONDED_TO from the talent list,
INVESTS_IN and SERVES from the relationship workbook, MET from the matchmaking events).  The edge list is
cached next to the files.  Each analysis then runs through :class:`analysis.engine.IGraphAdapter`; peak
memory is the process's maximum resident set size.  Exact betweenness runs only with ``--exact``.

Run::

    python bench/bench_analysis.py                      # city
    python bench/bench_analysis.py --scale province     # province (generates the files the first time)
    python bench/bench_analysis.py --scale both --repeat 3
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.engine import DEFAULT_PIVOTS, IGraphAdapter
from analysis.report import run_analysis
from api.render.report import write_report, write_workbook
from graph import SQLiteStore

CITY_TARGET_SECONDS = 10.0
PROVINCE_TARGET_SECONDS = 300.0
PROVINCE_TARGET_GIB = 24.0


def _peak_gib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _table(rows: list[tuple], header: tuple[str, ...]) -> str:
    text = [[str(c) for c in header]] + [[f"{c:.2f}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in text) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in text]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ---- city -----------------------------------------------------------------------------------------------------

def city_store(cache: Path, seed: int, rebuild: bool = False) -> tuple[Path, float | None]:
    """The cached city demo store (built when missing); returns its path and the build seconds (None if cached)."""
    path = cache / f"city-{seed}.db"
    if path.exists() and not rebuild:
        return path, None
    from ingest.demo import load_demo

    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / f"city-{seed}.partial.db"
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    start = time.perf_counter()
    store = SQLiteStore(str(partial))
    with tempfile.TemporaryDirectory() as files:
        load_demo(store, files, scale="city", seed=seed)
    store.close()
    os.replace(partial, path)
    return path, time.perf_counter() - start


def bench_city(cache: Path, seed: int, repeat: int, rebuild: bool) -> bool:
    path, built = city_store(cache, seed, rebuild)
    print(f"city store {path}" + (f" (built in {built:.1f} s: generate + ingest)" if built else " (cached)"))
    runs = []
    for _ in range(repeat):
        store = SQLiteStore(str(path))
        try:
            runs.append(run_analysis(store))
        finally:
            store.close()
    best = min(runs, key=lambda r: sum(r.cpu_timings.values()))
    rows = [(step, best.timings[step], best.cpu_timings[step]) for step in best.timings]
    wall, cpu = sum(best.timings.values()), sum(best.cpu_timings.values())
    rows.append(("TOTAL compute", wall, cpu))
    with tempfile.TemporaryDirectory() as out:
        for name, write in (("analysis.xlsx", write_workbook), ("report.html", write_report)):
            start, cpu_start = time.perf_counter(), time.process_time()
            write(best, Path(out) / name)
            rows.append((f"(write {name})", time.perf_counter() - start, time.process_time() - cpu_start))
    print(f"run_analysis on the city demo, best CPU total of {repeat} run(s); as of {best.year}")
    print(_table(rows, ("step", "wall s", "cpu s")))
    written = sum(r[2] for r in rows[-2:])
    ok = cpu <= CITY_TARGET_SECONDS
    print(f"compute {cpu:.2f} s CPU / {wall:.2f} s wall (target <= {CITY_TARGET_SECONDS:.0f} s): "
          f"{'OK' if ok else 'MISSED'}; with the workbook and report written {cpu + written:.2f} s CPU; "
          f"peak memory {_peak_gib():.2f} GiB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return ok


# ---- province -------------------------------------------------------------------------------------------------

def province_files(cache: Path, seed: int, files: Path | None) -> Path:
    """The province demo files: ``files`` when given, else generated once into the cache."""
    if files is not None:
        return files
    target = cache / f"province-{seed}"
    if target.exists():
        return target
    from ingest.demo import generate

    partial = cache / f"province-{seed}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    start = time.perf_counter()
    generate(partial, scale="province", seed=seed, progress=sys.stderr.isatty())
    os.replace(partial, target)
    print(f"generated province files in {time.perf_counter() - start:.0f} s into {target}")
    return target


def _key(values: pd.Series) -> pd.Series:
    """Organisation key: NFKC-normalised, whitespace-free name (full-width brackets become half-width)."""
    return values.astype(object).map(
        lambda v: None if pd.isna(v) else "".join(unicodedata.normalize("NFKC", str(v)).split()) or None
    )


def _edges(source: pd.Series, target: pd.Series, type_: str) -> pd.DataFrame:
    frame = pd.DataFrame({"source": _key(source).to_numpy(), "target": _key(target).to_numpy(), "type": type_})
    return frame.dropna(subset=["source", "target"])


def province_network(directory: Path) -> tuple[list[str], pd.DataFrame, dict[str, int]]:
    """Organisations and organisation-network edges read from the province demo files with pandas.

    Returns the node ids (every organisation of the directory, talents included), the edges
    (``source``, ``target``, ``type``) and node counts per kind.
    """
    cached = directory / "bench_network.pkl"
    if cached.exists():
        return pd.read_pickle(cached)
    from ingest.demo import FILE_NAMES

    def sheets(key: str) -> dict[str, pd.DataFrame]:
        return pd.read_excel(directory / FILE_NAMES[key], sheet_name=None, dtype=object, engine="calamine")

    orgs = sheets("organisations")
    kinds = {
        "Enterprise": _key(orgs["企业"]["企业名称"]),
        "University": _key(orgs["高校院所"]["单位名称"]),
        "Fund": _key(orgs["基金"]["基金名称"]),
        "ServiceAgency": _key(orgs["服务机构"]["服务机构名称"]),
    }
    universities = set(kinds["University"].dropna())
    talents = next(iter(sheets("talents").values()))
    talent_id = "talent:" + talents["姓名"].astype(str) + "@" + _key(talents["工作单位"]).fillna("").astype(str)
    talent_id = talent_id.where(~talent_id.duplicated(), talent_id + "#" + talents.index.astype(str))
    kinds["Talent"] = talent_id
    workplace = _key(talents["工作单位"])
    parts = [
        pd.DataFrame({"source": talent_id.to_numpy(), "target": workplace.to_numpy(), "type": "AFFILIATED_WITH"}),
        pd.DataFrame({"source": talent_id.to_numpy(), "target": _key(talents["选派企业"]).to_numpy(),
                      "type": "SECONDED_TO"}),
    ]
    projects = next(iter(sheets("participations").values()))
    projects = projects.assign(org=_key(projects["承担单位"]))[["项目编号", "org"]].dropna().drop_duplicates()
    is_university = projects["org"].isin(universities)
    pairs = projects[~is_university].merge(projects[is_university], on="项目编号", suffixes=("_firm", "_uni"))
    parts.append(pd.DataFrame({"source": pairs["org_firm"].to_numpy(), "target": pairs["org_uni"].to_numpy(),
                               "type": "COLLABORATES_WITH"}))
    for name, frame in sheets("relationships").items():
        parts.append(_edges(frame["起点"], frame["终点"], str(frame["关系类型"].iloc[0]) if len(frame) else name))
    events = next(iter(sheets("events").values()))
    met = events[events["对接单位"].notna()]
    parts.append(_edges(met["参会单位"], met["对接单位"], "MET"))
    edges = pd.concat(parts, ignore_index=True).dropna(subset=["source", "target"])
    organisation_types = {"COLLABORATES_WITH", "AFFILIATED_WITH", "SECONDED_TO", "INVESTS_IN", "SERVES", "MET"}
    edges = edges[edges["type"].isin(organisation_types).to_numpy()]
    ids = list(dict.fromkeys(x for ids_ in kinds.values() for x in ids_.dropna()))
    known = set(ids)
    edges = edges[edges["source"].isin(known).to_numpy() & edges["target"].isin(known).to_numpy()]
    counts = {kind: int(values.notna().sum()) for kind, values in kinds.items()}
    network = (ids, edges.reset_index(drop=True), counts)
    pd.to_pickle(network, cached)
    return network


def bench_province(cache: Path, seed: int, files: Path | None, pivots: int, exact: bool) -> bool:
    directory = province_files(cache, seed, files)
    start = time.perf_counter()
    ids, edges, counts = province_network(directory)
    read = time.perf_counter() - start
    print(f"province files {directory}; network read in {read:.1f} s: {len(ids):,} nodes "
          f"({', '.join(f'{k} {v:,}' for k, v in counts.items())}), {len(edges):,} edges "
          f"({', '.join(f'{t} {n:,}' for t, n in edges['type'].value_counts().items())})")
    steps: list[tuple[str, Callable[[], Any]]] = []
    timings: list[tuple[str, float, float, float]] = []
    holder: dict[str, IGraphAdapter] = {}

    def build() -> None:
        holder["adapter"] = IGraphAdapter.from_edges(edges.assign(weight=1.0), nodes=ids)

    steps.append(("build igraph (from edge frame)", build))
    steps += [
        ("PageRank", lambda: holder["adapter"].pagerank()),
        ("Leiden", lambda: holder["adapter"].leiden(seed=seed)),
        ("coreness", lambda: holder["adapter"].coreness()),
        ("constraint", lambda: holder["adapter"].constraint()),
        ("effective size", lambda: holder["adapter"].effective_size()),
        (f"betweenness ({pivots} pivots)", lambda: holder["adapter"].betweenness(k=pivots, seed=seed)),
    ]
    if exact:
        steps.append(("betweenness (exact)", lambda: holder["adapter"].betweenness(exact=True)))
    for name, step in steps:
        wall, cpu = time.perf_counter(), time.process_time()
        out = step()
        timings.append((name, time.perf_counter() - wall, time.process_time() - cpu, _peak_gib()))
        if name == "Leiden":
            print(f"  Leiden: {int(out.max()) + 1:,} communities, "
                  f"{int((out.value_counts() >= 2).sum()):,} of size >= 2")
    graph = holder["adapter"].graph
    core = sum(t[2] for t in timings if "exact" not in t[0])  # the igraph build counts too
    rows = [(*t[:3], f"{t[3]:.2f}") for t in timings]
    rows.append(("TOTAL (build + core, no exact)", sum(t[1] for t in timings if "exact" not in t[0]), core, ""))
    print(f"igraph: {graph.vcount():,} vertices, {graph.ecount():,} weighted edges "
          f"(mean degree {2 * graph.ecount() / max(graph.vcount(), 1):.2f}, "
          f"{int(np.sum(np.asarray(graph.degree()) == 0)):,} isolated)")
    print(_table(rows, ("step", "wall s", "cpu s", "peak GiB")))
    peak = _peak_gib()
    ok = core <= PROVINCE_TARGET_SECONDS and peak <= PROVINCE_TARGET_GIB
    print(f"core analyses {core:.1f} s CPU (target <= {PROVINCE_TARGET_SECONDS:.0f} s), peak memory {peak:.2f} GiB "
          f"(target <= {PROVINCE_TARGET_GIB:.0f} GiB): {'OK' if ok else 'MISSED'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("city", "province", "both"), default="city")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "innonet-bench",
                        help="Where the city store and the province files are kept between runs.")
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the cached city store.")
    parser.add_argument("--repeat", type=int, default=1, help="City runs; the best CPU total is shown.")
    parser.add_argument("--files", type=Path, help="Province demo files already generated (skips generation).")
    parser.add_argument("--pivots", type=int, default=DEFAULT_PIVOTS, help="Pivots of sampled betweenness.")
    parser.add_argument("--exact", action="store_true", help="Also time exact betweenness at province scale.")
    args = parser.parse_args(argv)
    ok = True
    if args.scale in ("city", "both"):
        ok &= bench_city(args.cache, args.seed, max(1, args.repeat), args.rebuild)
    if args.scale in ("province", "both"):
        ok &= bench_province(args.cache, args.seed, args.files, args.pivots, args.exact)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
