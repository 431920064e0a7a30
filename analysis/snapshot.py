"""Since the last report: what each ``innonet analyze`` reported, kept in the store, and what changed since.

A report's key tables are kept as one ``AnalysisSnapshot`` node (``graph.schema``) per period and
place, id ``snapshot:<period>:<town or 全市>``, its ``tables`` a JSON object:

* ``rungs``: enterprise id → highest rung (1-5) at the period's end (:func:`analysis.ecosystem.enterprises`:
  a certificate counts from its month, :func:`analysis.periods.counts_from`, as in the pyramid);
* ``lapsed``: enterprise ids whose 高企 certificate had lapsed;
* ``ties``: COLLABORATES_WITH pairs ``firm|university``; ``meetings``: MET records ``firm|partner|key``;
* ``indicators``: ``indicator|town`` → value; ``ranks``: town → overall target rank.

:func:`compare` lists, between two of them, the firms that entered or left a rung, new lapsed
certificates, new collaborations and meetings, and the indicators and town ranks that moved.  When
the previous period was never reported, :func:`snapshot_for` computes it from the store as it stood
then (the data are dated), so ``--compare`` always has something to compare with.

Examples
--------
>>> before = {"rungs": {"e1": 1, "e2": 2}, "lapsed": [], "ties": [], "meetings": [], "indicators": {}, "ranks": {}}
>>> after = {"rungs": {"e1": 2, "e2": 2, "e3": 1}, "lapsed": ["e2"], "ties": ["e1|u1"], "meetings": [],
...          "indicators": {}, "ranks": {}}
>>> compare(before, after)[["change_type", "id", "before", "after"]].values.tolist()
[['晋级 promoted', 'e1', '科技型中小企业', '高新技术企业'], ['新入梯次 entered the ladder', 'e3', None, '科技型中小企业'], ['证书到期 certificate lapsed', 'e2', None, None], ['新增产学研合作 new collaboration', 'e1|u1', None, None]]
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

import numpy as np
import pandas as pd

from analysis import ecosystem
from analysis.ecosystem import ALL, Snapshot, load_snapshot
from analysis.periods import Period
from graph.errors import SchemaError
from graph.schema import TIERS
from graph.store import GraphStore

__all__ = ["CHANGE_TYPES", "changes_since", "compare", "compared_period", "load_saved", "save", "scoped_changes", "snapshot_for", "snapshot_id",
           "summarise"]

_CITY = "全市"


def snapshot_id(period: Period | str, town: str | None = None) -> str:
    """``snapshot:2025-Q3:全市`` / ``snapshot:2025-11:官林镇``."""
    return f"snapshot:{Period.parse(period)}:{town or _CITY}"


def summarise(snap: Snapshot, indicator_table: pd.DataFrame | None = None,
              ranking: pd.DataFrame | None = None, town: str | None = None) -> dict[str, Any]:
    """The JSON-able tables :func:`compare` reads, from a snapshot (and the report's indicators / ranking)."""
    firms = ecosystem.enterprises(snap)
    if town is not None:
        firms = firms[firms["town"] == town]
    in_scope = set(firms["enterprise_id"])
    rungs = {e: int(r) for e, r in zip(firms["enterprise_id"], firms["tier_rank"], strict=True) if r > 0}
    lapsed = ecosystem.lapsed_certificates(snap)
    ties = snap.rels("COLLABORATES_WITH")
    meetings = snap.rels("MET")
    values: dict[str, float] = {}
    if indicator_table is not None and len(indicator_table):
        now = indicator_table[indicator_table["period"] == str(snap.period)]
        for name, place, value in zip(now["indicator"], now["town"], now["value"], strict=True):
            if value == value:
                values[f"{name}|{place}"] = float(value)
    ranks = {}
    if ranking is not None and len(ranking):
        ranks = {t: int(r) for t, r in zip(ranking["town"], ranking["rank"], strict=True) if r == r}
    return {
        "period": str(snap.period),
        "rungs": rungs,
        "lapsed": sorted(set(lapsed["enterprise_id"]) & in_scope),
        "ties": sorted(f"{s}|{t}" for s, t in zip(ties["source"], ties["target"], strict=True) if s in in_scope),
        "meetings": sorted(f"{s}|{t}|{k}" for s, t, k in zip(meetings["source"], meetings["target"], meetings["key"],
                                                             strict=True) if s in in_scope),
        "indicators": values,
        "ranks": ranks,
    }


def save(store: GraphStore, period: Period | str, tables: dict[str, Any], town: str | None = None) -> str:
    """Keep ``tables`` (from :func:`summarise`) in the store as the report of ``period``; returns its id."""
    node_id = snapshot_id(period, town)
    store.upsert_nodes("AnalysisSnapshot", [{
        "id": node_id, "name": f"{Period.parse(period).label_zh} {town or _CITY} 分析快照",
        "period": str(Period.parse(period)), "town": town or _CITY,
        "created": _dt.datetime.now().isoformat(timespec="seconds"),
        "tables": json.dumps(tables, ensure_ascii=False, separators=(",", ":")),
    }])
    return node_id


def load_saved(source: GraphStore | Snapshot, period: Period | str, town: str | None = None) -> dict[str, Any] | None:
    """The tables kept for ``period`` (and town), or None when it was never reported."""
    frame = source.nodes("AnalysisSnapshot") if isinstance(source, GraphStore) else source.kind("AnalysisSnapshot")
    if not len(frame):
        return None
    row = frame[frame["id"] == snapshot_id(period, town)]
    if not len(row):
        return None
    return json.loads(row.iloc[0]["tables"])


def snapshot_for(source: GraphStore | Snapshot, period: Period | str, town: str | None = None,
                 indicator_table: pd.DataFrame | None = None) -> tuple[dict[str, Any], str]:
    """The tables of ``period``: the kept report when there is one, else computed from the dated data.

    Returns the tables and where they came from ("kept report of <created>" or "computed").
    """
    kept = load_saved(source, period, town)
    if kept is not None:
        return kept, "kept report"
    base = source if isinstance(source, GraphStore) else Snapshot(source.nodes, source.relationships, source.as_of,
                                                                   period=source.period)
    snap = load_snapshot(base, period=Period.parse(period))
    from analysis.targets import target_progress, town_ranking

    if indicator_table is None:
        from analysis.indicators import indicators

        indicator_table = indicators(snap, period=snap.period, town=town)
    ranking = town_ranking(target_progress(snap))
    return summarise(snap, indicator_table, ranking, town=town), "computed from the dated data"


def _tier(rank: int | None) -> str | None:
    return None if not rank else TIERS[int(rank) - 1]


def compare(before: dict[str, Any], after: dict[str, Any], names: dict[str, str] | None = None,
            towns: dict[str, str] | None = None) -> pd.DataFrame:
    """What changed between two reports' tables.

    Returns
    -------
    pandas.DataFrame
        ``change_type`` (晋级 promoted, 降级 moved down, 新入梯次 entered the ladder, 退出梯次 left the
        ladder, 证书到期 certificate lapsed, 新增产学研合作 new collaboration, 新增对接 new meeting,
        指标变化 indicator moved, 排名变化 rank moved), ``id``, ``name``, ``town`` (the firm's; the indicator's
        place, 全市 for the city; the ranked town), ``before``, ``after``, ``delta`` (numbers only); in that
        order of change, then by id.
    """
    names = names or {}
    towns = towns or {}
    rows: list[tuple[str, str, Any, Any, Any]] = []
    old, new = before.get("rungs", {}), after.get("rungs", {})
    for firm in sorted(set(old) | set(new)):
        a, b = old.get(firm), new.get(firm)
        if a == b:
            continue
        if a is None:
            change = "新入梯次 entered the ladder"
        elif b is None:
            change = "退出梯次 left the ladder"
        else:
            change = "晋级 promoted" if b > a else "降级 moved down"
        rows.append((change, firm, _tier(a), _tier(b), None))
    for firm in sorted(set(after.get("lapsed", [])) - set(before.get("lapsed", []))):
        rows.append(("证书到期 certificate lapsed", firm, None, None, None))
    for tie in sorted(set(after.get("ties", [])) - set(before.get("ties", []))):
        rows.append(("新增产学研合作 new collaboration", tie, None, None, None))
    for meeting in sorted(set(after.get("meetings", [])) - set(before.get("meetings", []))):
        rows.append(("新增对接 new meeting", meeting, None, None, None))
    old_values, new_values = before.get("indicators", {}), after.get("indicators", {})
    for key in sorted(set(old_values) | set(new_values)):
        a, b = old_values.get(key), new_values.get(key)
        if a != b and not (a is None and b == 0):
            rows.append(("指标变化 indicator moved", key, a, b, (b or 0) - (a or 0)))
    old_ranks, new_ranks = before.get("ranks", {}), after.get("ranks", {})
    for town in sorted(set(old_ranks) | set(new_ranks)):
        a, b = old_ranks.get(town), new_ranks.get(town)
        if a != b:
            rows.append(("排名变化 rank moved", town, a, b, None if a is None or b is None else a - b))
    order = list(CHANGE_TYPES)
    frame = pd.DataFrame(rows, columns=["change_type", "id", "before", "after", "delta"]).astype(
        {"change_type": object, "id": object, "before": object, "after": object})
    first = frame["id"].astype(str).str.split("|").str[0]
    frame.insert(2, "name", first.map(names).where(first.map(names).notna(), None).astype(object))
    frame.insert(3, "town", first.map(towns).astype(object).where(first.map(towns).notna(), None))
    indicator_rows = frame["change_type"] == "指标变化 indicator moved"
    frame.loc[indicator_rows, "town"] = frame.loc[indicator_rows, "id"].str.rsplit("|", n=1).str[1].replace(
        ALL, _CITY)
    rank_rows = frame["change_type"] == "排名变化 rank moved"
    frame.loc[rank_rows, "town"] = frame.loc[rank_rows, "id"]  # a rank move is the town's own row
    frame["_order"] = frame["change_type"].map(order.index)
    frame["delta"] = pd.to_numeric(frame["delta"], errors="coerce").astype(float)
    out = frame.sort_values(["_order", "id"], kind="stable").drop(columns="_order").reset_index(drop=True)
    return out.where(out.notna(), None).astype({"delta": float}) if len(out) else out.assign(
        delta=np.array([], dtype=float))


def scoped_changes(changes: pd.DataFrame, town: str) -> pd.DataFrame:
    """A town report's :func:`compare` table: each row's ``scope`` — the town (its firms, its indicators, its
    rank) or 全市 city-wide (the city's indicators, the other towns' ranks) — the town's rows first and marked
    ``highlight``.

    >>> frame = pd.DataFrame({"change_type": ["排名变化 rank moved"] * 2, "id": ["甲镇", "乙镇"], "town": ["甲镇", "乙镇"]})
    >>> scoped_changes(frame, "乙镇")[["id", "scope", "highlight"]].values.tolist()
    [['乙镇', '乙镇', True], ['甲镇', '全市 city-wide', False]]
    """
    own = (changes["town"] == town).to_numpy() if len(changes) else np.zeros(0, dtype=bool)
    out = changes.assign(scope=np.where(own, town, "全市 city-wide").astype(object), highlight=own)
    return out.sort_values("highlight", ascending=False, kind="stable").reset_index(drop=True)


#: Every ``change_type`` of :func:`compare`, in the order it lists them.
CHANGE_TYPES = ("晋级 promoted", "降级 moved down", "新入梯次 entered the ladder", "退出梯次 left the ladder",
                "证书到期 certificate lapsed", "新增产学研合作 new collaboration", "新增对接 new meeting",
                "指标变化 indicator moved", "排名变化 rank moved")
_GRAIN_ZH = {"month": "月", "quarter": "季度", "year": "年度", "span": "时段"}


def compared_period(period: Period, since: Period | str | bool, name: str = "--compare") -> Period:
    """The period a report of ``period`` is compared with: ``since`` (True: the one just before, 环比, the
    default of ``innonet analyze --compare`` and ``GET /changes``).

    Raises
    ------
    graph.errors.SchemaError
        In Chinese and English, naming ``name``, when ``since`` is not earlier than ``period`` (it must end
        before ``period`` starts) or not of the same granularity (month with month, quarter with quarter, year
        with year): a month's flow read against a quarter's, or a later period, is no change "since".
    """
    compared_with = period.previous if since is True else Period.parse(since)
    if compared_with.granularity != period.granularity:
        raise SchemaError(
            f"参数 {name} {compared_with} 是{_GRAIN_ZH.get(compared_with.granularity, '')}, 报告期 {period} "
            f"是{_GRAIN_ZH.get(period.granularity, '')}: 须同为月、季度或年度 / parameter {name}: {compared_with} is a "
            f"{compared_with.granularity} but the period {period} is a {period.granularity}: compare a month "
            "with a month, a quarter with a quarter, a year with a year")
    if compared_with.last >= period.first:
        raise SchemaError(
            f"参数 {name} {compared_with} 不早于报告期 {period}: 须为更早的时期 / parameter {name}: {compared_with} is not "
            f"earlier than the period {period}: compare with an earlier period")
    return compared_with


def changes_since(source: GraphStore | Snapshot, snap: Snapshot, kept: dict[str, Any],
                  since: Period | str | bool = True, town: str | None = None) -> tuple[pd.DataFrame, Period, str]:
    """What changed between the report of ``snap`` (its :func:`summarise` tables ``kept``) and an earlier period.

    Parameters
    ----------
    source : GraphStore or Snapshot
        Where the earlier report is looked for (:func:`snapshot_for`: the kept one, else computed from the
        dated data).
    snap : Snapshot
        The reported period's snapshot (its enterprises name the firms).
    since : Period, str or True
        The earlier period; True: the one just before ``snap.period`` (环比).
    town : str, optional
        The town's reports (kept per town).

    Returns
    -------
    tuple
        The :func:`compare` table, the period compared with, and where its tables came from.
    """
    compared_with = compared_period(snap.period, since)
    before, origin = snapshot_for(source, compared_with, town)
    firms = ecosystem.enterprises(snap)
    names = dict(zip(firms["enterprise_id"], firms["name"], strict=True))
    towns = dict(zip(firms["enterprise_id"], firms["town"], strict=True))
    return compare(before, kept, names, towns), compared_with, origin
