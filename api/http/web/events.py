"""The event pages (对接会): create or pick an event, upload its sign-up list (any file ``innonet ingest`` reads;
names resolved forgivingly, the unknown ones listed for correction), plan the meetings (minimum score, times,
tables), download the agenda workbook, the event map and posters, and record each meeting's outcome
(签约 / 跟进 / 无), stored as ``MET`` relationships with the event, the hit rates shown.  Matchmakers and admins.

The plan is kept on the Event node (property ``plan``, JSON), so it survives a restart and any worker sees it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from analysis.pairing import event_hit_rates_from_frame, schedule_meetings
from api.http.cache import AppCache
from api.http.common import ascii_stem, fitted_recommender, name_index
from api.http.deps import get_cache, get_store
from api.http.web.common import PREFIX, PageRoute, page, require
from api.http.web.drawing import map_html, poster_bytes
from api.http.web.session import Session, check_csrf
from api.render.writer import Sheet, workbook_bytes
from graph.errors import IngestError, InnonetError, NotFoundError, SchemaError
from graph.store import GraphStore
from ingest.attendees import read_attendee_list, resolve_attendees

__all__ = ["OUTCOMES", "router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Outcomes a meeting can have, as stored on ``MET`` (graph.schema) and as shown.
OUTCOMES = {"signed": "签约 signed", "follow-up": "跟进 follow-up", "none": "无 none"}
_ATTENDEE_KINDS = ("Enterprise", "University", "Talent")
_MAX_PROBLEMS = 200
_MAX_ROWS = 2000


def event_url(event_id: str) -> str:
    return f"{PREFIX}/event?id={quote(str(event_id), safe='')}"


def _present(value: Any) -> bool:
    return value is not None and value == value and value != ""


def _event(store: GraphStore, event_id: str) -> dict[str, Any]:
    nodes = store.nodes(ids=[event_id])
    if nodes.empty or nodes.iloc[0]["kind"] != "Event":
        raise NotFoundError(f"没有这个对接会 / no event with id {event_id!r}; pick one from the list")
    return {k: v for k, v in nodes.iloc[0].to_dict().items() if _present(v)}


def _plan(event: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        plan = json.loads(event.get("plan") or "[]")
    except ValueError:
        return []
    return plan if isinstance(plan, list) else []


def _code(event_id: str) -> str:
    """The key of the event's MET relationships (as ``innonet ingest`` writes them: the id without ``event:``)."""
    return event_id.removeprefix("event:")


def _attendees(store: GraphStore, event_id: str) -> pd.DataFrame:
    neighbours = store.neighbours(event_id, type="ATTENDED")
    if neighbours.empty:
        return neighbours
    return neighbours[neighbours["kind"].isin(_ATTENDEE_KINDS)].drop_duplicates("id").sort_values(["kind", "name"])


def _met(store: GraphStore, event_id: str) -> pd.DataFrame:
    met = store.relationships(type="MET")
    if met.empty or "event" not in met.columns:
        return pd.DataFrame(columns=["source", "target", "event", "outcome"])
    return met[met["event"] == event_id]


def _times(start: str, minutes: int, slot: int) -> str:
    try:
        begin = dt.datetime.strptime(start, "%H:%M") + dt.timedelta(minutes=minutes * (slot - 1))
    except ValueError:
        return f"第{slot}时段"
    return f"{begin:%H:%M}–{begin + dt.timedelta(minutes=minutes):%H:%M}"


def _event_context(store: GraphStore, event_id: str) -> dict[str, Any]:
    event = _event(store, event_id)
    attendees = _attendees(store, event_id)
    plan = _plan(event)
    met = _met(store, event_id)
    outcomes = {(r["source"], r["target"]): r.get("outcome") for r in met.to_dict(orient="records")}
    start, minutes = str(event.get("plan_start", "14:00")), int(event.get("plan_minutes", 20))
    for row in plan:
        row["time"] = _times(start, minutes, int(row["slot"]))
        row["outcome"] = outcomes.get((row["enterprise_id"], row["partner_id"]), "")
        row["percent"] = round(float(row.get("score", 0)) * 100)
    rates = event_hit_rates_from_frame(met[["event", "outcome"]].assign(event=event_id)) if len(met) else None
    counts = attendees["kind"].value_counts().to_dict() if len(attendees) else {}
    return {
        "event": event, "event_id": event_id, "quoted_id": quote(event_id, safe=""),
        "attendees": [{"id": r["id"], "name": r.get("name") or r["id"], "kind": r["kind"],
                       "url": f"{PREFIX}/org?id={quote(str(r['id']), safe='')}"} for r in attendees.to_dict("records")],
        "counts": {"firms": counts.get("Enterprise", 0), "partners": counts.get("University", 0) + counts.get("Talent", 0)},
        "plan": plan, "outcome_labels": OUTCOMES,
        "rates": rates.iloc[0].to_dict() if rates is not None and len(rates) else None,
        "settings": {"slots": int(event.get("plan_slots", 6)), "max_meetings": int(event.get("plan_max", 3)),
                     "tables": int(event.get("plan_tables", 20)), "min_score": int(event.get("plan_min_score", 0)),
                     "start": start, "minutes": minutes},
    }


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, session: Session = Depends(require("matchmaker")),  # noqa: B008
                store: GraphStore = Depends(get_store)) -> Response:  # noqa: B008
    def build() -> list[dict[str, Any]]:
        events = store.nodes("Event")
        attended = store.relationships(type="ATTENDED")
        per_event = attended.groupby("target").size().to_dict() if len(attended) else {}
        met = store.relationships(type="MET")
        rates = {}
        if len(met) and "event" in met.columns:
            table = event_hit_rates_from_frame(met[["event", "outcome"]])
            rates = {r["event_id"]: r for r in table.to_dict(orient="records")}
        rows = []
        for event in events.to_dict(orient="records"):
            rate = rates.get(event["id"])
            rows.append({"id": event["id"], "name": event.get("name") or event["id"], "url": event_url(event["id"]),
                         "date": event.get("date") if _present(event.get("date")) else "",
                         "town": event.get("town") if _present(event.get("town")) else "",
                         "attendees": int(per_event.get(event["id"], 0)),
                         "meetings": int(rate["meetings"]) if rate else 0,
                         "hit_rate": float(rate["hit_rate"]) if rate else None})
        rows.sort(key=lambda r: (str(r["date"]), r["name"]), reverse=True)
        return rows

    rows = build()  # read fresh (events are few): a planner sees the event or the outcomes just saved
    return page(request, "events.html", session=session, events=rows, today=dt.date.today().isoformat())


@router.post("/events")
def create_event(
    request: Request,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    date: Annotated[str, Form(max_length=10)] = "",
    town: Annotated[str, Form(max_length=100)] = "",
    session: Session = Depends(require("matchmaker")),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> Response:
    check_csrf(request, csrf, session)
    try:
        day = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError:
        raise SchemaError(f"日期格式应为 2025-05-18 / the date {date!r} is not YYYY-MM-DD") from None
    event_id = f"event:WEB-{day:%Y%m%d}-{secrets.token_hex(3)}"
    props = {"id": event_id, "name": name.strip(), "date": day.isoformat(), "year": day.year,
             "event_type": "产学研对接会", "data_source": "网页工作台 web workbench"}
    if town.strip():
        props["town"] = town.strip()
    store.upsert_nodes("Event", [props])
    cache.invalidate()
    return RedirectResponse(event_url(event_id), status_code=303)


@router.get("/event", response_class=HTMLResponse)
def event_page(request: Request, id: Annotated[str, Query(min_length=1, max_length=300)],
               session: Session = Depends(require("matchmaker")),  # noqa: B008
               store: GraphStore = Depends(get_store)) -> Response:  # noqa: B008
    return page(request, "event.html", session=session, problems=[], added=None, notice=None,
                **_event_context(store, id))


def _shown(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The problems of :func:`ingest.attendees.resolve_attendees` as the page lists them (row, text, reason and up to
    8 candidates to pick)."""
    return [{"row": p["row"], "text": p["text"], "reason": p["problem"],
             "candidates": [{"id": option_id, "label": label} for option_id, label in p["options"][:8]]}
            for p in problems[:_MAX_PROBLEMS]]


def _add_attendees(store: GraphStore, cache: AppCache, event_id: str, ids: list[str]) -> int:
    if ids:
        store.upsert_relationships("ATTENDED", [{"source": i, "target": event_id} for i in ids])
        cache.invalidate()
    return len(ids)


@router.post("/event/signup", response_class=HTMLResponse)
async def upload_signups(
    request: Request,
    id: Annotated[str, Form(min_length=1, max_length=300)],
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=200)] = "",
    session: Session = Depends(require("matchmaker")),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> Response:
    check_csrf(request, csrf, session)
    _event(store, id)
    suffix = re.sub(r"[^0-9A-Za-z.]", "", Path(file.filename or "list.csv").suffix)[:8] or ".csv"
    content = await file.read()

    def work() -> tuple[int, list[dict[str, Any]]]:
        index = name_index(session.principal, store, cache)
        with tempfile.TemporaryDirectory(prefix="innonet-web-signup-") as folder:
            path = Path(folder) / f"signup{suffix}"
            path.write_bytes(content)
            try:
                found = read_attendee_list(path, index, kinds=_ATTENDEE_KINDS, max_rows=_MAX_ROWS)
            except IngestError as exc:  # the temporary name means nothing to the person: name the upload
                raise IngestError(str(exc).replace(str(path), file.filename or "upload")) from None
        return _add_attendees(store, cache, id, found.ids), _shown(found.problems.to_dict(orient="records"))

    added, problems = await run_in_threadpool(work)
    return page(request, "event.html", session=session, problems=problems, added=added,
                notice=f"已加入 {added} 位参会方 / {added} attendees added", **_event_context(store, id))


@router.post("/event/fix", response_class=HTMLResponse)
async def fix_signups(request: Request, session: Session = Depends(require("matchmaker")),  # noqa: B008
                      store: GraphStore = Depends(get_store),  # noqa: B008
                      cache: AppCache = Depends(get_cache)) -> Response:  # noqa: B008
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")), session)
    event_id = str(form.get("id", ""))
    _event(store, event_id)
    numbers = [key.removeprefix("text_") for key in form if str(key).startswith("text_")][:_MAX_PROBLEMS]

    def work() -> tuple[int, list[dict[str, Any]]]:
        index = name_index(session.principal, store, cache)
        picked: list[str] = []
        retry: list[tuple[int, str]] = []
        for number in numbers:
            pick, typed = str(form.get(f"pick_{number}", "")), str(form.get(f"fix_{number}", "")).strip()
            if pick and not typed:
                if store.nodes(ids=[pick]).empty:
                    continue
                picked.append(pick)
            elif typed:
                retry.append((int(number) if number.isdigit() else 0, typed[:300]))
        resolved, problems = resolve_attendees(index, retry, _ATTENDEE_KINDS)
        ids = [r["id"] for r in resolved]
        return _add_attendees(store, cache, event_id, list(dict.fromkeys(picked + ids))), _shown(problems)

    added, problems = await run_in_threadpool(work)
    return page(request, "event.html", session=session, problems=problems, added=added,
                notice=f"已加入 {added} 位参会方 / {added} attendees added", **_event_context(store, event_id))


@router.post("/event/plan")
def plan_meetings(
    request: Request,
    id: Annotated[str, Form(min_length=1, max_length=300)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    slots: Annotated[int, Form(ge=1, le=24)] = 6,
    max_meetings: Annotated[int, Form(ge=1, le=24)] = 3,
    tables: Annotated[int, Form(ge=1, le=500)] = 20,
    min_score: Annotated[int, Form(ge=0, le=100, description="percent")] = 0,
    start: Annotated[str, Form(pattern=r"^\d{1,2}:\d{2}$")] = "14:00",
    minutes: Annotated[int, Form(ge=5, le=240)] = 20,
    session: Session = Depends(require("matchmaker")),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> Response:
    check_csrf(request, csrf, session)
    event = _event(store, id)
    attendees = _attendees(store, id)
    if attendees.empty:
        raise SchemaError("还没有参会方，请先上传报名名单 / no attendees yet; upload the sign-up list first")
    recommender = fitted_recommender(store, cache)
    known = set(recommender.data_.pos)
    table, _ = schedule_meetings(recommender, [i for i in attendees["id"] if i in known], slots, max_meetings,
                                 time_limit=20)
    table = table[table["score"] * 100 >= min_score]
    rows = []
    for slot, group in table.sort_values(["slot", "score"], ascending=[True, False]).groupby("slot", sort=True):
        for number, row in enumerate(group.head(tables).to_dict(orient="records"), start=1):
            rows.append({"slot": int(slot), "table": number, "enterprise_id": row["enterprise_id"],
                         "enterprise_name": row["enterprise_name"], "partner_id": row["partner_id"],
                         "partner_name": row["partner_name"], "partner_kind": row["partner_kind"],
                         "score": round(float(row["score"]), 4), "explanation": str(row.get("explanation") or "")})
    store.upsert_nodes("Event", [{"id": id, "name": event.get("name", id), "plan": json.dumps(rows, ensure_ascii=False),
                                  "plan_slots": slots, "plan_max": max_meetings, "plan_tables": tables,
                                  "plan_min_score": min_score, "plan_start": start, "plan_minutes": minutes}])
    cache.invalidate()
    return RedirectResponse(event_url(id) + "#plan", status_code=303)


@router.post("/event/outcomes")
async def record_outcomes(request: Request, session: Session = Depends(require("matchmaker")),  # noqa: B008
                          store: GraphStore = Depends(get_store),  # noqa: B008
                          cache: AppCache = Depends(get_cache)) -> Response:  # noqa: B008
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")), session)
    event_id = str(form.get("id", ""))
    event = _event(store, event_id)
    plan = _plan(event)
    rows = []
    for number, meeting in enumerate(plan):
        outcome = str(form.get(f"outcome_{number}", ""))
        if outcome not in OUTCOMES:
            continue
        rows.append({"source": meeting["enterprise_id"], "target": meeting["partner_id"], "key": _code(event_id),
                     "event": event_id, "outcome": outcome, "year": event.get("year"), "date": event.get("date"),
                     "data_source": "网页工作台 web workbench"})
    if rows:
        await run_in_threadpool(store.upsert_relationships, "MET", rows)
        cache.invalidate()
    return RedirectResponse(event_url(event_id) + "#outcomes", status_code=303)


def _plan_frame(context: dict[str, Any]) -> pd.DataFrame:
    columns = ["time", "table", "enterprise_name", "partner_name", "partner_kind", "score", "explanation", "outcome"]
    frame = pd.DataFrame(context["plan"], columns=["slot", *columns, "enterprise_id", "partner_id"])
    frame["outcome"] = frame["outcome"].map(lambda o: OUTCOMES.get(o, ""))
    return frame


def _download(content: bytes, media: str, name: str, event_id: str) -> Response:
    stem = ascii_stem(event_id, 60, "event")
    return Response(content, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{stem}-{name}"', "Cache-Control": "no-store"})


@router.get("/event/agenda.xlsx")
def agenda_workbook(id: Annotated[str, Query(min_length=1, max_length=300)],
                    session: Session = Depends(require("matchmaker")),  # noqa: B008
                    store: GraphStore = Depends(get_store)) -> Response:  # noqa: B008
    """The agenda workbook: by time and table, and by organisation (through the one writer)."""
    context = _event_context(store, id)
    frame = _plan_frame(context)
    by_org = pd.concat([
        frame.assign(organisation=frame["enterprise_name"], counterpart=frame["partner_name"]),
        frame.assign(organisation=frame["partner_name"], counterpart=frame["enterprise_name"]),
    ])[["organisation", "time", "table", "counterpart", "score"]].sort_values(["organisation", "time"])
    attendees = pd.DataFrame(context["attendees"], columns=["name", "kind"])
    labels = {"slot": "时段", "time": "时间", "table": "桌号", "enterprise_name": "企业", "partner_name": "对接方",
              "partner_kind": "对接方类型", "score": "匹配度", "explanation": "推荐理由", "outcome": "结果",
              "organisation": "单位", "counterpart": "对接方", "name": "名称", "kind": "类型"}
    sheets = [Sheet("按时段", frame.drop(columns=["enterprise_id", "partner_id"]), labels=labels,
                    formats={"score": "ratio"}),
              Sheet("按单位", by_org, labels=labels, formats={"score": "ratio"}),
              Sheet("参会名单", attendees, labels=labels)]
    return _download(workbook_bytes(sheets), XLSX, "agenda.xlsx", id)


def _event_map(session: Session, store: GraphStore, cache: AppCache, event_id: str) -> str:
    context = _event_context(store, event_id)
    schedule = pd.DataFrame(context["plan"], columns=["slot", "enterprise_id", "partner_id", "score", "explanation"])
    return map_html(session, store, cache, "event", id=event_id, schedule=schedule,
                    title=str(context["event"].get("name", event_id)))


@router.get("/event/map.html")
def event_map(id: Annotated[str, Query(min_length=1, max_length=300)], download: bool = False,
              session: Session = Depends(require("matchmaker")),  # noqa: B008
              store: GraphStore = Depends(get_store), cache: AppCache = Depends(get_cache)) -> Response:  # noqa: B008
    html = _event_map(session, store, cache, id)
    if download:
        return _download(html.encode("utf-8"), "text/html; charset=utf-8", "map.html", id)
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.get("/event/poster")
async def event_poster(id: Annotated[str, Query(min_length=1, max_length=300)],
                       kind: Annotated[str, Query(pattern="^(map|agenda|tables)$")] = "agenda",
                       fmt: Annotated[str, Query(pattern="^(pdf|png)$")] = "pdf",
                       paper: Annotated[str, Query(pattern="^(A4|A3|A2|A1)$")] = "A3",
                       session: Session = Depends(require("matchmaker")),  # noqa: B008
                       store: GraphStore = Depends(get_store),  # noqa: B008
                       cache: AppCache = Depends(get_cache)) -> Response:  # noqa: B008
    """A poster of the event: its map, agenda or table plan (PDF or PNG)."""
    html = await run_in_threadpool(_event_map, session, store, cache, id)
    try:
        content = await run_in_threadpool(poster_bytes, html, fmt, kind=kind, paper=paper)
    except InnonetError as exc:
        raise SchemaError(f"海报未能生成 / the poster was not made: {exc}") from None
    media = "application/pdf" if fmt == "pdf" else "image/png"
    return _download(content, media, f"{kind}.{fmt}", id)
