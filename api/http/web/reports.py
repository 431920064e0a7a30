"""The reports page: choose a period (month, quarter, year) and a town (GET form); see that period's indicators
with their target completion (完成率, 序时进度, behind schedule), download that period's report files; admins run
the analysis for it in the background.

The files are those ``innonet analyze`` writes (report.html / .xlsx / .docx / .pdf and analysis.xlsx) in the
report folder: ``INNONET_REPORT_DIR``, default ``./analysis`` (where ``innonet analyze`` writes by default) —
the latest report at its top, a chosen period's (and town's) in its sub-folder ``<period>`` or
``<period>-<town>`` (e.g. ``2025-Q3-官林镇``), which the run button writes.

The tables are :func:`analysis.indicators.indicators` and :func:`analysis.targets.target_progress` of the store
as it stood at the period's end, through the API's cache (:func:`api.http.common.period_table`): the same
numbers as ``GET /indicators?period=`` and ``GET /targets?period=``.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from analysis.ecosystem import ALL, known_town
from analysis.indicators import indicators
from analysis.periods import Period
from analysis.targets import CITY, STATUS_LABELS, target_progress
from api.http.cache import AppCache
from api.http.common import analysis_snapshot, period_param, period_table, reported_period
from api.http.deps import get_cache, get_store
from api.http.web.common import PREFIX, PageRoute, page, require
from api.http.web.session import Session, check_csrf
from graph.errors import InvalidArgumentError, NotFoundError
from graph.store import GraphStore

__all__ = ["REPORT_FILES", "period_choices", "period_folder", "report_dir", "router", "run_report"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

#: The files of a report that may be downloaded: name → (label, media type).
REPORT_FILES: dict[str, tuple[str, str]] = {
    "report.pdf": ("报告 PDF", "application/pdf"),
    "report.docx": ("报告 Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "analysis.xlsx": ("分析表 Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "report.html": ("报告 HTML（离线）", "text/html; charset=utf-8"),
    "map.html": ("竹海地图 HTML", "text/html; charset=utf-8"),
}


def report_dir(request: Request) -> Path:
    """Where the reports are: ``app.state.web_report_dir``, else ``INNONET_REPORT_DIR``, else ``./analysis``."""
    folder = getattr(request.app.state, "web_report_dir", None) or os.environ.get("INNONET_REPORT_DIR") or "analysis"
    return Path(folder)


def run_report(store: GraphStore, folder: Path, job: dict[str, Any], period: Period | None = None,
               town: str | None = None) -> None:
    """Run the analysis of ``period`` (default the latest year) and ``town`` and write its files into ``folder``
    (as ``innonet analyze --period P --town T`` does, keeping the report for a later compare), reporting into
    ``job``."""
    from analysis.report import run_analysis
    from api.render.report import write_report_files

    started = time.perf_counter()
    try:
        result = run_analysis(store, period=period, town=town, compare=True if period is not None else None)
        written = write_report_files(result, folder, store=store)
        if written["notes"]:
            job["message"] = "; ".join(written["notes"])
        job.update(state="done", title=result.title)
    except Exception as exc:
        job.update(state="failed", message=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    finally:
        job["seconds"] = round(time.perf_counter() - started, 1)
        job["finished"] = dt.datetime.now().isoformat(timespec="seconds")


def _files(folder: Path) -> list[dict[str, Any]]:
    found = []
    for name, (label, _) in REPORT_FILES.items():
        path = folder / name
        if path.is_file():
            stat = path.stat()
            found.append({"name": name, "label": label, "size_kb": max(1, round(stat.st_size / 1024)),
                          "modified": dt.datetime.fromtimestamp(stat.st_mtime).strftime("%Y-%m-%d %H:%M")})
    return found


def period_folder(folder: Path, period: Period | None, town: str | None) -> Path:
    """Where the report of ``period`` and ``town`` is written: ``folder`` itself for the latest city report,
    else its sub-folder ``<period>`` or ``<period>-<town>`` (``town`` must be a known town: never a path)."""
    if period is None and town is None:
        return folder
    return folder / "-".join(str(part) for part in (period, town) if part is not None)


def period_choices(latest: int) -> list[tuple[str, str]]:
    """The periods the form offers, newest first: the years ``latest`` and ``latest - 1``, their quarters and
    months, as (value, label) pairs.

    >>> period_choices(2025)[:3]
    [('2025', '2025年度'), ('2025-Q4', '2025年第四季度'), ('2025-Q3', '2025年第三季度')]
    """
    choices = []
    for year in (latest, latest - 1):
        choices.append(Period.year(year))
        choices += [Period.quarter(year, q) for q in (4, 3, 2, 1)]
        choices += [Period.month(year, m) for m in range(12, 0, -1)]
    return [(str(p), p.label_zh) for p in choices]


def _num(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and value != value) else float(value)


def _table(session: Session, store: GraphStore, cache: AppCache, period: Period, town: str | None
           ) -> list[dict[str, Any]]:
    """The period's indicator rows of the place (the town, else 全市) with the place's target completion: one
    row per target read — the year's and, when one is set, the quarter's (科技型中小企业入库 2025: 150 and
    2025-Q3: 135) —, the indicator's values on the first (``first`` True), an indicator without a target once."""
    principal = session.principal
    values = period_table(principal, store, cache, "indicators", lambda snap: indicators(snap, period=snap.period),
                          period)
    progress = period_table(principal, store, cache, "targets", target_progress, period)
    place = town or ALL
    rows = values[values["town"] == place]
    targets: dict[str, list[dict[str, Any]]] = {}
    if len(progress):
        mine = progress[(progress["town"] == (town or CITY)) & progress["indicator"].notna()]
        mine = mine.assign(_quarter=mine["target_period"].astype(str).str.contains("Q")).sort_values(
            "_quarter", kind="stable")  # the year's target first, then the quarter's (序时)
        for row in mine.to_dict(orient="records"):
            targets.setdefault(row["indicator"], []).append(row)
    out = []
    for row in rows.to_dict(orient="records"):
        for number, target in enumerate(targets.get(row["indicator"]) or [{}]):
            out.append({
                "first": number == 0,
                "action": row["action"], "indicator": row["indicator"], "unit": row["unit"] or "",
                "value": _num(row["value"]), "previous": _num(row["previous"]), "change": _num(row["change"]),
                "yoy": _num(row["yoy_change"]), "ytd": _num(row["ytd"]), "nodata": row["status"] != "ok",
                "target_period": target.get("target_period"), "target": _num(target.get("target")),
                "actual": _num(target.get("actual")), "completion": _num(target.get("completion")),
                "elapsed": _num(target.get("elapsed")), "rank": _num(target.get("rank")),
                "behind": bool(target.get("behind")) if target else False, "target_status": target.get("status"),
                "target_label": STATUS_LABELS.get(target.get("status"), target.get("status")) if target else None,
            })
    return out


def _towns(session: Session, store: GraphStore, cache: AppCache) -> list[str]:
    """The towns with enterprises, as the caller may see the store (cached until it changes)."""
    from analysis.ecosystem import enterprises

    masked = not session.principal.sees_personal_data
    return cache.get(("web:towns", masked), lambda: sorted({t for t in enterprises(
        analysis_snapshot(session.principal, store, cache))["town"] if isinstance(t, str) and t}))


def _chosen(period: str | None, town: str | None, source: Any) -> tuple[Period | None, str | None]:
    """The period and town a request asks for (blank = none); the town through
    :func:`analysis.ecosystem.known_town` (the one check of the API: 和橋鎮 is 和桥镇), on ``source`` (the
    caller's snapshot); None as ``source`` when no town is asked for.

    Raises
    ------
    graph.errors.InvalidArgumentError
        A period that is not one, or a town that has no enterprises (both named, in Chinese and English).
    """
    chosen = period_param(period or None)
    return chosen, (known_town(source, town) if town else None)


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, session: Session = Depends(require("viewer")),  # noqa: B008
                 store: GraphStore = Depends(get_store), cache: AppCache = Depends(get_cache),  # noqa: B008
                 period: Annotated[str | None, Query(max_length=20)] = None,
                 town: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    folder = report_dir(request)
    job = getattr(request.app.state, "web_report_job", None)
    towns = _towns(session, store, cache)
    error = None
    try:
        chosen = period_param(period or None)
    except InvalidArgumentError as exc:
        chosen, error = None, str(exc)
    try:  # a wrong town keeps the period asked for (and a wrong period the town)
        town = known_town(analysis_snapshot(session.principal, store, cache), town) if town else None
    except InvalidArgumentError as exc:
        town, error = None, "; ".join(e for e in (error, str(exc)) if e)
    shown = reported_period(session.principal, store, cache, chosen)
    latest = analysis_snapshot(session.principal, store, cache).as_of
    subfolder = period_folder(folder, chosen, town)
    return page(request, "reports.html", session=session, latest_files=_files(folder) if subfolder != folder else [],
                files=_files(subfolder), table=_table(session, store, cache, shown, town), job=job, folder=str(folder),
                error=error, chosen=str(chosen or ""), period=str(shown), period_label=shown.label_zh, town=town or "",
                towns=towns, choices=period_choices(max(latest, shown.year_number)),
                subfolder="" if subfolder == folder else subfolder.name, out_folder=str(subfolder),
                command=_command(chosen, town, subfolder))


def _command(period: Period | None, town: str | None, folder: Path) -> str:
    """The ``innonet analyze`` command whose files this page lists for ``period`` and ``town``."""
    parts = ["innonet analyze"] + ([f"--period {period}"] if period is not None else []) + (
        [f"--town {town}"] if town else []) + [f"--out {folder}"]
    return " ".join(parts)


@router.get("/reports/file")
def report_file(request: Request, name: Annotated[str, Query(max_length=40)],
                session: Session = Depends(require("viewer")),  # noqa: B008
                store: GraphStore = Depends(get_store), cache: AppCache = Depends(get_cache),  # noqa: B008
                period: Annotated[str | None, Query(max_length=20)] = None,
                town: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    """One of the report's files (only the names of :data:`REPORT_FILES`): the latest report's, or the chosen
    period's and town's (:func:`period_folder`)."""
    if name not in REPORT_FILES:
        raise NotFoundError(f"没有这个报告文件 / no report file {name!r}")
    chosen, town = _chosen(period, town, analysis_snapshot(session.principal, store, cache) if town else None)
    path = period_folder(report_dir(request), chosen, town) / name
    if not path.is_file():
        raise NotFoundError(f"报告文件 {name} 还没有生成 / {name} has not been written yet; an admin can run the analysis")
    return FileResponse(path, media_type=REPORT_FILES[name][1], filename=name,
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.post("/reports/run")
def run_again(request: Request, csrf: Annotated[str, Form(max_length=200)] = "",
              period: Annotated[str, Form(max_length=20)] = "", town: Annotated[str, Form(max_length=100)] = "",
              session: Session = Depends(require("admin")),  # noqa: B008
              store: GraphStore = Depends(get_store), cache: AppCache = Depends(get_cache)) -> Response:  # noqa: B008
    """Start the analysis of the chosen period and town in the background (one run at a time); the page shows
    its progress and, when it is done, that period's files."""
    check_csrf(request, csrf, session)
    chosen, chosen_town = _chosen(period, town, analysis_snapshot(session.principal, store, cache) if town else None)
    state = request.app.state
    lock = getattr(state, "web_report_lock", None)
    if lock is None:
        lock = state.web_report_lock = threading.Lock()
    with lock:
        job = getattr(state, "web_report_job", None)
        if job is None or job.get("state") != "running":
            job = {"state": "running", "started": dt.datetime.now().isoformat(timespec="seconds"),
                   "period": str(chosen or ""), "town": chosen_town or ""}
            state.web_report_job = job
            folder = period_folder(report_dir(request), chosen, chosen_town)
            threading.Thread(target=run_report, args=(store, folder, job, chosen, chosen_town), daemon=True,
                             name="innonet-web-report").start()
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in (("period", period), ("town", town)) if v)
    return RedirectResponse(f"{PREFIX}/reports" + (f"?{query}" if query else ""), status_code=303)
