"""Event matchmaking: 1:1 meeting schedules for 产学研对接会, and their hit rates afterwards.

:func:`schedule_meetings` picks the meetings between attending firms and
universities / experts that maximise the total pairing score, subject to

* every organisation meets at most ``max_meetings`` counterparts;
* nobody has two meetings in one time slot (``slots`` slots);
* every firm gets at least one meeting where that is possible at all (this comes
  first: the objective gives each firm covered a bonus larger than any total score).

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

import os
from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from analysis.pairing.data import PairingData
from analysis.pairing.model import PairingRecommender
from graph.errors import NotFoundError, SchemaError
from graph.store import GraphStore

__all__ = [
    "AGENDA_COLUMNS",
    "SCHEDULE_COLUMNS",
    "event_attendees",
    "event_hit_rates",
    "event_hit_rates_from_frame",
    "schedule_meetings",
    "write_schedule_excel",
]

SCHEDULE_COLUMNS = ["slot", "enterprise_id", "enterprise_name", "partner_id", "partner_name", "partner_kind",
                    "score", "explanation"]
AGENDA_COLUMNS = ["organisation_id", "organisation_name", "role", "slot", "counterpart_id", "counterpart_name",
                  "score"]
_SCHEDULE_ZH = {"slot": "时段", "enterprise_id": "企业编号", "enterprise_name": "企业", "partner_id": "对接方编号",
                "partner_name": "对接方", "partner_kind": "对接方类型", "score": "匹配度", "explanation": "推荐理由"}
_AGENDA_ZH = {"organisation_id": "单位编号", "organisation_name": "单位", "role": "身份", "slot": "时段",
              "counterpart_id": "对接方编号", "counterpart_name": "对接方", "score": "匹配度"}
_ROLE_ZH = {"Enterprise": "企业", "University": "高校院所", "Talent": "专家"}


def event_attendees(data: PairingData, event_id: str) -> list[str]:
    """Ids of the enterprises, universities and talents that ATTENDED ``event_id``."""
    position = data.pos.get(event_id)
    if position is None or data.kinds[position] != "Event":
        raise NotFoundError(f"no Event with id {event_id!r}; list events with `innonet export` or the API")
    edges = data.edges[(data.edges["type"] == "ATTENDED") & (data.edges["dst"] == position)]
    ids = [data.ids[s] for s in edges["src"] if data.kinds[s] in ("Enterprise", "University", "Talent")]
    return sorted(set(ids))


def schedule_meetings(
    recommender: PairingRecommender,
    attendees: Iterable[str],
    slots: int,
    max_meetings: int,
    candidates_per_firm: int | None = None,
    include_existing: bool = False,
    time_limit: float = 60.0,
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
        Allow meetings with existing partners.
    time_limit : float
        Seconds HiGHS may spend.

    Returns
    -------
    schedule : pandas.DataFrame
        ``slot, enterprise_id, enterprise_name, partner_id, partner_name, partner_kind, score,
        explanation``, one row per meeting, by slot (1-based) then enterprise.
    agenda : pandas.DataFrame
        ``organisation_id, organisation_name, role, slot, counterpart_id, counterpart_name, score``,
        one row per organisation and meeting.
    """
    recommender._check_fitted()
    if slots < 1 or max_meetings < 1:
        raise SchemaError(f"slots and max_meetings must be at least 1, got {slots!r} and {max_meetings!r}")
    data = recommender.data_
    ids = list(dict.fromkeys(attendees))
    unknown = [i for i in ids if i not in data.pos]
    if unknown:
        raise NotFoundError(f"attendees not in the store: {', '.join(unknown[:5])}; ingest them first")
    cap = min(slots, max_meetings)
    per_firm = candidates_per_firm or max(3 * max_meetings, 10)
    firms = [i for i in ids if data.kinds[data.pos[i]] == "Enterprise"]
    pairs: list[tuple[int, int, float, str]] = []  # firm index, partner index, score, kind
    partners: list[str] = []
    for kind in ("University", "Talent"):
        kind_ids = [i for i in ids if data.kinds[data.pos[i]] == kind]
        if not kind_ids or not firms or kind not in recommender.models_:
            continue
        firm_local = np.array([data.local[data.pos[f]] for f in firms])
        target_local = np.array([data.local[data.pos[t]] for t in kind_ids])
        logits = recommender.score_grid(firm_local, kind, target_local)
        scores = 1.0 / (1.0 + np.exp(-logits))
        if not include_existing:
            existing = recommender.snapshots_[kind].A[firm_local][:, target_local].toarray() > 0
            scores = np.where(existing, -1.0, scores)
        offset = len(partners)
        partners += kind_ids
        for f in range(len(firms)):
            best = np.argsort(-scores[f], kind="stable")[:per_firm]
            pairs += [(f, offset + int(t), float(scores[f, t]), kind) for t in best if scores[f, t] >= 0]
    if not pairs:
        empty = pd.DataFrame(columns=SCHEDULE_COLUMNS), pd.DataFrame(columns=AGENDA_COLUMNS)
        return empty
    chosen = _solve(pairs, len(firms), len(partners), slots, cap, time_limit)
    rows = []
    for (f, p, score, kind), slot in chosen:
        rows.append({"slot": slot + 1, "enterprise_id": firms[f], "enterprise_name": data.names[data.pos[firms[f]]],
                     "partner_id": partners[p], "partner_name": data.names[data.pos[partners[p]]],
                     "partner_kind": kind, "score": round(score, 4)})
    schedule = pd.DataFrame(rows).sort_values(["slot", "enterprise_id"], kind="stable").reset_index(drop=True)
    schedule["explanation"] = _explanations(recommender, schedule)
    agenda = _agenda(schedule)
    return schedule[SCHEDULE_COLUMNS], agenda


def _solve(pairs: list[tuple[int, int, float, str]], n_firms: int, n_partners: int, slots: int, cap: int,
           time_limit: float) -> list[tuple[tuple[int, int, float, str], int]]:
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
        raise SchemaError(f"the meeting schedule could not be solved ({result.message}); "
                          "try fewer attendees or a larger time limit")
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
        "role": _ROLE_ZH["Enterprise"], "slot": schedule["slot"], "counterpart_id": schedule["partner_id"],
        "counterpart_name": schedule["partner_name"], "score": schedule["score"]})
    partner_side = pd.DataFrame({
        "organisation_id": schedule["partner_id"], "organisation_name": schedule["partner_name"],
        "role": schedule["partner_kind"].map(_ROLE_ZH), "slot": schedule["slot"],
        "counterpart_id": schedule["enterprise_id"], "counterpart_name": schedule["enterprise_name"],
        "score": schedule["score"]})
    agenda = pd.concat([firm_side, partner_side], ignore_index=True)
    return agenda.sort_values(["role", "organisation_id", "slot"], kind="stable").reset_index(drop=True)[AGENDA_COLUMNS]


def write_schedule_excel(schedule: pd.DataFrame, agenda: pd.DataFrame, path: str | os.PathLike[str]) -> str:
    """Write the schedule (sheet 按时段) and the agenda (sheet 按单位) with Chinese headers; returns the path."""
    path = os.fspath(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        schedule.rename(columns=_SCHEDULE_ZH).to_excel(writer, sheet_name="按时段", index=False)
        agenda.rename(columns=_AGENDA_ZH).to_excel(writer, sheet_name="按单位", index=False)
        for sheet in writer.sheets.values():
            for column in sheet.columns:
                width = max(len(str(c.value or "")) for c in column)
                sheet.column_dimensions[column[0].column_letter].width = min(max(8, width * 1.6), 80)
    return path


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
