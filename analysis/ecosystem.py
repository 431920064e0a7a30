"""The 竹海 ecosystem: tiers and the promotion funnel, communities, centralities, health shares.

Every function takes a store or a :class:`Snapshot` (the store's frames, loaded
once with :func:`load_snapshot`, so a report reads the store a single time) and
returns a DataFrame whose columns its docstring lists.

Examples
--------
>>> from graph import SQLiteStore
>>> store = SQLiteStore(":memory:")
>>> _ = store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲", "town": "丁蜀镇"}])
>>> _ = store.upsert_nodes("Tier", [{"id": "tier:高新技术企业", "name": "高新技术企业", "rank": 2}])
>>> _ = store.upsert_relationships("REACHED_TIER", [{"source": "e1", "target": "tier:高新技术企业", "key": "2021",
...                                                   "year": 2021, "valid_until": 2024}])
>>> pyramid = tier_pyramid(store, years=[2021])
>>> pyramid[(pyramid.dimension == "town") & (pyramid.enterprises > 0)][["group", "tier", "enterprises"]].values.tolist()
[['丁蜀镇', '高新技术企业', 1]]
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.engine import DEFAULT_PIVOTS, ORGANISATION_KINDS, IGraphAdapter, collaboration_edges
from analysis.periods import Period, month_span
from graph.errors import InvalidArgumentError, NotFoundError, SchemaError
from graph.projection import year_of
from graph.schema import TIERS, canonical_tier
from graph.store import GraphStore
from graph.text import simplified

__all__ = [
    "ALL",
    "Snapshot",
    "UnknownTownError",
    "brokers",
    "communities",
    "enterprise_flags",
    "enterprises",
    "health_shares",
    "known_town",
    "known_towns",
    "lapsed_certificates",
    "load_snapshot",
    "organisation_measures",
    "tier_funnel",
    "tier_history",
    "tier_pyramid",
    "town_text",
]

#: The group name of the whole-city row in grouped tables.
ALL = "all"
_NO_TOWN = "(未填镇街 no town)"
_NO_INDUSTRY = "(未填行业 no industry)"
_YEAR = re.compile(r"^\s*(\d{4})")


@dataclass
class Snapshot:
    """The store's nodes and relationships as they stood at the end of ``as_of``.

    Attributes
    ----------
    nodes, relationships : pandas.DataFrame
        The store's ``nodes()`` and ``relationships()`` frames, later records removed.
    as_of : int
        The reference year (the year ``period`` ends in).
    period : Period
        What the snapshot stands at the end of: a month, quarter or year (default: the year ``as_of``).
    cache : dict
        Results computed once per snapshot (enterprise table, network measures).
    """

    nodes: pd.DataFrame
    relationships: pd.DataFrame
    as_of: int
    cache: dict[str, Any] = field(default_factory=dict, repr=False)
    period: Period | None = None

    def __post_init__(self) -> None:
        if self.period is None:
            self.period = Period.year(self.as_of)

    def kind(self, kind: str) -> pd.DataFrame:
        """Nodes of one kind (empty frame with ``id``, ``kind``, ``name`` when there are none)."""
        key = f"kind:{kind}"
        if key not in self.cache:
            frame = self.nodes[self.nodes["kind"] == kind] if len(self.nodes) else self.nodes
            frame = frame.dropna(axis=1, how="all").reset_index(drop=True)
            for column in ("id", "kind", "name"):
                if column not in frame.columns:
                    frame[column] = pd.Series([], dtype=object) if not len(frame) else None
            self.cache[key] = frame
        return self.cache[key]

    def rels(self, type_: str) -> pd.DataFrame:
        """Relationships of one type (empty frame with ``source``, ``target``, ``type``, ``key``, ``year``)."""
        key = f"rels:{type_}"
        if key not in self.cache:
            frame = self.relationships
            frame = frame[frame["type"] == type_] if len(frame) else frame
            frame = frame.dropna(axis=1, how="all").reset_index(drop=True)
            for column in ("source", "target", "type", "key", "year"):
                if column not in frame.columns:
                    frame[column] = pd.Series([None] * len(frame), dtype=object)
            self.cache[key] = frame
        return self.cache[key]

    def has(self, type_or_kind: str) -> bool:
        """Whether the snapshot holds any relationship of that type or node of that kind."""
        if type_or_kind[:1].isupper() and type_or_kind.upper() != type_or_kind:
            return len(self.kind(type_or_kind)) > 0
        return len(self.rels(type_or_kind)) > 0

    def with_records(self, nodes: pd.DataFrame | None = None, relationships: pd.DataFrame | None = None) -> Snapshot:
        """A new snapshot with extra nodes / relationships appended (for what-if runs; the store is untouched)."""
        new_nodes = self.nodes if nodes is None or not len(nodes) else pd.concat([self.nodes, nodes], ignore_index=True)
        new_rels = (
            self.relationships
            if relationships is None or not len(relationships)
            else pd.concat([self.relationships, relationships], ignore_index=True)
        )
        return Snapshot(new_nodes.astype(object), new_rels.astype(object), self.as_of, period=self.period)


_year_of = year_of  # the one year parser (graph.projection.year_of)


def _year_column(values: pd.Series) -> pd.Series:
    """:func:`_year_of` over a column, vectorised: float years, NaN when unknown.

    Whole numbers pass straight through; only the rest (texts such as ``2023年5月``) are parsed one by one.

    >>> _year_column(pd.Series([2021, "2022", 2023.0, "2024年5月", None, "未知"], dtype=object)).tolist()
    [2021.0, 2022.0, 2023.0, 2024.0, nan, nan]
    """
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    whole = numbers.notna() & (numbers == np.floor(numbers)) & ~values.map(type).eq(bool)
    years = numbers.where(whole)
    rest = ~whole & values.notna()
    if rest.any():
        years[rest] = values[rest].map(_year_of).astype(float)
    return years


def _node_span(nodes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """:func:`analysis.periods.month_span` of nodes: ``year`` / ``date``, else the founding date."""
    year = nodes["year"] if "year" in nodes.columns else pd.Series([None] * len(nodes), index=nodes.index, dtype=object)
    date = nodes["date"] if "date" in nodes.columns else pd.Series([None] * len(nodes), index=nodes.index, dtype=object)
    if "founded" in nodes.columns:
        year = year.where(year.notna(), nodes["founded"])
        date = date.where(date.notna(), nodes["founded"])
    return month_span(pd.DataFrame({"year": year, "date": date}))


def load_snapshot(source: GraphStore | Snapshot, until_year: int | None = None,
                  period: Period | str | None = None) -> Snapshot:
    """Read the store once into a :class:`Snapshot` (a Snapshot passes through, re-cut if asked).

    ``period`` (a :class:`analysis.periods.Period` or its text, e.g. ``"2025-Q3"``) or
    ``until_year`` (the same as ``period=until_year``) cuts the data at the period's end:
    relationships and nodes that count from later (:func:`analysis.periods.counts_from` of
    their ``year`` / ``date`` / ``founded``) are left out; undated records stay.
    """
    if period is None and until_year is not None:
        period = Period.year(int(until_year))
    period = None if period is None else Period.parse(period)
    if isinstance(source, Snapshot):
        if period is None or period == source.period:
            return source
        nodes, rels = source.nodes, source.relationships
    elif isinstance(source, GraphStore):
        nodes, rels = source.nodes(), source.relationships()
    else:
        raise SchemaError(f"expected a GraphStore or Snapshot, got {type(source).__name__}; open a store first")
    if "kind" not in nodes.columns:
        nodes = pd.DataFrame({"id": pd.Series([], dtype=object), "kind": pd.Series([], dtype=object)})
    if "type" not in rels.columns:
        rels = pd.DataFrame({c: pd.Series([], dtype=object) for c in ("source", "target", "type", "key", "year")})
    if period is not None:
        _, rel_last = month_span(rels)
        rels = rels[np.isnan(rel_last) | (rel_last <= period.last)]
        _, node_last = _node_span(nodes)
        nodes = nodes[np.isnan(node_last) | (node_last <= period.last)]
        as_of = period.year_number
    else:
        rel_years = _year_column(rels["year"]) if "year" in rels.columns else pd.Series(np.nan, index=rels.index)
        as_of = int(rel_years.max()) if rel_years.notna().any() else _dt.date.today().year
    ids = set(nodes["id"])
    rels = rels[rels["source"].isin(ids) & rels["target"].isin(ids)] if len(rels) else rels
    return Snapshot(nodes.reset_index(drop=True), rels.reset_index(drop=True), int(as_of), period=period)


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), None)


def _linked_name(snap: Snapshot, type_: str, kind: str) -> pd.Series:
    """First target name per source over ``type_`` relationships to ``kind`` nodes."""
    rels = snap.rels(type_)
    targets = snap.kind(kind)
    if not len(rels) or not len(targets):
        return pd.Series(dtype=object)
    names = targets.set_index("id")["name"]
    linked = rels.assign(target_name=rels["target"].map(names)).dropna(subset=["target_name"])
    return linked.drop_duplicates("source").set_index("source")["target_name"]


def _tier_name(value: Any) -> str | None:
    return canonical_tier(value, strict=False)


_HISTORY_COLUMNS = ["enterprise_id", "tier", "rank", "year", "level", "certificate", "valid_until"]


def tier_history(source: GraphStore | Snapshot, dated: bool = False) -> pd.DataFrame:
    """Every tier an enterprise reached, with the year (the ``REACHED_TIER`` history).

    Returns
    -------
    pandas.DataFrame
        ``enterprise_id``, ``tier`` (canonical name), ``rank`` (1–5), ``year``,
        ``level``, ``certificate``, ``valid_until`` (高企: year + 3 when not given),
        sorted by enterprise and year.  With ``dated`` also ``date`` (as given; None when
        year-only) and ``first_month`` / ``last_month`` (its :func:`analysis.periods.month_span`).
    """
    snap = load_snapshot(source)
    if "tier_history" in snap.cache:
        full = snap.cache["tier_history"]
        return full if dated else full[_HISTORY_COLUMNS]
    rels = snap.rels("REACHED_TIER")
    tier_nodes = snap.kind("Tier")
    names = tier_nodes.set_index("id")["name"] if len(tier_nodes) else pd.Series(dtype=object)
    tiers = rels["target"].map(names).where(rels["target"].map(names).notna(), rels["target"].str.removeprefix("tier:"))
    frame = pd.DataFrame(
        {
            "enterprise_id": rels["source"].astype(object),
            "tier": tiers.map(_tier_name).astype(object),
            "year": rels["year"].map(_year_of).astype(object),
            "level": _text(rels, "level"),
            "certificate": _text(rels, "certificate"),
            "valid_until": rels["valid_until"].map(_year_of).astype(object) if "valid_until" in rels else None,
            "date": _text(rels, "date"),
        }
    )
    frame["first_month"], frame["last_month"] = month_span(frame)
    frame = frame.dropna(subset=["tier", "year"])
    frame["rank"] = frame["tier"].map(lambda t: TIERS.index(t) + 1).astype(int)
    frame["year"] = frame["year"].astype(int)
    high_tech = (frame["tier"] == TIERS[1]) & frame["valid_until"].isna()
    frame.loc[high_tech, "valid_until"] = frame.loc[high_tech, "year"] + 3
    frame = frame[["enterprise_id", "tier", "rank", "year", "level", "certificate", "valid_until", "date",
                   "first_month", "last_month"]]
    frame = frame.sort_values(["enterprise_id", "year", "rank"]).reset_index(drop=True)
    snap.cache["tier_history"] = frame
    return frame if dated else frame[_HISTORY_COLUMNS]


def enterprises(source: GraphStore | Snapshot) -> pd.DataFrame:
    """One row per enterprise with the numbers the analyses use.

    Returns
    -------
    pandas.DataFrame
        ``enterprise_id``, ``name``, ``town``, ``industry`` (property, else the
        LOCATED_IN / IN_INDUSTRY node's name), ``founded_year``, ``revenue``,
        ``rd_spend`` (万元), ``rd_intensity`` (rd_spend / revenue, %),
        ``hightech_revenue_share`` (%), ``employees``, ``st_staff``, ``st_share`` (%),
        ``patents``, ``invention_patents``, ``keywords`` (list), ``tier`` (highest
        reached by the snapshot's period end, from the tier history; a firm without history falls back to
        its stored ``tier`` when its ``tier_year`` counts by then; None below the ladder), ``tier_rank`` (0 = none), ``tier_year``.
        Numbers are floats, NaN when the store has none.
    """
    snap = load_snapshot(source)
    if "enterprises" in snap.cache:
        return snap.cache["enterprises"]
    firms = snap.kind("Enterprise")
    town = _text(firms, "town")
    town = town.where(town.notna(), firms["id"].map(_linked_name(snap, "LOCATED_IN", "Town")))
    industry = _text(firms, "industry")
    industry = industry.where(industry.notna(), firms["id"].map(_linked_name(snap, "IN_INDUSTRY", "Industry")))
    revenue, rd = _numeric(firms, "revenue"), _numeric(firms, "rd_spend")
    employees, staff = _numeric(firms, "employees"), _numeric(firms, "st_staff")
    with np.errstate(divide="ignore", invalid="ignore"):
        rd_intensity = (rd / revenue.where(revenue > 0)) * 100
        st_share = (staff / employees.where(employees > 0)) * 100
    history = tier_history(snap)
    top = history.sort_values(["rank", "year"]).drop_duplicates("enterprise_id", keep="last").set_index("enterprise_id")
    tier = firms["id"].map(top["tier"]) if len(top) else pd.Series([None] * len(firms), dtype=object)
    tier_year = firms["id"].map(top["year"]) if len(top) else pd.Series([None] * len(firms), dtype=object)
    if "tier" in firms.columns:  # no history for a firm: fall back to its stored current tier
        stored = firms["tier"].map(_tier_name)
        # ... when it counts by the snapshot's end (analysis.periods.counts_from of tier_year, the same rule
        # that cut the history): a tier reached in 2025 is not yet held in a 2025-Q2 snapshot
        stored_year = firms["tier_year"] if "tier_year" in firms.columns else pd.Series(
            [None] * len(firms), index=firms.index, dtype=object)
        _, stored_last = month_span(pd.DataFrame({"year": stored_year.to_numpy(), "date": None}))
        stored = stored.where(np.isnan(stored_last) | (stored_last <= snap.period.last))
        no_history = tier.isna() & stored.notna()
        tier = tier.where(~no_history, stored)
        tier_year = tier_year.where(~no_history, _numeric(firms, "tier_year"))
    keywords = firms["keywords"] if "keywords" in firms.columns else pd.Series([None] * len(firms), dtype=object)
    frame = pd.DataFrame(
        {
            "enterprise_id": firms["id"].astype(object),
            "name": firms["name"].astype(object),
            "town": town.fillna(_NO_TOWN).astype(object),
            "industry": industry.fillna(_NO_INDUSTRY).astype(object),
            "founded_year": firms["founded"].map(_year_of).astype(float) if "founded" in firms else np.nan,
            "revenue": revenue,
            "rd_spend": rd,
            "rd_intensity": rd_intensity,
            "hightech_revenue_share": _numeric(firms, "hightech_revenue_share"),
            "employees": employees,
            "st_staff": staff,
            "st_share": st_share,
            "patents": _numeric(firms, "patents"),
            "invention_patents": _numeric(firms, "invention_patents"),
            "keywords": keywords.map(lambda v: list(v) if isinstance(v, (list, tuple)) else []).astype(object),
            "tier": tier.astype(object).where(tier.notna(), None),
            "tier_rank": tier.map(lambda t: TIERS.index(t) + 1 if isinstance(t, str) else 0).astype(int),
            "tier_year": pd.to_numeric(tier_year, errors="coerce").astype(float),
        }
    )
    snap.cache["enterprises"] = frame
    return frame


class UnknownTownError(InvalidArgumentError, NotFoundError):
    """A town argument names no town of the store: a bad argument (HTTP 422) and a name not found."""


def town_text(text: object) -> str:
    """A town as the store writes it: NFKC-folded, trimmed, in Simplified characters (丁蜀鎮 → 丁蜀镇)."""
    import unicodedata

    return simplified(unicodedata.normalize("NFKC", str(text)).strip())


def known_towns(source: GraphStore | Snapshot) -> set[str]:
    """The towns that have an enterprise in the snapshot (its ``town``, else its LOCATED_IN town): what a ``town``
    argument or a target's place may name."""
    return set(enterprises(load_snapshot(source))["town"].dropna())


def known_town(source: GraphStore | Snapshot, town: str | None, parameter: str = "town",
               also: Iterable[str] = ()) -> str | None:
    """The town a ``--town`` option or ``town`` parameter names, as the store writes it — the one check.

    The text is NFKC-folded, trimmed and written in Simplified characters (:func:`graph.text.simplified`:
    丁蜀鎮 is 丁蜀镇).  ``also`` are other accepted values (``全市``, ``all``), returned as folded.

    Returns
    -------
    str or None
        The town (None when ``town`` is None).

    Raises
    ------
    UnknownTownError
        (an :class:`graph.errors.InvalidArgumentError`, 422, and a :class:`graph.errors.NotFoundError`) when no
        enterprise of the snapshot is in that town; the message, in Chinese and English, names ``parameter``,
        the closest known town when one is close (:func:`difflib.get_close_matches`, ratio ≥ 0.5: 高城镇 →
        高塍镇) and lists the known towns.

    >>> from graph import SQLiteStore
    >>> store = SQLiteStore(":memory:")
    >>> _ = store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲", "town": "丁蜀镇"}])
    >>> known_town(store, " 丁蜀鎮 ")
    '丁蜀镇'
    >>> known_town(store, "火星镇", "--town")
    Traceback (most recent call last):
    ...
    analysis.ecosystem.UnknownTownError: 参数 --town: 没有镇街「火星镇」的企业; 已知镇街: 丁蜀镇 / parameter --town: no enterprises in '火星镇'; known towns: 丁蜀镇
    """
    if town is None:
        return None
    folded = town_text(town)
    accepted = {town_text(a) for a in also}
    towns = known_towns(source)
    if folded in towns or folded in accepted:
        return folded
    known = ", ".join([*sorted(accepted), *sorted(towns)])
    import difflib

    close = difflib.get_close_matches(folded, sorted(t for t in towns if isinstance(t, str)), n=1, cutoff=0.5)
    hint_zh, hint_en = (f"; 是否指「{close[0]}」?", f"; did you mean {close[0]!r}?") if close else ("", "")
    raise UnknownTownError(f"参数 {parameter}: 没有镇街「{town}」的企业{hint_zh}; 已知镇街: {known} / parameter "
                           f"{parameter}: no enterprises in {town!r}{hint_en}; known towns: {known}")


def _sources_of(snap: Snapshot, type_: str, **where: Any) -> set[str]:
    rels = snap.rels(type_)
    for column, value in where.items():
        if column not in rels.columns:
            return set()
        rels = rels[rels[column] == value]
    return set(rels["source"])


def _targets_of(snap: Snapshot, type_: str, **where: Any) -> set[str]:
    rels = snap.rels(type_)
    for column, value in where.items():
        if column not in rels.columns:
            return set()
        rels = rels[rels[column] == value]
    return set(rels["target"])


def enterprise_flags(source: GraphStore | Snapshot) -> pd.DataFrame:
    """Per enterprise: which supports of the ecosystem reach it.

    Returns
    -------
    pandas.DataFrame
        Indexed by enterprise id; bool columns ``university_partner`` (≥ 1
        COLLABORATES_WITH), ``academic_tie`` (a university partner, a signed MET
        with a university, a platform co-built with a university, or a seconded
        talent affiliated with one), ``platform`` (any HAS_PLATFORM),
        ``platform_level`` (list of levels), ``served`` (any SERVES),
        ``service_types`` (list), ``funded`` (any INVESTS_IN), ``science_vp``
        (a 科技副总 seconded to it), ``program_talent`` (employs or hosts a talent
        of a talent programme), ``liaison`` (LIAISES_WITH).
    """
    snap = load_snapshot(source)
    if "flags" in snap.cache:
        return snap.cache["flags"]
    ids = enterprises(snap)["enterprise_id"]
    universities = set(snap.kind("University")["id"])
    collab = snap.rels("COLLABORATES_WITH")
    partners = set(collab.loc[collab["target"].isin(universities), "source"])
    met = snap.rels("MET")
    signed = set()
    if "outcome" in met.columns:
        signed = set(met.loc[met["target"].isin(universities) & (met["outcome"] == "signed"), "source"])
    has_platform = snap.rels("HAS_PLATFORM")
    co_built = set(snap.rels("CO_BUILDS").loc[lambda f: f["source"].isin(universities), "target"])
    shared_platform = set(has_platform.loc[has_platform["target"].isin(co_built), "source"])
    seconded = snap.rels("SECONDED_TO")
    affiliated = snap.rels("AFFILIATED_WITH")
    university_talents = set(affiliated.loc[affiliated["target"].isin(universities), "source"])
    employs = snap.rels("EMPLOYS")
    university_talents |= set(employs.loc[employs["source"].isin(universities), "target"])
    seconded_academic = set(seconded.loc[seconded["source"].isin(university_talents), "target"])
    roles = seconded["role"] if "role" in seconded.columns else pd.Series([None] * len(seconded), dtype=object)
    science_vp = set(seconded.loc[roles.fillna("").str.contains("科技副总").to_numpy(), "target"])
    program_talents = set(snap.rels("IN_PROGRAM")["source"])
    hosts = set(employs.loc[employs["target"].isin(program_talents), "source"]) | set(
        affiliated.loc[affiliated["source"].isin(program_talents), "target"]
    ) | set(seconded.loc[seconded["source"].isin(program_talents), "target"])
    platforms = snap.kind("Platform")
    levels = platforms.set_index("id")["level"] if "level" in platforms.columns else pd.Series(dtype=object)
    platform_levels = (
        has_platform.assign(level=has_platform["target"].map(levels)).dropna(subset=["level"])
        .groupby("source")["level"].agg(lambda s: sorted(set(s)))
    )
    serves = snap.rels("SERVES")
    service_types = (
        serves.dropna(subset=["service_type"]).groupby("target")["service_type"].agg(lambda s: sorted(set(s)))
        if "service_type" in serves.columns
        else pd.Series(dtype=object)
    )
    frame = pd.DataFrame(index=pd.Index(ids, name="enterprise_id", dtype=object))
    frame["university_partner"] = frame.index.isin(partners)
    frame["academic_tie"] = frame.index.isin(partners | signed | shared_platform | seconded_academic)
    frame["platform"] = frame.index.isin(set(has_platform["source"]))
    frame["platform_level"] = [platform_levels.get(i, []) for i in frame.index]
    frame["served"] = frame.index.isin(set(serves["target"]))
    frame["service_types"] = [service_types.get(i, []) for i in frame.index]
    frame["funded"] = frame.index.isin(set(snap.rels("INVESTS_IN")["target"]))
    frame["science_vp"] = frame.index.isin(science_vp)
    frame["program_talent"] = frame.index.isin(hosts)
    frame["liaison"] = frame.index.isin(set(snap.rels("LIAISES_WITH")["target"]))
    snap.cache["flags"] = frame
    return frame


def _years(snap: Snapshot, years: Iterable[int] | None, span: int = 5) -> list[int]:
    if years is not None:
        return sorted({int(y) for y in years})
    return list(range(snap.as_of - span + 1, snap.as_of + 1))


def _highest_by(history: pd.DataFrame, year: int) -> pd.DataFrame:
    reached = history[history["year"] <= year]
    return reached.sort_values(["rank", "year"]).drop_duplicates("enterprise_id", keep="last")


def tier_pyramid(source: GraphStore | Snapshot, years: Iterable[int] | None = None) -> pd.DataFrame:
    """How many enterprises stand on each rung at the end of each year, city-wide, by town and by industry.

    A firm counts once, on the highest rung it had reached by that year.

    Parameters
    ----------
    years : iterable of int, optional
        Default: the five years up to the snapshot's ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``dimension`` ("all" / "town" / "industry"), ``group`` (town or
        industry name; "all"), ``tier``, ``rank``, ``enterprises``; every rung is
        listed for every group (0 when empty).
    """
    snap = load_snapshot(source)
    firms = enterprises(snap).set_index("enterprise_id")
    history = tier_history(snap)
    rows = []
    for year in _years(snap, years):
        top = _highest_by(history, year)
        top = top[top["enterprise_id"].isin(firms.index)]
        if not len(history):  # no history at all: fall back to the stored current tier
            top = firms.reset_index().dropna(subset=["tier"])[["enterprise_id", "tier"]]
        for dimension, column in ((ALL, None), ("town", "town"), ("industry", "industry")):
            groups = [ALL] if column is None else sorted(firms[column].dropna().unique())
            keyed = top.assign(group=ALL if column is None else top["enterprise_id"].map(firms[column]))
            counts = keyed.groupby(["group", "tier"]).size()
            for group in groups:
                for rank, tier in enumerate(TIERS, start=1):
                    rows.append((year, dimension, group, tier, rank, int(counts.get((group, tier), 0))))
    return pd.DataFrame(rows, columns=["year", "dimension", "group", "tier", "rank", "enterprises"])


def tier_funnel(source: GraphStore | Snapshot, years: Iterable[int] | None = None,
                town: str | None = None) -> pd.DataFrame:
    """Promotions between neighbouring rungs per year: the 梯次培育 funnel, city-wide or of one ``town``'s firms.

    ``base`` is the number of firms whose highest rung at the end of the previous
    year was ``from_tier``; ``promoted`` those of them that reached a higher rung
    during ``year`` (skipping a rung counts as a promotion); ``conversion_rate`` =
    promoted / base; ``median_years`` = median years between reaching ``from_tier``
    and reaching the higher rung, over every promotion ever recorded up to ``year``.

    Returns
    -------
    pandas.DataFrame
        ``from_tier``, ``to_tier`` (next rung), ``year``, ``base``, ``promoted``,
        ``conversion_rate`` (NaN when base is 0), ``median_years``; with ``town`` also ``town`` (every
        figure counts that town's firms only, as :func:`enterprises` places them).
    """
    snap = load_snapshot(source)
    history = tier_history(snap)
    if town is not None:
        firms = enterprises(snap)
        history = history[history["enterprise_id"].isin(set(firms.loc[firms["town"] == town, "enterprise_id"]))]
    first = history.groupby(["enterprise_id", "rank"])["year"].min().reset_index()
    rows = []
    for year in _years(snap, years):
        before = _highest_by(history, year - 1).set_index("enterprise_id")["rank"]
        now = _highest_by(history, year).set_index("enterprise_id")["rank"]
        for rank in range(1, len(TIERS)):
            base_ids = before.index[before == rank]
            promoted = int((now.reindex(base_ids) > rank).sum())
            gaps = []
            lower = first[first["rank"] == rank].set_index("enterprise_id")["year"]
            higher = first[(first["rank"] > rank) & (first["year"] <= year)].groupby("enterprise_id")["year"].min()
            both = pd.concat([lower, higher], axis=1, join="inner", keys=["lo", "hi"])
            gaps = (both["hi"] - both["lo"])[both["hi"] >= both["lo"]]
            rows.append(
                (
                    TIERS[rank - 1],
                    TIERS[rank],
                    year,
                    len(base_ids),
                    promoted,
                    promoted / len(base_ids) if len(base_ids) else np.nan,
                    float(gaps.median()) if len(gaps) else np.nan,
                )
            )
    frame = pd.DataFrame(
        rows, columns=["from_tier", "to_tier", "year", "base", "promoted", "conversion_rate", "median_years"]
    )
    return frame if town is None else frame.assign(town=town)


def lapsed_certificates(source: GraphStore | Snapshot) -> pd.DataFrame:
    """高企 certificates that expired by ``as_of`` without a renewal.

    A certificate granted in ``year`` and valid until ``valid_until`` counts as
    renewed when the firm has another 高新技术企业 record dated after ``year`` and no
    later than ``valid_until + 1``.

    Returns
    -------
    pandas.DataFrame
        ``enterprise_id``, ``name``, ``town``, ``industry``, ``year`` (granted),
        ``valid_until``, ``certificate``, ``current_tier``, ``reason``; newest expiry first.
    """
    snap = load_snapshot(source)
    history = tier_history(snap)
    high_tech = history[history["tier"] == TIERS[1]]
    firms = enterprises(snap).set_index("enterprise_id")
    grants = high_tech.groupby("enterprise_id")["year"].agg(list).to_dict()
    rows = []
    for record in high_tech.itertuples(index=False):
        valid = int(record.valid_until)
        if valid >= snap.as_of:
            continue
        if any(record.year < y <= valid + 1 for y in grants.get(record.enterprise_id, ())):
            continue
        firm = firms.loc[record.enterprise_id] if record.enterprise_id in firms.index else None
        rows.append(
            {
                "enterprise_id": record.enterprise_id,
                "name": None if firm is None else firm["name"],
                "town": None if firm is None else firm["town"],
                "industry": None if firm is None else firm["industry"],
                "year": int(record.year),
                "valid_until": valid,
                "certificate": record.certificate,
                "current_tier": None if firm is None else firm["tier"],
                "reason": f"高企证书{valid}年到期未重新认定 / high-tech certificate expired {valid}, not renewed",
            }
        )
    columns = ["enterprise_id", "name", "town", "industry", "year", "valid_until", "certificate", "current_tier", "reason"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["valid_until", "enterprise_id"], ascending=[False, True]).reset_index(drop=True)


def _organisation_adapter(snap: Snapshot) -> IGraphAdapter:
    if "adapter" not in snap.cache:
        orgs = snap.nodes[snap.nodes["kind"].isin(ORGANISATION_KINDS)] if len(snap.nodes) else snap.nodes
        ids = orgs["id"].tolist() if len(orgs) else []
        edges = collaboration_edges(snap.relationships, ids)
        snap.cache["org_edges"] = edges
        snap.cache["adapter"] = IGraphAdapter.from_edges(edges, nodes=ids)
    return snap.cache["adapter"]


def organisation_measures(
    source: GraphStore | Snapshot, k: int | None = DEFAULT_PIVOTS, seed: int = 0, exact: bool = False
) -> pd.DataFrame:
    """Communities and centralities on the organisation network (firms, universities, talents, funds, agencies).

    Parameters
    ----------
    k : int
        Pivots for sampled betweenness (ignored with ``exact=True``).
    seed : int
        Seed of Leiden and of the pivot sample.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``kind``, ``name``, ``town``, ``industry`` (enterprises), ``community``,
        ``degree``, ``pagerank``, ``betweenness`` (normalised; sampled unless exact),
        ``coreness``, ``constraint`` (NaN when isolated), ``effective_size``,
        ``communities_reached`` (other communities its neighbours belong to), ``broker``
        (True when that is ≥ 1); sorted by pagerank, highest first.
    """
    snap = load_snapshot(source)
    key = f"measures:{k}:{seed}:{exact}"
    if key in snap.cache:
        return snap.cache[key]
    adapter = _organisation_adapter(snap)
    measures = adapter.measures(k=k, seed=seed, exact=exact)
    membership = measures["community"]
    edges = snap.cache["org_edges"]
    reached = pd.Series(0, index=measures.index, dtype=int)
    if len(edges):
        pairs = pd.DataFrame({"a": edges["source"], "b": edges["target"]})
        pairs = pd.concat([pairs, pairs.rename(columns={"a": "b", "b": "a"})], ignore_index=True)
        pairs["ca"], pairs["cb"] = pairs["a"].map(membership), pairs["b"].map(membership)
        cross = pairs[pairs["ca"] != pairs["cb"]].drop_duplicates(["a", "cb"])
        reached = cross.groupby("a").size().reindex(measures.index, fill_value=0).astype(int)
    orgs = snap.nodes.set_index("id").reindex(measures.index)
    firms = enterprises(snap).set_index("enterprise_id")
    frame = measures.assign(
        kind=orgs["kind"],
        name=orgs["name"] if "name" in orgs else None,
        town=pd.Series(measures.index, index=measures.index).map(firms["town"]),
        industry=pd.Series(measures.index, index=measures.index).map(firms["industry"]),
        communities_reached=reached,
        broker=reached >= 1,
    )
    frame = frame.rename_axis("id").reset_index()
    frame = frame[
        ["id", "kind", "name", "town", "industry", "community", "degree", "pagerank", "betweenness", "coreness",
         "constraint", "effective_size", "communities_reached", "broker"]
    ]
    # PageRank of structurally equivalent nodes differs only by float noise (1e-15): order such ties by id
    rank_key = frame.assign(_rank=frame["pagerank"].round(12))
    frame = frame.loc[rank_key.sort_values(["_rank", "id"], ascending=[False, True]).index].reset_index(drop=True)
    snap.cache[key] = frame
    return frame


def communities(source: GraphStore | Snapshot, seed: int = 0, min_size: int = 2) -> pd.DataFrame:
    """Leiden communities of the organisation network, labelled by dominant industry and leading university.

    Parameters
    ----------
    min_size : int
        Smaller communities (isolated organisations) are left out.

    Returns
    -------
    pandas.DataFrame
        ``community``, ``size``, ``enterprises``, ``universities``, ``others``,
        ``dominant_industry``, ``dominant_industry_share`` (share of its firms),
        ``leading_university`` (the member university with most ties),
        ``label`` ("industry · university"), ``internal_edges``, ``bridge_edges``
        (edges to other communities), ``bridges_per_member``; biggest first.
    """
    snap = load_snapshot(source)
    key = f"communities:{seed}:{min_size}"
    if key in snap.cache:
        return snap.cache[key]
    measures = organisation_measures(snap, seed=seed)
    edges = snap.cache["org_edges"]
    membership = measures.set_index("id")["community"]
    ca, cb = edges["source"].map(membership), edges["target"].map(membership)
    internal = ca[ca == cb].value_counts()
    bridges = pd.concat([ca[ca != cb], cb[ca != cb]]).value_counts()
    sizes = measures.groupby("community").size()
    kept = sizes[sizes >= min_size].index
    members = measures[measures["community"].isin(kept).to_numpy()]
    firms = members[(members["kind"] == "Enterprise").to_numpy()]
    unis = members[(members["kind"] == "University").to_numpy()]
    # dominant industry: most firms; ties go to the industry met first in pagerank order (as value_counts does)
    industries = firms.assign(_first=np.arange(len(firms))).groupby(["community", "industry"], sort=False).agg(
        firms=("id", "size"), first=("_first", "min")
    ).reset_index()
    industries = industries.sort_values(["community", "firms", "first"], ascending=[True, False, True], kind="stable")
    dominant = industries.drop_duplicates("community").set_index("community")
    leading = (
        unis.sort_values(["community", "degree", "pagerank"], ascending=[True, False, False], kind="stable")
        .drop_duplicates("community").set_index("community")["name"]
    )
    n_firms = firms.groupby("community").size()
    table = pd.DataFrame(index=pd.Index(kept, name="community"))
    table["size"] = sizes.reindex(kept).astype(int)
    table["enterprises"] = n_firms.reindex(kept, fill_value=0).astype(int)
    table["universities"] = unis.groupby("community").size().reindex(kept, fill_value=0).astype(int)
    table["others"] = table["size"] - table["enterprises"] - table["universities"]
    table["dominant_industry"] = dominant["industry"].reindex(kept).astype(object)
    table["dominant_industry_share"] = (dominant["firms"].reindex(kept) / n_firms.reindex(kept)).astype(float)
    table["leading_university"] = leading.reindex(kept).astype(object)
    table = table.astype({"dominant_industry": object, "leading_university": object})
    table = table.where(table.notna(), None).astype({"dominant_industry_share": float})
    table["label"] = [
        " · ".join(x for x in (d, u) if x) or f"社群 community {c}"
        for c, d, u in zip(table.index, table["dominant_industry"], table["leading_university"])
    ]
    table["internal_edges"] = internal.reindex(kept, fill_value=0).astype(int).to_numpy()
    table["bridge_edges"] = bridges.reindex(kept, fill_value=0).astype(int).to_numpy()
    table["bridges_per_member"] = table["bridge_edges"] / table["size"]
    columns = ["community", "size", "enterprises", "universities", "others", "dominant_industry",
               "dominant_industry_share", "leading_university", "label", "internal_edges", "bridge_edges",
               "bridges_per_member"]
    frame = table.reset_index()[columns]
    frame["community"] = frame["community"].astype(int)
    snap.cache[key] = frame
    return frame


def brokers(source: GraphStore | Snapshot, top: int | None = 50) -> pd.DataFrame:
    """Organisations that tie communities together, most between first.

    Returns
    -------
    pandas.DataFrame
        The :func:`organisation_measures` columns for rows with ``broker`` True,
        sorted by ``communities_reached`` then ``betweenness``; ``top`` rows.
    """
    frame = organisation_measures(source)
    frame = frame[frame["broker"]].sort_values(["communities_reached", "betweenness"], ascending=False)
    return (frame if top is None else frame.head(top)).reset_index(drop=True)


#: Health measures: flag column → label (Chinese / English).
_HEALTH = {
    "university_partner": "有高校院所合作 / ≥1 university partner",
    "platform": "有研发平台 / has an R&D platform",
    "served": "有服务机构服务 / served by an agency",
    "funded": "获基金投资 / funded",
    "talent": "有科技副总或人才计划人才 / 科技副总 or talent-programme member",
}


def health_shares(source: GraphStore | Snapshot) -> pd.DataFrame:
    """Shares of enterprises reached by each support, per tier, town and industry.

    Measures: ≥ 1 university partner; an R&D platform (any, and per level);
    served by an agency (any, and per service type); funded; a 科技副总 or a
    talent-programme member.

    Returns
    -------
    pandas.DataFrame
        ``dimension`` ("all" / "tier" / "town" / "industry"), ``group``, ``measure``,
        ``enterprises`` (in the group), ``count`` (with the support), ``share`` (0–1).
    """
    snap = load_snapshot(source)
    firms = enterprises(snap).set_index("enterprise_id")
    flags = enterprise_flags(snap)
    table = pd.DataFrame(index=firms.index)
    for column, label in _HEALTH.items():
        table[label] = (flags["science_vp"] | flags["program_talent"]) if column == "talent" else flags[column]
        if column == "platform":
            for level in sorted({lv for levels in flags["platform_level"] for lv in levels}):
                table[f"研发平台 platform: {level}"] = flags["platform_level"].map(lambda ls, lv=level: lv in ls)
        if column == "served":
            for kind in sorted({t for types in flags["service_types"] for t in types}):
                table[f"服务 service: {kind}"] = flags["service_types"].map(lambda ts, k=kind: k in ts)
    groups = {
        ALL: pd.Series(ALL, index=firms.index),
        "tier": firms["tier"].fillna("(未入梯次 not on the ladder)"),
        "town": firms["town"],
        "industry": firms["industry"],
    }
    rows = []
    for dimension, keys in groups.items():
        grouped = table.groupby(keys.to_numpy())
        sizes = grouped.size()
        sums = grouped.sum()
        for group in sums.index:
            for measure in table.columns:
                count = int(sums.loc[group, measure])
                rows.append((dimension, group, measure, int(sizes[group]), count, count / int(sizes[group])))
    return pd.DataFrame(rows, columns=["dimension", "group", "measure", "enterprises", "count", "share"])
