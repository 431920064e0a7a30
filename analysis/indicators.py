"""The 12 actions of the 育强攀高 plan, each measured by one or more indicators: the 月报季评 table.

Each indicator names the input that feeds it.  When that input is missing from
the store (no relationship of that type, no dated record, no such property) the
row's ``status`` is ``"no data"`` and its ``value`` is NaN: never an invented
number.  A zero is a measured zero.

Examples
--------
>>> from graph import SQLiteStore
>>> store = SQLiteStore(":memory:")
>>> _ = store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲", "town": "丁蜀镇", "founded": "2023-04-01"}])
>>> table = indicators(store, years=[2023])
>>> row = table[(table.action == 1) & (table.town == "all")].iloc[0]
>>> row.indicator, float(row.value), row.status
('新成立企业 / enterprises founded', 1.0, 'ok')
>>> table[(table.action == 12) & (table.town == "all")].status.unique().tolist()
['no data']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.ecosystem import ALL, Snapshot, enterprises, load_snapshot, tier_history
from analysis.periods import Period, month_span
from graph.schema import TIERS
from graph.store import GraphStore

__all__ = ["ACTIONS", "COLUMNS", "INDICATORS", "NO_DATA", "Indicator", "indicator_catalogue", "indicators"]

#: Status of a row whose input is missing.
NO_DATA = "no data"

#: The 12 actions of 《宜兴市创新型企业"育强攀高"行动计划(2023—2025年)》.
ACTIONS: dict[int, str] = {
    1: "招引科技创新主体 / attract innovators",
    2: "培育科技型中小企业 / grow tech SMEs",
    3: "发展高新技术企业 / develop high-tech enterprises",
    4: "打造专精特新企业 / build 专精特新 firms",
    5: "支持企业研发机构建设 / R&D institutions",
    6: "支持企业加大研发力度 / R&D effort",
    7: "支持企业深化开放合作 / open collaboration",
    8: "支持企业加速成果产出 / innovation output",
    9: "深化结对暖企服务 / liaison service",
    10: "深化人才兴企服务 / talent service",
    11: "深化机构助企服务 / agency service",
    12: "深化金融惠企服务 / finance service",
}


@dataclass
class _Context:
    snap: Snapshot
    firms: pd.DataFrame  # enterprises() indexed by id
    history: pd.DataFrame  # tier_history() with the firm's ``town`` (None when not in ``firms``)
    places: list[str]  # ALL first, then the towns asked for


#: A measure gives the value of every (period, place) at once: a frame indexed by the periods with one
#: column per place (NaN where there is no data), or None when its input is missing altogether.
Measure = Callable[[_Context, list[Period]], "pd.DataFrame | None"]


@dataclass(frozen=True)
class Indicator:
    """One measured indicator of an action.

    ``kind`` says how a period's value is made and how a target is read against it:
    ``flow`` (what happened in the period; a year's target is met by the year-to-date
    total), ``stock`` (what stands at the period's end) or ``rate`` (a share or intensity).
    """

    action: int
    name: str
    unit: str
    input: str
    measure: Measure
    kind: str = "flow"


def _spanned(frame: pd.DataFrame, year: str = "year", date: str = "date") -> pd.DataFrame:
    """Rows with a known time, with ``first`` / ``last`` months (:func:`analysis.periods.month_span`)."""
    if not len(frame):
        return frame.assign(first=pd.Series([], dtype=float), last=pd.Series([], dtype=float))
    first, last = month_span(frame, year, date)
    keep = ~np.isnan(first)
    return frame[keep].assign(first=first[keep], last=last[keep])


def _empty(ctx: _Context, periods: list[Period], fill: float) -> pd.DataFrame:
    return pd.DataFrame(fill, index=pd.Index(periods, name="period", dtype=object),
                        columns=pd.Index(ctx.places, dtype=object))


def _tabulate(ctx: _Context, frame: pd.DataFrame, periods: list[Period], how: str = "size", value: str | None = None,
              cumulative: bool = False, expiry: str | None = None) -> pd.DataFrame:
    """Aggregate ``frame`` (columns ``first``, ``last``, ``town``, ``value``) per period and place.

    ``how`` is ``size``, ``nunique``, ``sum`` or ``mean`` of ``value``.  A row is in a period when the
    period contains its months (:meth:`analysis.periods.Period.contains`); with ``cumulative`` a period
    takes every row that had happened by its end (and, given ``expiry``, a year, rows not expired by
    then).  The "all" column aggregates every row (rows whose ``town`` is None count only there).
    Empty cells are 0, except for ``mean`` (NaN: nothing to average).
    """
    fill = np.nan if how == "mean" else 0.0
    out = _empty(ctx, periods, fill)
    if not len(frame):
        return out
    first, last = frame["first"].to_numpy(), frame["last"].to_numpy()
    towns = [p for p in ctx.places if p != ALL]
    in_town = frame["town"].isin(towns).to_numpy() if towns else np.zeros(len(frame), dtype=bool)

    def aggregate(rows: pd.DataFrame) -> Any:
        if how == "size":
            return len(rows)
        return getattr(rows[value], how)()

    for period in periods:
        if cumulative:
            keep = last <= period.last
            if expiry is not None:
                keep &= frame[expiry].astype(float).to_numpy() * 12 + 11 >= period.last
        else:
            keep = (first >= period.first) & (last <= period.last)
        chosen = frame[keep]
        if len(chosen):
            out.loc[period, ALL] = float(aggregate(chosen))
        if towns:
            located = chosen[in_town[keep]]
            if len(located):
                grouped = located.groupby("town")
                per_town = grouped.size() if how == "size" else getattr(grouped[value], how)()
                out.loc[period, towns] = per_town.reindex(towns).astype(float).fillna(fill).to_numpy()
    return out


def _enterprise_end(ctx: _Context, rels: pd.DataFrame, side: str) -> pd.DataFrame:
    """``rels`` whose ``side`` is a known enterprise, with that enterprise's ``town``."""
    rels = rels[rels[side].isin(ctx.firms.index).to_numpy()]
    return rels.assign(town=rels[side].map(ctx.firms["town"]).to_numpy())


def _rel_count(type_: str, side: str = "target", distinct: bool = False, **where: object) -> Measure:
    """Count relationships of ``type_`` dated in the period whose enterprise end (``side``) is in the place."""

    def measure(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
        rels = _spanned(ctx.snap.rels(type_))
        if not len(rels):
            return None
        for column, value in where.items():
            if column not in rels.columns:
                return None
            rels = rels[rels[column].fillna("").astype(str).str.contains(str(value), regex=False).to_numpy()]
        rels = _enterprise_end(ctx, rels, side)
        return _tabulate(ctx, rels, periods, "nunique" if distinct else "size", value=side)

    return measure


def _firm_rows(history: pd.DataFrame) -> pd.DataFrame:
    """Tier records of enterprises the snapshot holds (their ``town`` is set), with their months."""
    rows = history[history["town"].notna().to_numpy()]
    return rows.assign(first=rows["first_month"].astype(float), last=rows["last_month"].astype(float))


def _tier_new(rank: int) -> Measure:
    """Firms with a ``rank`` record dated in the period: the 科技型中小企业 list (入库, renewals included),
    高企 certificates granted (new and re-certified), 专精特新 recognitions."""

    def measure(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
        if not len(ctx.history):
            return None
        return _tabulate(ctx, _firm_rows(ctx.history[ctx.history["rank"] == rank]), periods, "nunique",
                         value="enterprise_id")

    return measure


def _valid_high_tech(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
    if not len(ctx.history):
        return None
    high_tech = _firm_rows(ctx.history[ctx.history["rank"] == 2])
    return _tabulate(ctx, high_tech, periods, "nunique", value="enterprise_id", cumulative=True,
                     expiry="valid_until")


def _national_giants(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
    h = ctx.history[ctx.history["rank"] == 3] if len(ctx.history) else ctx.history
    if not len(h) or h["level"].isna().all():
        return None
    h = _firm_rows(h[h["level"].fillna("").str.contains("国家|小巨人", regex=True).to_numpy()])
    return _tabulate(ctx, h, periods, "nunique", value="enterprise_id", cumulative=True)


def _founded(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
    nodes = ctx.snap.kind("Enterprise")
    if "founded" not in nodes.columns or nodes["founded"].isna().all():
        return None
    frame = _spanned(pd.DataFrame({"year": nodes["founded"].to_numpy(), "date": nodes["founded"].to_numpy(),
                                   "town": nodes["id"].map(ctx.firms["town"]).to_numpy()}))
    return _tabulate(ctx, frame, periods)


def _events(event_type: str) -> Measure:
    def measure(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
        events = ctx.snap.kind("Event")
        if not len(events) or not ({"year", "date"} & set(events.columns)):
            return None
        kinds = events["event_type"].fillna("") if "event_type" in events.columns else pd.Series("", index=events.index)
        chosen = events[kinds.str.contains(event_type, regex=False).to_numpy()]
        frame = _spanned(pd.DataFrame({
            "year": chosen["year"].to_numpy() if "year" in chosen.columns else None,
            "date": chosen["date"].to_numpy() if "date" in chosen.columns else None,
            "town": chosen["town"].to_numpy() if "town" in chosen.columns else None,
        }))
        if not len(frame) and len(chosen):
            return None
        return _tabulate(ctx, frame, periods)

    return measure


def _platforms(levels: tuple[str, ...] | None, cumulative: bool) -> Measure:
    def measure(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
        rels = ctx.snap.rels("HAS_PLATFORM")
        platforms = ctx.snap.kind("Platform").set_index("id")
        if not len(rels) or not len(platforms):
            return None
        # the platform's recognition (year / date) when known, else the relationship's
        own_year = rels["target"].map(platforms["year"]) if "year" in platforms.columns else rels["year"] * np.nan
        own_date = rels["target"].map(platforms["date"]) if "date" in platforms.columns else own_year * np.nan
        use_own = own_year.notna() | own_date.notna()
        rel_date = rels["date"] if "date" in rels.columns else pd.Series([None] * len(rels), index=rels.index)
        dated = _spanned(rels.assign(year=own_year.where(use_own, rels["year"]).astype(object),
                                     date=own_date.where(use_own, rel_date).astype(object)))
        if not len(dated):
            return None
        if levels is not None:
            if "level" not in platforms.columns:
                return None
            dated = dated[dated["target"].map(platforms["level"]).isin(levels).to_numpy()]
        chosen = _enterprise_end(ctx, dated, "source")
        return _tabulate(ctx, chosen, periods, "nunique", value="target", cumulative=cumulative)

    return measure


def _projects(pattern: str, column: str) -> Measure:
    def measure(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
        rels = ctx.snap.rels("PARTICIPATES_IN")
        projects = ctx.snap.kind("Project").set_index("id")
        if not len(rels) or column not in projects.columns or "year" not in projects.columns:
            return None
        info = projects.reindex(rels["target"])
        keep = info[column].fillna("").str.contains(pattern, regex=True).to_numpy()
        dates = info["date"].to_numpy()[keep] if "date" in info.columns else None
        chosen = rels[keep].assign(year=info["year"].to_numpy()[keep], date=dates)
        chosen = _enterprise_end(ctx, _spanned(chosen), "source")
        return _tabulate(ctx, chosen, periods, "nunique", value="target")

    return measure


def _current_only(compute: Callable[[pd.DataFrame], float | None]) -> Measure:
    """A measure of current enterprise properties: known for periods ending with the snapshot (no history kept)."""

    def measure(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
        out = _empty(ctx, periods, np.nan)
        now = [p for p in periods if p.last == ctx.snap.period.last]
        if not now:
            return out
        by_town = dict(tuple(ctx.firms.groupby("town")))
        for place in ctx.places:
            firms = ctx.firms if place == ALL else by_town.get(place, ctx.firms.iloc[:0])
            value = compute(firms)
            out.loc[now, place] = np.nan if value is None else value
        return out

    return measure


def _rd_intensity(firms: pd.DataFrame) -> float | None:
    both = firms[firms["rd_spend"].notna() & firms["revenue"].notna() & (firms["revenue"] > 0)]
    return None if not len(both) else float(both["rd_spend"].sum() / both["revenue"].sum() * 100)


def _sum_of(column: str) -> Callable[[pd.DataFrame], float | None]:
    return lambda firms: None if firms[column].isna().all() else float(firms[column].sum())


def _met_signed_share(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
    rels = _spanned(ctx.snap.rels("MET"))
    if not len(rels) or "outcome" not in rels.columns:
        return None
    rels = _enterprise_end(ctx, rels, "source")
    rels = rels.assign(signed=(rels["outcome"] == "signed").astype(float).to_numpy())
    return _tabulate(ctx, rels, periods, "mean", value="signed") * 100


def _liaison_cumulative(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
    rels = _spanned(ctx.snap.rels("LIAISES_WITH"))
    if not len(rels):
        return None
    return _tabulate(ctx, _enterprise_end(ctx, rels, "target"), periods, "nunique", value="target", cumulative=True)


def _program_selections(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
    rels = _spanned(ctx.snap.rels("IN_PROGRAM"))
    if not len(rels):
        return None
    hosts = []  # (talent, town of a firm that employs, is affiliated with or hosts the talent)
    for type_, talent_side, firm_side in (("EMPLOYS", "target", "source"), ("AFFILIATED_WITH", "source", "target"),
                                          ("SECONDED_TO", "source", "target")):
        links = _enterprise_end(ctx, ctx.snap.rels(type_), firm_side)
        hosts.append(pd.DataFrame({"source": links[talent_side].to_numpy(), "town": links["town"].to_numpy()}))
    hosted = pd.concat(hosts, ignore_index=True).drop_duplicates()
    selections = rels[["source", "first", "last"]]
    per_town = selections.merge(hosted, on="source", how="inner")
    unhosted = selections.assign(town=None)  # every selection counts city-wide, hosted or not
    frame = pd.concat([unhosted, per_town], ignore_index=True)
    return _tabulate(ctx, frame, periods, "nunique", value="source")


def _town_secondments(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
    rels = _spanned(ctx.snap.rels("SECONDED_TO"))
    if not len(rels) or "role" not in rels.columns:
        return None
    rels = rels[rels["role"].fillna("").str.contains("科技镇长团").to_numpy()]
    towns = ctx.snap.kind("Town")
    names = towns.set_index("id")["name"] if len(towns) else pd.Series(dtype=object)
    where = rels["target"].map(names)
    where = where.where(where.notna(), rels["target"].map(ctx.firms["town"]))
    return _tabulate(ctx, rels.assign(town=where.to_numpy()), periods)


def _investment_amount(ctx: _Context, periods: list[Period]) -> pd.DataFrame | None:
    rels = _spanned(ctx.snap.rels("INVESTS_IN"))
    if not len(rels) or "amount" not in rels.columns or rels["amount"].isna().all():
        return None
    rels = _enterprise_end(ctx, rels, "target")
    rels = rels.assign(amount=pd.to_numeric(rels["amount"], errors="coerce").astype(float).to_numpy())
    return _tabulate(ctx, rels, periods, "sum", value="amount")


_T = "REACHED_TIER"
INDICATORS: tuple[Indicator, ...] = (
    Indicator(1, "新成立企业 / enterprises founded", "家", "Enterprise.founded", _founded),
    Indicator(1, "招商活动 / investment-promotion events", "场", "Event (event_type 招商活动, year)", _events("招商")),
    Indicator(2, "科技型中小企业入库 / tech SMEs registered", "家", f"{_T} → {TIERS[0]} (year)", _tier_new(1)),
    Indicator(3, "新认定高企 / new high-tech certificates", "家", f"{_T} → {TIERS[1]} (year)", _tier_new(2)),
    Indicator(3, "有效期内高企 / valid high-tech firms", "家", f"{_T} → {TIERS[1]} (year, valid_until)",
              _valid_high_tech, "stock"),
    Indicator(4, "新增专精特新 / new 专精特新 firms", "家", f"{_T} → {TIERS[2]} (year)", _tier_new(3)),
    Indicator(4, "国家级小巨人累计 / national little giants", "家", f"{_T} → {TIERS[2]} (level)", _national_giants, "stock"),
    Indicator(5, "新认定研发平台 / new R&D platforms", "个", "HAS_PLATFORM → Platform (year)", _platforms(None, False)),
    Indicator(5, "省级以上研发平台累计 / provincial+ platforms", "个", "HAS_PLATFORM → Platform (level, year)",
              _platforms(("省级", "国家级"), True), "stock"),
    Indicator(6, "承担国家、省级项目 / national & provincial projects", "项", "PARTICIPATES_IN → Project (level, year)",
              _projects("国家|省", "level")),
    Indicator(6, "陶都之光攻关项目 / 陶都之光 projects", "项", "PARTICIPATES_IN → Project (program, year)",
              _projects("陶都之光", "program")),
    Indicator(6, "企业研发强度 / R&D intensity (current)", "%", "Enterprise.rd_spend, revenue (current only)",
              _current_only(_rd_intensity), "rate"),
    Indicator(7, "新增产学研合作 / new university collaborations", "项", "COLLABORATES_WITH (year)",
              _rel_count("COLLABORATES_WITH", side="source")),
    Indicator(7, "对接洽谈 / matchmaking meetings", "次", "MET (year)", _rel_count("MET", side="source")),
    Indicator(7, "对接签约率 / meetings signed", "%", "MET (outcome, year)", _met_signed_share, "rate"),
    Indicator(8, "发明专利 / invention patents (current)", "件", "Enterprise.invention_patents (current only)",
              _current_only(_sum_of("invention_patents")), "stock"),
    Indicator(8, "有效专利 / valid patents (current)", "件", "Enterprise.patents (current only)",
              _current_only(_sum_of("patents")), "stock"),
    Indicator(9, "结对挂钩企业累计 / firms under liaison", "家", "LIAISES_WITH (year)", _liaison_cumulative, "stock"),
    Indicator(9, "新增结对挂钩 / new liaisons", "家", "LIAISES_WITH (year)", _rel_count("LIAISES_WITH", distinct=True)),
    Indicator(10, "选派科技副总 / 科技副总 seconded", "人", "SECONDED_TO (role 科技副总, year)",
              _rel_count("SECONDED_TO", role="科技副总")),
    Indicator(10, "科技镇长团成员 / 科技镇长团 members", "人", "SECONDED_TO (role 科技镇长团, year)", _town_secondments),
    Indicator(10, "人才计划入选 / talent-programme selections", "人", "IN_PROGRAM (year)", _program_selections),
    Indicator(11, "获服务企业 / firms served by agencies", "家", "SERVES (year)", _rel_count("SERVES", distinct=True)),
    Indicator(11, "专题培训 / training events", "场", "Event (event_type 培训, year)", _events("培训")),
    Indicator(12, "基金投资金额 / investment amount", "万元", "INVESTS_IN (amount, year)", _investment_amount),
    Indicator(12, "获投企业 / funded firms", "家", "INVESTS_IN (year)", _rel_count("INVESTS_IN", distinct=True)),
)


def indicator_catalogue() -> pd.DataFrame:
    """The indicators, without values: ``action``, ``action_name``, ``indicator``, ``unit``, ``kind``, ``input``.

    >>> sorted(indicator_catalogue().action.unique().tolist()) == list(range(1, 13))
    True
    """
    return pd.DataFrame(
        [(i.action, ACTIONS[i.action], i.name, i.unit, i.kind, i.input) for i in INDICATORS],
        columns=["action", "action_name", "indicator", "unit", "kind", "input"],
    )


#: Columns of :func:`indicators`.
COLUMNS = ["action", "action_name", "indicator", "period", "year", "town", "value", "previous", "change",
           "same_period_last_year", "yoy_change", "ytd", "unit", "kind", "status", "input"]


def indicators(
    source: GraphStore | Snapshot, years: Iterable[int] | None = None, town: str | None = None,
    period: Period | str | None = None, periods: Iterable[Period | str] | None = None,
) -> pd.DataFrame:
    """Every indicator of the 12 actions per period (month, quarter or year), city-wide and per town.

    Parameters
    ----------
    years : iterable of int, optional
        Whole years to report.  Default (with no ``period``): the three years up to the
        snapshot's ``as_of``.
    town : str, optional
        Only the city-wide ("all") rows and this town's; default every town.
    period, periods : Period or str, optional
        The period (``"2025-Q3"``, ``"2025-11"``, ``"2025"``) or periods to report instead of ``years``.

    Returns
    -------
    pandas.DataFrame
        ``action`` (1–12), ``action_name``, ``indicator``, ``period`` (text, e.g. ``2025-Q3``),
        ``year`` (the period's year), ``town`` ("all" or a town), ``value`` (float; NaN when
        no data), ``previous`` (the previous period's value, 环比), ``change`` (value − previous),
        ``same_period_last_year`` (同比 base), ``yoy_change``, ``ytd`` (year to date, January to the
        period's end: a flow's total, a rate over the year's records to date — e.g. the share of the year's
        meetings signed —, a stock's value at the period's end),
        ``unit``, ``kind`` (flow / stock / rate), ``status`` ("ok" or "no data"), ``input``
        (what feeds it); sorted by action, indicator, town, period.  A change is NaN when
        either side has no data.
    """
    if periods is not None:
        wanted = sorted({Period.parse(p) for p in periods})
    elif period is not None:
        wanted = [Period.parse(period)]
    elif years is not None:
        wanted = [Period.year(int(y)) for y in sorted({int(y) for y in years})]
    else:
        wanted = None
    # asked for periods of a store: read it as it stood at the last one's end (a Snapshot is used as cut)
    snap = load_snapshot(source, period=max(wanted) if wanted and not isinstance(source, Snapshot) and (
        periods is not None or period is not None) else None)
    if wanted is None:
        wanted = [Period.year(y) for y in range(snap.as_of - 2, snap.as_of + 1)]
    firms = enterprises(snap).set_index("enterprise_id")
    history = tier_history(snap, dated=True)
    history = history.assign(town=history["enterprise_id"].map(firms["town"]).to_numpy())
    places = [ALL] + (sorted(firms["town"].unique()) if town is None else [town])
    ctx = _Context(snap, firms, history, places)
    if not wanted:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS})
    related = {p: (p.previous, p.same_period_last_year, p.year_to_date) for p in wanted}
    measured = sorted(set(wanted) | {q for qs in related.values() for q in qs})
    frames = []
    for order, indicator in enumerate(INDICATORS):
        values = indicator.measure(ctx, measured)
        if values is None:
            values = _empty(ctx, measured, np.nan)
        values = values.astype(float)

        def pick(which: int, values: pd.DataFrame = values) -> np.ndarray:
            return values.loc[[related[p][which] for p in wanted]].to_numpy()

        now = values.loc[wanted].to_numpy()
        previous, last_year = pick(0), pick(1)
        ytd = now if indicator.kind == "stock" else pick(2)  # a flow's total, a rate over the year's records
        n = len(places)
        long = pd.DataFrame(
            {
                "period": np.repeat(np.asarray([str(p) for p in wanted], dtype=object), n),
                "year": np.repeat([p.year_number for p in wanted], n),
                "town": np.tile(np.asarray(places, dtype=object), len(wanted)),
                "value": now.ravel(),
                "previous": previous.ravel(),
                "change": (now - previous).ravel(),
                "same_period_last_year": last_year.ravel(),
                "yoy_change": (now - last_year).ravel(),
                "ytd": ytd.ravel(),
                "_when": np.repeat([p.first for p in wanted], n),
            }
        )
        frames.append(
            long.assign(
                action=indicator.action, action_name=ACTIONS[indicator.action], indicator=indicator.name,
                unit=indicator.unit, kind=indicator.kind, input=indicator.input, _order=order,
                status=np.where(long["value"].isna(), NO_DATA, "ok"),
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame["year"] = frame["year"].astype(int)
    frame["_town"] = frame["town"] != ALL
    frame = frame.sort_values(["action", "_order", "_town", "town", "_when"], kind="stable")
    return frame[COLUMNS].reset_index(drop=True).astype({c: object for c in ("action_name", "indicator", "town",
                                                                                "period", "unit", "kind", "status",
                                                                                "input")})
