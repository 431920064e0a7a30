"""Event matchmaking: 1:1 meeting schedules for 产学研对接会, and their hit rates afterwards.

:func:`schedule_meetings` picks the meetings between attending firms and
universities / experts that maximise the total pairing score, subject to

* every organisation meets at most ``max_meetings`` counterparts;
* nobody has two meetings in one time slot (``slots`` slots);
* every firm gets at least one meeting where that is possible at all (this comes
  first: the objective gives each firm covered a bonus larger than any total score);
* no pair below a minimum score is booked (default: the median score of all possible
  firm × partner pairs at fit time, i.e. match index 50 — a meeting must be a better
  match than a typical pair), and no pair that already signed at an earlier event
  (MET with outcome ``signed``) is booked again;
* at most ``tables`` meetings run at once; every meeting gets a clock time (event start
  + (slot − 1) × slot length) and a table, a university / expert keeping one table for
  the whole event when there are enough tables.

It is one mixed-integer programme (``x[pair, slot]`` binary) solved by HiGHS
through :func:`scipy.optimize.milp`, not a greedy loop.  Meeting outcomes
ingested afterwards as MET relationships (``event``, ``outcome`` signed /
follow-up / none) give :func:`event_hit_rates` and feed the next
:meth:`analysis.pairing.PairingRecommender.fit` (its *meetings* signal).

Examples
--------
>>> rates = event_hit_rates_from_frame(pd.DataFrame(
...     {"event": ["ev1", "ev1", "ev1"], "outcome": ["signed", "none", "follow-up"]}))
>>> rates[["event_id", "meetings", "signed", "hit_rate"]].to_dict(orient="records")
[{'event_id': 'ev1', 'meetings': 3, 'signed': 1, 'hit_rate': 0.6667}]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from analysis.pairing.data import PairingData
from analysis.pairing.model import PairingRecommender
from graph.errors import InvalidArgumentError, NotFoundError, UnsolvableScheduleError
from graph.store import GraphStore

__all__ = [
    "AGENDA_COLUMNS",
    "AGENDA_ZH",
    "DEFAULT_START",
    "SCHEDULE_COLUMNS",
    "SCHEDULE_ZH",
    "event_attendees",
    "event_hit_rates",
    "event_hit_rates_from_frame",
    "event_start",
    "schedule_meetings",
    "signed_pairs",
]

SCHEDULE_COLUMNS = ["slot", "start", "end", "table", "enterprise_id", "enterprise_name", "partner_id",
                    "partner_name", "partner_kind", "score", "match_index", "explanation"]
AGENDA_COLUMNS = ["organisation_id", "organisation_name", "role", "slot", "start", "end", "table", "counterpart_id",
                  "counterpart_name", "score", "match_index"]
#: Chinese headers of the schedule and agenda columns (the workbook uses them).
SCHEDULE_ZH = {"slot": "时段", "start": "开始", "end": "结束", "table": "桌号", "enterprise_id": "企业编号",
               "enterprise_name": "企业", "partner_id": "对接方编号", "partner_name": "对接方",
               "partner_kind": "对接方类型", "score": "匹配度", "match_index": "匹配指数", "explanation": "推荐理由"}
AGENDA_ZH = {"organisation_id": "单位编号", "organisation_name": "单位", "role": "身份", "slot": "时段",
             "start": "开始", "end": "结束", "table": "桌号", "counterpart_id": "对接方编号",
             "counterpart_name": "对接方", "score": "匹配度", "match_index": "匹配指数"}
#: Default clock time of slot 1 when neither ``start`` nor the Event's date says otherwise.
DEFAULT_START = dt.time(9, 0)
_ROLE_ZH = {"Enterprise": "企业", "University": "高校院所", "Talent": "专家"}


def event_attendees(data: PairingData, event_id: str) -> list[str]:
    """Ids of the enterprises, universities and talents that ATTENDED ``event_id``."""
    position = data.pos.get(event_id)
    if position is None or data.kinds[position] != "Event":
        raise NotFoundError(f"no Event with id {event_id!r}; list events with `innonet export` or the API")
    edges = data.edges[(data.edges["type"] == "ATTENDED") & (data.edges["dst"] == position)]
    ids = [data.ids[s] for s in edges["src"] if data.kinds[s] in ("Enterprise", "University", "Talent")]
    return sorted(set(ids))


def event_start(data: PairingData, event_id: str | None) -> dt.datetime | None:
    """09:00 on the Event's ``date`` (ISO 8601), or None when the event or its date is unknown.

    >>> g = nx.MultiDiGraph(); g.add_node("ev", kind="Event", name="对接会", date="2025-05-20")
    >>> event_start(PairingData.load(g), "ev")
    datetime.datetime(2025, 5, 20, 9, 0)
    """
    if event_id is None or event_id not in data.pos:
        return None
    value = (data.props.get("date") or [None] * len(data.ids))[data.pos[event_id]]
    if not isinstance(value, str):
        return None
    try:
        day = dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
    return dt.datetime.combine(day, DEFAULT_START)


def signed_pairs(data: PairingData) -> set[tuple[str, str]]:
    """``(enterprise_id, partner_id)`` of every pair that met with outcome ``signed`` (never booked again)."""
    met = data.edges[(data.edges["type"] == "MET") & (data.edges["outcome"] == "signed")]
    pairs = set()
    for s, t in zip(met["src"].to_numpy(), met["dst"].to_numpy()):
        firm, other = (s, t) if data.kinds[s] == "Enterprise" else (t, s)
        if data.kinds[firm] == "Enterprise":
            pairs.add((str(data.ids[firm]), str(data.ids[other])))
    return pairs


def schedule_meetings(
    recommender: PairingRecommender,
    attendees: Iterable[str],
    slots: int,
    max_meetings: int,
    candidates_per_firm: int | None = None,
    include_existing: bool = False,
    time_limit: float = 60.0,
    *,
    min_score: float | None = None,
    start: dt.datetime | dt.time | None = None,
    slot_minutes: int = 20,
    tables: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plan 1:1 meetings between the attending firms and universities / experts.

    Parameters
    ----------
    recommender : PairingRecommender
        Fitted; its scores are the value of a meeting.
    attendees : iterable of str
        Ids of attending enterprises, universities and talents (others are ignored).
    slots : int
        Number of time slots.
    max_meetings : int
        Most meetings any one organisation or expert takes part in.
    candidates_per_firm : int, optional
        Best-scoring counterparts kept per firm (default ``max(3 * max_meetings, 10)``).
    include_existing : bool
        Allow meetings with existing partners (a pair that signed at an earlier event is
        never booked again, whatever this says).
    time_limit : float
        Seconds HiGHS may spend.
    min_score : float, optional
        Book no pair scoring below this (0–1).  Default: the median score of all possible
        pairs at fit time (:meth:`PairingRecommender.score_at_index` of 50).
    start : datetime or time, optional
        When slot 1 starts (a time alone: the day is not shown).  Default 09:00.
    slot_minutes : int
        Length of one slot.
    tables : int, optional
        Meeting tables in the room: at most this many meetings per slot (default: no limit,
        one table per meeting).

    Returns
    -------
    schedule : pandas.DataFrame
        :data:`SCHEDULE_COLUMNS`: ``slot, start, end, table, enterprise_id, enterprise_name, partner_id,
        partner_name, partner_kind, score, match_index, explanation``, one row per meeting, by slot
        (1-based) then table; ``start``/``end`` are ``"YYYY-MM-DD HH:MM"`` (``"HH:MM"`` without a day).
        ``schedule.attrs["min_score"]`` holds the threshold used.
    agenda : pandas.DataFrame
        :data:`AGENDA_COLUMNS`, one row per organisation and meeting.
    """
    recommender._check_fitted()
    if slots < 1 or max_meetings < 1:
        raise InvalidArgumentError(f"slots and max_meetings must be at least 1, got {slots!r} and {max_meetings!r}")
    if slot_minutes < 1 or (tables is not None and tables < 1):
        raise InvalidArgumentError(f"slot_minutes and tables must be at least 1, got {slot_minutes!r} and {tables!r}")
    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise InvalidArgumentError(f"min_score is a score between 0 and 1, got {min_score!r}")
    data = recommender.data_
    ids = list(dict.fromkeys(attendees))
    unknown = [i for i in ids if i not in data.pos]
    if unknown:
        raise NotFoundError(f"attendees not in the store: {', '.join(unknown[:5])}; ingest them first")
    cap = min(slots, max_meetings)
    per_firm = candidates_per_firm or max(3 * max_meetings, 10)
    firms = [i for i in ids if data.kinds[data.pos[i]] == "Enterprise"]
    signed = signed_pairs(data)
    pairs: list[tuple[int, int, float, str]] = []  # firm index, partner index, score, kind
    partners: list[str] = []
    threshold: dict[str, float] = {}
    for kind in ("University", "Talent"):
        kind_ids = [i for i in ids if data.kinds[data.pos[i]] == kind]
        if not kind_ids or not firms or kind not in recommender.models_:
            continue
        threshold[kind] = recommender.score_at_index(50.0, kind) if min_score is None else float(min_score)
        firm_local = np.array([data.local[data.pos[f]] for f in firms])
        target_local = np.array([data.local[data.pos[t]] for t in kind_ids])
        scores = recommender.score_grid(firm_local, kind, target_local, probability=True)
        blocked = np.array([[(f, t) in signed for t in kind_ids] for f in firms], dtype=bool)
        if not include_existing:
            blocked |= recommender.snapshots_[kind].A[firm_local][:, target_local].toarray() > 0
        scores = np.where(blocked | (scores < threshold[kind]), -1.0, scores)
        offset = len(partners)
        partners += kind_ids
        for f in range(len(firms)):
            best = np.argsort(-scores[f], kind="stable")[:per_firm]
            pairs += [(f, offset + int(t), float(scores[f, t]), kind) for t in best if scores[f, t] >= 0]
    used_min = min(threshold.values()) if threshold else (min_score if min_score is not None else None)
    if not pairs:
        empty = pd.DataFrame(columns=SCHEDULE_COLUMNS), pd.DataFrame(columns=AGENDA_COLUMNS)
        empty[0].attrs["min_score"] = used_min
        return empty
    chosen = _solve(pairs, len(firms), len(partners), slots, cap, tables, time_limit)
    rows = []
    for (f, p, score, kind), slot in chosen:
        rows.append({"slot": slot + 1, "enterprise_id": firms[f], "enterprise_name": data.names[data.pos[firms[f]]],
                     "partner_id": partners[p], "partner_name": data.names[data.pos[partners[p]]],
                     "partner_kind": kind, "score": round(score, 4)})
    schedule = pd.DataFrame(rows)
    schedule["match_index"] = [recommender.match_index(np.array([s]), k)[0]
                               for s, k in zip(schedule["score"], schedule["partner_kind"])]
    schedule["table"] = _tables(schedule, tables)
    begin = start if start is not None else DEFAULT_START
    schedule["start"] = [_clock(begin, (slot - 1) * slot_minutes) for slot in schedule["slot"]]
    schedule["end"] = [_clock(begin, slot * slot_minutes) for slot in schedule["slot"]]
    schedule = schedule.sort_values(["slot", "table"], kind="stable").reset_index(drop=True)
    schedule["explanation"] = _explanations(recommender, schedule)
    agenda = _agenda(schedule)
    schedule = schedule[SCHEDULE_COLUMNS]
    schedule.attrs["min_score"] = used_min
    return schedule, agenda


def _clock(begin: dt.datetime | dt.time, minutes: int) -> str:
    """``begin`` + ``minutes`` as ``"YYYY-MM-DD HH:MM"`` (a datetime) or ``"HH:MM"`` (a time of day)."""
    if isinstance(begin, dt.datetime):
        return (begin + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")
    moment = dt.datetime.combine(dt.date(2000, 1, 1), begin) + dt.timedelta(minutes=minutes)
    return moment.strftime("%H:%M")


def _tables(schedule: pd.DataFrame, tables: int | None) -> list[int]:
    """Table of each meeting: a partner keeps one table all event when the tables suffice, else per slot 1, 2, …"""
    partners = list(dict.fromkeys(schedule.sort_values(["partner_kind", "partner_id"])["partner_id"]))
    if tables is None or len(partners) <= tables:
        fixed = {p: i + 1 for i, p in enumerate(partners)}
        return [fixed[p] for p in schedule["partner_id"]]
    out = np.zeros(len(schedule), dtype=np.int64)
    for _slot, group in schedule.groupby("slot", sort=False):
        order = group.sort_values(["partner_kind", "partner_id"]).index
        out[order] = np.arange(1, len(order) + 1)
    return out.tolist()


def _solve(pairs: list[tuple[int, int, float, str]], n_firms: int, n_partners: int, slots: int, cap: int,
           tables: int | None, time_limit: float) -> list[tuple[tuple[int, int, float, str], int]]:
    """The MILP: x[pair, slot] ∈ {0,1}, y[firm] ∈ {0,1} (firm covered)."""
    n_pairs = len(pairs)
    n_x = n_pairs * slots
    firm_of = np.array([p[0] for p in pairs])
    partner_of = np.array([p[1] for p in pairs])
    score = np.array([p[2] for p in pairs])
    bonus = float(score.sum()) + 1.0  # covering one more firm beats any gain in score
    cost = np.concatenate([-np.repeat(score, slots), -np.full(n_firms, bonus)])
    x_index = np.arange(n_x).reshape(n_pairs, slots)
    pair_col = np.repeat(np.arange(n_pairs), slots)
    slot_col = np.tile(np.arange(slots), n_pairs)
    blocks, upper = [], []

    def rows_from(groups: np.ndarray, n_groups: int) -> sp.csr_matrix:
        return sp.csr_matrix((np.ones(n_x), (groups, x_index.ravel())), shape=(n_groups, n_x + n_firms))

    # each pair meets at most once
    blocks.append(rows_from(pair_col, n_pairs))
    upper.append(np.ones(n_pairs))
    # nobody double-booked: per firm per slot, per partner per slot
    blocks.append(rows_from(firm_of[pair_col] * slots + slot_col, n_firms * slots))
    upper.append(np.ones(n_firms * slots))
    blocks.append(rows_from(partner_of[pair_col] * slots + slot_col, n_partners * slots))
    upper.append(np.ones(n_partners * slots))
    # tables: at most ``tables`` meetings in one slot
    if tables is not None:
        blocks.append(rows_from(slot_col, slots))
        upper.append(np.full(slots, tables))
    # capacities
    blocks.append(rows_from(firm_of[pair_col], n_firms))
    upper.append(np.full(n_firms, cap))
    blocks.append(rows_from(partner_of[pair_col], n_partners))
    upper.append(np.full(n_partners, cap))
    # y[firm] <= meetings of the firm
    cover = rows_from(firm_of[pair_col], n_firms).tolil()
    cover = sp.csr_matrix(-cover + sp.hstack([sp.csr_matrix((n_firms, n_x)), sp.identity(n_firms)]))
    blocks.append(cover)
    upper.append(np.zeros(n_firms))
    matrix = sp.vstack(blocks).tocsr()
    constraint = LinearConstraint(matrix, -np.inf, np.concatenate(upper))
    result = milp(cost, constraints=[constraint], integrality=np.ones(n_x + n_firms),
                  bounds=Bounds(0, 1), options={"time_limit": time_limit})
    if result.x is None:
        raise UnsolvableScheduleError(f"the meeting schedule could not be solved ({result.message}); "
                                      "try fewer attendees or a larger time_limit")
    x = np.round(result.x[:n_x]).reshape(n_pairs, slots)
    out = []
    for pair_index, slot in zip(*np.nonzero(x > 0.5)):
        out.append((pairs[int(pair_index)], int(slot)))
    return out


def _explanations(recommender: PairingRecommender, schedule: pd.DataFrame) -> list[str]:
    cache: dict[tuple[str, str], str] = {}
    for (firm, kind), group in schedule.groupby(["enterprise_id", "partner_kind"], sort=False):
        wanted = group["partner_id"].tolist()
        recs = recommender.recommend(firm, k=len(wanted), kind=kind, include_existing=True, candidates=wanted)
        cache.update({(firm, pid): text for pid, text in zip(recs["id"], recs["explanation"])})
    return [cache.get((f, p), "") for f, p in zip(schedule["enterprise_id"], schedule["partner_id"])]


def _agenda(schedule: pd.DataFrame) -> pd.DataFrame:
    firm_side = pd.DataFrame({
        "organisation_id": schedule["enterprise_id"], "organisation_name": schedule["enterprise_name"],
        "role": _ROLE_ZH["Enterprise"], "slot": schedule["slot"], "start": schedule["start"],
        "end": schedule["end"], "table": schedule["table"], "counterpart_id": schedule["partner_id"],
        "counterpart_name": schedule["partner_name"], "score": schedule["score"],
        "match_index": schedule["match_index"]})
    partner_side = pd.DataFrame({
        "organisation_id": schedule["partner_id"], "organisation_name": schedule["partner_name"],
        "role": schedule["partner_kind"].map(_ROLE_ZH), "slot": schedule["slot"], "start": schedule["start"],
        "end": schedule["end"], "table": schedule["table"], "counterpart_id": schedule["enterprise_id"],
        "counterpart_name": schedule["enterprise_name"], "score": schedule["score"],
        "match_index": schedule["match_index"]})
    agenda = pd.concat([firm_side, partner_side], ignore_index=True)
    return agenda.sort_values(["role", "organisation_id", "slot"], kind="stable").reset_index(drop=True)[AGENDA_COLUMNS]


def event_hit_rates_from_frame(met: pd.DataFrame, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hit rates from MET rows (columns ``event``, ``outcome``); see :func:`event_hit_rates`."""
    mask = np.array([isinstance(e, str) and bool(e) for e in met["event"]], dtype=bool)
    frame = met[mask].copy()
    outcome = frame["outcome"].where(frame["outcome"].isin(["signed", "follow-up"]), "none")
    frame["signed"] = (outcome == "signed").astype(int)
    frame["follow_up"] = (outcome == "follow-up").astype(int)
    frame["none"] = (outcome == "none").astype(int)
    grouped = frame.groupby("event").agg(meetings=("outcome", "size"), signed=("signed", "sum"),
                                         follow_up=("follow_up", "sum"), none=("none", "sum")).reset_index()
    grouped = grouped.rename(columns={"event": "event_id"})
    grouped["hit_rate"] = ((grouped["signed"] + grouped["follow_up"]) / grouped["meetings"]).round(4)
    grouped["signed_rate"] = (grouped["signed"] / grouped["meetings"]).round(4)
    if events is not None and len(grouped):
        grouped = grouped.merge(events, on="event_id", how="left")
    else:
        grouped["event_name"] = None
        grouped["year"] = None
    columns = ["event_id", "event_name", "year", "meetings", "signed", "follow_up", "none", "hit_rate", "signed_rate"]
    return grouped[columns].astype({c: int for c in ("meetings", "signed", "follow_up", "none")})


def event_hit_rates(source: GraphStore | nx.Graph | PairingData) -> pd.DataFrame:
    """Per event, how the meetings held there turned out (from MET relationships with ``event``).

    Returns
    -------
    pandas.DataFrame
        ``event_id, event_name, year, meetings, signed, follow_up, none, hit_rate, signed_rate``;
        ``hit_rate`` = (signed + follow-up) / meetings; an outcome other than signed /
        follow-up counts as none.
    """
    data = PairingData.load(source)
    met = data.edges[data.edges["type"] == "MET"]
    events = data.members("Event")
    event_frame = pd.DataFrame({"event_id": data.ids[events], "event_name": data.names[events],
                                "year": [None if np.isnan(y) else int(y) for y in data.start[events]]})
    return event_hit_rates_from_frame(met[["event", "outcome"]], event_frame)
