"""``POST /schedule``: the 1:1 meeting schedule of a matchmaking event (对接会日程), as JSON or Excel (matchmaker).

The attendees are an Event's (``event_id``: everyone who ATTENDED it) or given as lists of
``enterprise_ids`` and ``partner_ids`` (universities, institutes, experts); each entry may be an
id, a USCC or an exact name, as in ``innonet schedule``.  The meetings are planned by
:func:`analysis.pairing.schedule_meetings` with the app's cached fitted
:class:`~analysis.pairing.PairingRecommender` (the one ``GET /pairings`` uses), so no request
refits it.  With ``Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``
the answer is the workbook of :func:`api.render.agenda.agenda_workbook` (sheets 按时段, 按单位 and 说明,
Chinese headers).  No pair below ``min_score`` is booked (default: the median score of all possible
pairs), no pair that signed at an earlier event is booked again, and every meeting has a time
(``start`` + (slot − 1) × ``slot_minutes``) and a table (at most ``tables`` meetings at once).

The work of one request is bounded before it starts: at most :data:`MAX_ATTENDEES` attendees and
:data:`MAX_CHOICES` (firm, counterpart, slot) choices for the solver, which may spend at most
:data:`MAX_SOLVER_SECONDS`; a larger plan is a 422 naming the limit (split the event into sessions).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from analysis.pairing import event_attendees, event_start, schedule_meetings
from api.http.cache import AppCache
from api.http.common import ascii_stem, fitted_recommender, json_records, resolve_for
from api.http.deps import get_cache, get_store, matchmaker
from api.http.errors import problem_responses
from api.http.security import Principal
from api.render.agenda import agenda_workbook
from graph.errors import SchemaError
from graph.store import GraphStore

__all__ = ["MAX_ATTENDEES", "MAX_CHOICES", "MAX_SOLVER_SECONDS", "XLSX", "ScheduleRequest", "ScheduleResult",
           "meeting_choices", "router", "wants_excel"]

router = APIRouter(tags=["schedule"])

#: The media type of an Excel workbook; send it in ``Accept`` to get the schedule as a file.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Most attendees (firms and partners together) one schedule may have.
MAX_ATTENDEES = 1000

#: Most meeting choices (firms × counterparts considered per firm × slots) one request may ask the solver
#: to weigh: the MILP has one variable per choice, and its build time and memory grow with them.  At this
#: bound a request takes seconds and well under a gigabyte; larger plans are refused before any work.
MAX_CHOICES = 100_000

#: Most seconds the solver may spend (the request's ``time_limit`` is at most this).
MAX_SOLVER_SECONDS = 30.0


def meeting_choices(enterprises: int, partners: int, slots: int, max_meetings: int,
                    candidates_per_firm: int | None) -> int:
    """How many (firm, counterpart, slot) choices the schedule's solver weighs.

    >>> meeting_choices(1000, 1000, 48, 48, 100)
    4800000
    >>> meeting_choices(40, 12, 4, 3, None)
    1600
    """
    per_firm = candidates_per_firm if candidates_per_firm is not None else max(3 * max_meetings, 10)
    return enterprises * min(per_firm, partners) * slots


def _check_size(enterprises: int, partners: int, slots: int, max_meetings: int,
                candidates_per_firm: int | None) -> None:
    if enterprises + partners > MAX_ATTENDEES:
        raise SchemaError(f"{enterprises + partners} attendees is more than one schedule handles "
                          f"(MAX_ATTENDEES = {MAX_ATTENDEES}); split the event into sessions")
    choices = meeting_choices(enterprises, partners, slots, max_meetings, candidates_per_firm)
    if choices > MAX_CHOICES:
        raise SchemaError(
            f"this plan has {choices:,} meeting choices ({enterprises} firms × up to "
            f"{choices // max(enterprises * slots, 1)} counterparts each × {slots} slots), more than the limit of "
            f"{MAX_CHOICES:,} (MAX_CHOICES); use fewer slots or candidates_per_firm, or split the event into sessions")

EntityRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]

_PARTNER_KINDS = ("University", "Talent")


class ScheduleRequest(BaseModel):
    """Who attends, and how many meetings fit.

    Give either ``event_id`` or ``enterprise_ids`` and ``partner_ids``.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"event_id": "event:2023-对接会-01", "slots": 4, "max_meetings": 3}]})

    event_id: EntityRef | None = Field(None, description="Schedule everyone who ATTENDED this Event")
    enterprise_ids: list[EntityRef] | None = Field(
        None, max_length=MAX_ATTENDEES, description="Attending firms (id, USCC or exact name)")
    partner_ids: list[EntityRef] | None = Field(
        None, max_length=MAX_ATTENDEES, description="Attending universities / institutes / experts (id, USCC or name)")
    slots: int = Field(ge=1, le=48, description="Number of time slots")
    max_meetings: int = Field(ge=1, le=48, description="Most meetings per organisation or expert")
    include_existing: bool = Field(False, description="Allow meetings with existing partners")
    candidates_per_firm: int | None = Field(
        None, ge=1, le=100, description="Best counterparts considered per firm (default max(3 × max_meetings, 10))")
    time_limit: float = Field(20.0, gt=0, le=MAX_SOLVER_SECONDS, description="Seconds the solver may spend")
    min_score: float | None = Field(
        None, ge=0, le=1, description="Book no pair scoring below this; default the median score of all possible pairs")
    start: dt.datetime | None = Field(
        None, description="When slot 1 starts (default 09:00 on the Event's date, else 09:00 with no date)")
    slot_minutes: int = Field(20, ge=1, le=480, description="Length of one slot in minutes")
    tables: int | None = Field(None, ge=1, le=1000, description="Meeting tables: at most this many meetings at once")

    @model_validator(mode="after")
    def _one_source(self) -> ScheduleRequest:
        listed = self.enterprise_ids is not None or self.partner_ids is not None
        if (self.event_id is None) == (not listed):
            raise ValueError("give either event_id or enterprise_ids and partner_ids, not both and not neither")
        if listed and not (self.enterprise_ids and self.partner_ids):
            raise ValueError("enterprise_ids and partner_ids must both list at least one attendee")
        if listed:  # refuse an oversized plan before resolving a single name
            _check_size(len(self.enterprise_ids or ()), len(self.partner_ids or ()), self.slots,
                        self.max_meetings, self.candidates_per_firm)
        return self


class Meeting(BaseModel):
    """One meeting: a firm and a university / expert in a slot."""

    slot: int = Field(description="1-based")
    start: str = Field(description="'YYYY-MM-DD HH:MM', or 'HH:MM' when the day is unknown")
    end: str
    table: int = Field(description="1-based table number")
    enterprise_id: str
    enterprise_name: str
    partner_id: str
    partner_name: str
    partner_kind: str
    score: float = Field(description="Pairing score of the two, 0–1")
    match_index: int = Field(description="0–100: a better match than this % of all possible pairs")
    explanation: str


class AgendaEntry(BaseModel):
    """One organisation's meeting (each meeting appears once per side)."""

    organisation_id: str
    organisation_name: str
    role: str = Field(description="企业 / 高校院所 / 专家")
    slot: int
    start: str
    end: str
    table: int
    counterpart_id: str
    counterpart_name: str
    score: float
    match_index: int


class ScheduleResult(BaseModel):
    """The planned meetings."""

    event_id: str | None
    as_of: int = Field(description="The cut-off year the pairing scores were fitted at")
    slots: int
    max_meetings: int
    min_score: float | None = Field(description="No pair scoring below this was booked")
    slot_minutes: int
    tables: int | None
    enterprises: int = Field(description="Attending firms")
    partners: int = Field(description="Attending universities, institutes and experts")
    firms_met: int = Field(description="Firms with at least one meeting")
    total: int = Field(description="Number of meetings")
    meetings: list[Meeting] = Field(description="By slot, then firm")
    agenda: list[AgendaEntry] = Field(description="Per organisation, by slot")


def wants_excel(accept: str | None) -> bool:
    """Does the ``Accept`` header ask for the workbook (and prefer it to JSON)?

    >>> wants_excel(XLSX), wants_excel("application/json"), wants_excel(None)
    (True, False, False)
    >>> wants_excel(f"application/json;q=0.5, {XLSX}")
    True
    """
    if not accept:
        return False
    quality: dict[str, float] = {}
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for parameter in fields[1:]:
            if parameter.startswith("q="):
                try:
                    q = float(parameter[2:])
                except ValueError:
                    q = 0.0
        quality[fields[0].lower()] = max(q, quality.get(fields[0].lower(), 0.0))
    excel = quality.get(XLSX, 0.0)
    return excel > 0 and excel >= max(quality.get("application/json", 0.0), quality.get("*/*", 0.0))


def _resolve(resolve: Any, refs: list[str], kinds: tuple[str, ...], field: str) -> list[str]:
    ids = []
    for ref in refs:
        found = resolve(ref)  # the one resolver: 404 with suggestions, 409 with candidates
        node_id, kind = found.id, found.kind
        if kind not in kinds:
            raise SchemaError(f"{field}: {ref!r} is a {kind}, not a {' or '.join(kinds)}; "
                              f"list it under {'partner_ids' if kind in _PARTNER_KINDS else 'enterprise_ids'}"
                              if kind in (*_PARTNER_KINDS, "Enterprise") else
                              f"{field}: {ref!r} is a {kind}; only firms, universities and experts meet")
        ids.append(node_id)
    return list(dict.fromkeys(ids))


def _filename(event_id: str | None) -> str:
    return f"schedule-{ascii_stem(event_id, 80, 'attendees')}.xlsx"


@router.post(
    "/schedule",
    response_model=ScheduleResult,
    responses={
        200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
              "description": "The schedule (JSON, or the workbook when Accept asks for it)"},
        **problem_responses(400, 404, 409, 413),
    },
    summary="Plan 1:1 meetings for a matchmaking event (JSON, or Excel with Accept)",
)
def schedule(
    body: ScheduleRequest,
    request: Request,
    principal: Principal = Depends(matchmaker),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> Any:
    """Meetings that maximise the total pairing score, each firm at least one meeting where possible,
    nobody double-booked, at most ``max_meetings`` each.  Unknown attendees → 404; an attendee of the
    wrong kind or an unsolvable plan → 422."""
    recommender = fitted_recommender(store, cache)
    data = recommender.data_

    def resolve(text: str) -> Any:
        return resolve_for(principal, store, cache, text)

    if body.event_id is not None:
        found = resolve(body.event_id)
        event_id, kind = found.id, found.kind
        if kind != "Event":
            raise SchemaError(f"event_id {body.event_id!r} is a {kind}, not an Event; give an Event id, "
                              "or list the attendees in enterprise_ids and partner_ids")
        attendees = event_attendees(data, event_id)
    else:
        event_id = None
        attendees = (_resolve(resolve, body.enterprise_ids or [], ("Enterprise",), "enterprise_ids")
                     + _resolve(resolve, body.partner_ids or [], _PARTNER_KINDS, "partner_ids"))
        attendees = [a for a in attendees if a in data.pos]
    if len(attendees) > MAX_ATTENDEES:
        raise SchemaError(f"{len(attendees)} attendees is more than one schedule handles ({MAX_ATTENDEES}); "
                          "split the event into sessions")
    kinds = [data.kinds[data.pos[a]] for a in attendees]
    _check_size(sum(k == "Enterprise" for k in kinds), sum(k != "Enterprise" for k in kinds), body.slots,
                body.max_meetings, body.candidates_per_firm)
    table, agenda = schedule_meetings(recommender, attendees, body.slots, body.max_meetings,
                                      candidates_per_firm=body.candidates_per_firm,
                                      include_existing=body.include_existing, time_limit=body.time_limit,
                                      min_score=body.min_score, start=body.start or event_start(data, event_id),
                                      slot_minutes=body.slot_minutes, tables=body.tables)
    if wants_excel(request.headers.get("accept")):
        content = agenda_workbook(table, agenda, {"活动 / event": event_id or "", "时段数 / slots": body.slots,
                                                  "每段分钟 / slot minutes": body.slot_minutes,
                                                  "桌数 / tables": body.tables or "每场一桌 / one per meeting"})
        return Response(content, media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{_filename(event_id)}"'})
    return {
        "event_id": event_id,
        "as_of": int(recommender.year_),
        "slots": body.slots,
        "max_meetings": body.max_meetings,
        "min_score": table.attrs.get("min_score"),
        "slot_minutes": body.slot_minutes,
        "tables": body.tables,
        "enterprises": sum(k == "Enterprise" for k in kinds),
        "partners": sum(k in _PARTNER_KINDS for k in kinds),
        "firms_met": int(table["enterprise_id"].nunique()) if len(table) else 0,
        "total": len(table),
        "meetings": json_records(table),
        "agenda": json_records(agenda),
    }
