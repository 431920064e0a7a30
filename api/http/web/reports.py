"""The reports page: the latest 月报 / 季评 files with downloads, the targets and how far each is, and (admins) a
button that runs the analysis again in the background.

The files are those ``innonet analyze`` writes (report.html / .xlsx / .docx / .pdf and analysis.xlsx) in the
report folder: ``INNONET_REPORT_DIR``, default ``./analysis`` (where ``innonet analyze`` writes by default).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from analysis.targets import target_progress
from api.http.cache import AppCache
from api.http.common import cached_table
from api.http.deps import get_cache, get_store
from api.http.web.common import PREFIX, PageRoute, page, require
from api.http.web.session import Session, check_csrf
from graph.errors import NotFoundError
from graph.store import GraphStore

__all__ = ["REPORT_FILES", "report_dir", "router", "run_report"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

#: The files of a report that may be downloaded: name → (label, media type).
REPORT_FILES: dict[str, tuple[str, str]] = {
    "report.pdf": ("报告 PDF", "application/pdf"),
    "report.docx": ("报告 Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "analysis.xlsx": ("分析表 Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "report.html": ("报告 HTML（离线）", "text/html; charset=utf-8"),
    "map.html": ("竹海地图 HTML", "text/html; charset=utf-8"),
}
_MAX_TARGET_ROWS = 60


def report_dir(request: Request) -> Path:
    """Where the reports are: ``app.state.web_report_dir``, else ``INNONET_REPORT_DIR``, else ``./analysis``."""
    folder = getattr(request.app.state, "web_report_dir", None) or os.environ.get("INNONET_REPORT_DIR") or "analysis"
    return Path(folder)


def run_report(store: GraphStore, folder: Path, job: dict[str, Any]) -> None:
    """Run the analysis and write its files into ``folder`` (as ``innonet analyze`` does), reporting into ``job``."""
    from analysis.report import run_analysis
    from api.render.report import write_report_files

    started = time.perf_counter()
    try:
        result = run_analysis(store)
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


def _targets(session: Session, store: GraphStore, cache: AppCache) -> list[dict[str, Any]]:
    table = cached_table(session.principal, store, cache, "web:targets", target_progress)
    if table.empty:
        return []
    city = table[table["town"] == "全市"] if "全市" in set(table["town"]) else table
    rows = []
    def num(row: dict[str, Any], key: str) -> float | None:
        value = row.get(key)
        return None if value is None or (isinstance(value, float) and value != value) else float(value)

    for row in city.head(_MAX_TARGET_ROWS).to_dict(orient="records"):
        rows.append({"indicator": row.get("indicator"), "period": row.get("target_period"), "unit": row.get("unit") or "",
                     "target": num(row, "target"), "actual": num(row, "actual"), "completion": num(row, "completion"),
                     "elapsed": num(row, "elapsed"), "behind": bool(row.get("behind")) if row.get("behind") == row.get("behind")
                     else False, "status": row.get("status")})
    return rows


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, session: Session = Depends(require("viewer")),  # noqa: B008
                 store: GraphStore = Depends(get_store), cache: AppCache = Depends(get_cache)) -> Response:  # noqa: B008
    folder = report_dir(request)
    job = getattr(request.app.state, "web_report_job", None)
    return page(request, "reports.html", session=session, files=_files(folder), targets=_targets(session, store, cache),
                job=job, folder=str(folder))


@router.get("/reports/file")
def report_file(request: Request, name: Annotated[str, Query(max_length=40)],
                session: Session = Depends(require("viewer"))) -> Response:  # noqa: B008
    """One of the report's files (only the names of :data:`REPORT_FILES`)."""
    if name not in REPORT_FILES:
        raise NotFoundError(f"没有这个报告文件 / no report file {name!r}")
    path = report_dir(request) / name
    if not path.is_file():
        raise NotFoundError(f"报告文件 {name} 还没有生成 / {name} has not been written yet; an admin can run the analysis")
    return FileResponse(path, media_type=REPORT_FILES[name][1], filename=name,
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.post("/reports/run")
def run_again(request: Request, csrf: Annotated[str, Form(max_length=200)] = "",
              session: Session = Depends(require("admin")),  # noqa: B008
              store: GraphStore = Depends(get_store)) -> Response:  # noqa: B008
    """Start the analysis in the background (one run at a time); the page shows its progress."""
    check_csrf(request, csrf, session)
    state = request.app.state
    lock = getattr(state, "web_report_lock", None)
    if lock is None:
        lock = state.web_report_lock = threading.Lock()
    with lock:
        job = getattr(state, "web_report_job", None)
        if job is None or job.get("state") != "running":
            job = {"state": "running", "started": dt.datetime.now().isoformat(timespec="seconds")}
            state.web_report_job = job
            threading.Thread(target=run_report, args=(store, report_dir(request), job), daemon=True,
                             name="innonet-web-report").start()
    return RedirectResponse(f"{PREFIX}/reports", status_code=303)
