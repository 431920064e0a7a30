"""The monthly report / quarterly review as data: every table of one analysis run (:func:`run_analysis`).

What a report *shows* — the workbook, the HTML/DOCX/PDF pages and the charts — is drawn from this result by
:mod:`api.render.report`; this module computes and writes nothing.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis import ecosystem, gaps
from analysis import snapshot as snapshots
from analysis.indicators import indicators
from analysis.periods import Period, parse_period
from analysis.targets import CITY, target_progress, town_ranking
from graph.errors import SchemaError
from graph.store import GraphStore

__all__ = ["AnalysisResult", "run_analysis"]

_CITY_WIDE = "全市 city-wide"
_KIND_OF_REPORT = {"month": "月报 monthly report", "quarter": "季评 quarterly review", "year": "年度报告 annual report",
                   "span": "报告 report"}


@dataclass
class AnalysisResult:
    """The tables of one analysis run, with the year, town and seconds per step.

    ``timings`` holds wall-clock seconds per step, ``cpu_timings`` the process's CPU seconds
    (the fairer figure on a shared machine: it does not count time spent waiting for a core).
    """

    year: int
    town: str | None
    tables: dict[str, pd.DataFrame]
    timings: dict[str, float] = field(default_factory=dict)
    cpu_timings: dict[str, float] = field(default_factory=dict)
    #: Enterprises analysed (in ``town`` when one is given); the tables may list fewer (``measures`` is cut).
    enterprises: int = 0
    #: The period reported (its end is the data's cut-off).
    period: Period | None = None
    #: The period compared with (``--compare``) and where its tables came from.
    compared_with: Period | None = None
    compare_origin: str = ""
    #: The summary kept in the store for the next report (see :mod:`analysis.snapshot`).
    kept: dict[str, Any] = field(default_factory=dict)
    #: How many rows of each gap list the report shows per town.
    top: int = 5

    @property
    def title(self) -> str:
        """``宜兴创新网络月报 2025年11月 · 官林镇``."""
        period = self.period or Period.year(self.year)
        kind = _KIND_OF_REPORT[period.granularity].split()[0]
        return f"宜兴创新网络{kind} {period.label_zh}" + (f" · {self.town}" if self.town else "")


def _scoped(frame: pd.DataFrame, town: str) -> pd.DataFrame:
    """A city-wide table in a town report: labelled city-wide, the town's own rows marked."""
    mark = frame["town"] == town if "town" in frame.columns else (
        (frame["group"] == town) if "group" in frame.columns else pd.Series(False, index=frame.index))
    return frame.assign(scope=_CITY_WIDE, highlight=mark.to_numpy())


def run_analysis(source: GraphStore | ecosystem.Snapshot, year: int | None = None,
                 town: str | None = None, period: Period | str | None = None,
                 compare: Period | str | bool | None = None, keep: bool = True, top: int = 5) -> AnalysisResult:
    """Compute every table of the 月报 / 季评.

    Parameters
    ----------
    year : int, optional
        Report the whole year (the same as ``period=year``).
    period : Period or str, optional
        The month (``2025-11``), quarter (``2025-Q3``) or year reported; default: the latest year with data.
    town : str, optional
        The town's report: its own rows in every per-firm and per-town table and its own funnel; the
        city-wide tables (communities, supply–demand, bridges, ranking) carry ``scope`` 全市 and mark the
        town's rows; the changes carry each row's ``scope`` (the town or 全市), the town's first.  Written in
        Traditional or Simplified characters (:func:`analysis.ecosystem.known_town`); raises
        :class:`analysis.ecosystem.UnknownTownError` (a NotFoundError) for a town without enterprises.
    compare : Period, str or True, optional
        List what changed since that period (True: the previous period) in the ``changes`` table.
    keep : bool
        Keep this report's summary in the store (when ``source`` is a store) for a later ``compare``.
    top : int
        Rows per town of each gap list in the report (the workbook holds the full lists).

    Raises
    ------
    graph.errors.SchemaError
        In Chinese and English: a ``period`` that starts after today (nothing can be dated in it; the report
        would be empty and kept as if it were one), a ``compare`` that is not an earlier period of the same
        granularity (:func:`analysis.snapshot.compared_period`); an unknown ``town``
        (:func:`analysis.ecosystem.known_town`).
    """
    timings: dict[str, float] = {}
    cpu_timings: dict[str, float] = {}

    def timed(name, func, *args, **kwargs):
        start, cpu_start = time.perf_counter(), time.process_time()
        out = func(*args, **kwargs)
        timings[name] = time.perf_counter() - start
        cpu_timings[name] = time.process_time() - cpu_start
        return out

    asked = parse_period(period, year)
    today = _dt.date.today()
    if asked is not None and asked.start > today:  # no data can be dated after today: an empty report, kept
        raise SchemaError(f"报告期 {asked} 尚未开始 (今天 {today.isoformat()}) / the period {asked} starts after "
                          f"today ({today.isoformat()}): nothing can be reported for it yet")
    snap = timed("load", ecosystem.load_snapshot, source, period=asked)
    firms = timed("enterprises", ecosystem.enterprises, snap)
    town = ecosystem.known_town(snap, town, "--town")
    if compare:  # refused before the tables are computed
        snapshots.compared_period(snap.period, compare)
    progress = timed("targets", target_progress, snap)
    tables = {
        "indicators": timed("indicators", indicators, snap, town=town, period=snap.period),
        "targets": progress,
        "ranking": town_ranking(progress),
        "pyramid": timed("pyramid", ecosystem.tier_pyramid, snap),
        "funnel": timed("funnel", ecosystem.tier_funnel, snap, town=town),
        "lapsed": timed("lapsed", ecosystem.lapsed_certificates, snap),
        "measures": timed("network measures", ecosystem.organisation_measures, snap),
        "communities": timed("communities", ecosystem.communities, snap),
        "brokers": timed("brokers", ecosystem.brokers, snap),
        "health": timed("health", ecosystem.health_shares, snap),
        "gap_isolated": timed("gap isolated", gaps.isolated_innovators, snap),
        "gap_mismatch": timed("gap mismatch", gaps.supply_demand_mismatch, snap),
        "gap_constraint": timed("gap constraint", gaps.high_constraint, snap, top=None),
        "gap_bridges": timed("gap bridges", gaps.weak_bridges, snap),
        "gap_towns": timed("gap towns", gaps.towns_without_university, snap),
        "gap_service": timed("gap service", gaps.service_gaps, snap),
        "gap_finance": timed("gap finance", gaps.finance_gaps, snap),
        "gap_readiness": timed("gap readiness", gaps.promotion_readiness, snap),
    }
    kept = snapshots.summarise(snap, tables["indicators"], tables["ranking"], town=town)
    compared_with, origin = None, ""
    if compare:
        tables["changes"], compared_with, origin = timed("compare", snapshots.changes_since, source, snap, kept,
                                                         compare, town)
    if keep and isinstance(source, GraphStore):
        snapshots.save(source, snap.period, kept, town)
    if town is not None:
        city_wide = {"communities", "gap_mismatch", "gap_bridges", "gap_towns", "ranking"}
        for key, frame in tables.items():
            if key == "indicators":
                continue
            if key == "changes":  # the town's firms, indicators and rank first; the city's and other towns' labelled
                tables[key] = snapshots.scoped_changes(frame, town)
                continue
            if key == "targets":
                tables[key] = frame[frame["town"].isin([town, CITY])].reset_index(drop=True)
            elif key in city_wide:
                tables[key] = _scoped(frame, town)
            elif "town" in frame.columns:
                tables[key] = frame[frame["town"] == town].reset_index(drop=True)
            elif {"dimension", "group"} <= set(frame.columns):
                keep_rows = (frame["dimension"] == "town") & (frame["group"] == town)
                if key == "pyramid":  # the town's own pyramid, plus the city's for reference
                    keep_rows |= frame["dimension"] == ecosystem.ALL
                scoped = _scoped(frame[keep_rows.to_numpy()], town).reset_index(drop=True)
                # the town's own rows are the town's, the city's rows (kept for reference) city-wide
                scoped.loc[scoped["dimension"] == "town", "scope"] = town
                tables[key] = scoped
        for key in ("gap_isolated", "gap_finance", "gap_readiness"):  # priority within the town
            tables[key] = tables[key].assign(priority=np.arange(1, len(tables[key]) + 1))
    tables["measures"] = tables["measures"].head(2000)
    in_scope = int(len(firms) if town is None else (firms["town"] == town).sum())
    return AnalysisResult(snap.as_of, town, tables, timings, cpu_timings, enterprises=in_scope, period=snap.period,
                          compared_with=compared_with, compare_origin=origin, kept=kept, top=top)


