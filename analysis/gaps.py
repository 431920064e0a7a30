"""Collaboration gaps: ranked tables whose rows say in words (Chinese, then English) why they are there.

Every function takes a store or an :class:`analysis.ecosystem.Snapshot` and
returns a DataFrame ending in ``reason``.

Examples
--------
>>> from graph import SQLiteStore
>>> store = SQLiteStore(":memory:")
>>> _ = store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲", "revenue": 1000.0, "rd_spend": 80.0,
...                                        "patents": 6}])
>>> isolated_innovators(store)[["enterprise_id", "capacity_score"]].values.tolist()
[['e1', 2]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.ecosystem import (
    Snapshot,
    communities,
    enterprise_flags,
    enterprises,
    load_snapshot,
    organisation_measures,
)
from graph.schema import TIERS
from graph.store import GraphStore

__all__ = [
    "CAPACITY_RULES",
    "GAP_LISTS",
    "SERVICE_TYPES",
    "SRDI_RULES",
    "SRDI_TO_VERIFY",
    "finance_gaps",
    "high_constraint",
    "high_tech_rd_threshold",
    "isolated_innovators",
    "promotion_readiness",
    "ranked_gaps",
    "service_gaps",
    "srdi_innovation_score",
    "srdi_seen_points",
    "supply_demand_mismatch",
    "towns_without_university",
    "weak_bridges",
]

#: Signals of innovation capacity: R&D intensity (%), tier rank, patents, invention patents.
CAPACITY_RULES = {"rd_intensity": 3.0, "tier_rank": 2, "patents": 5, "invention_patents": 1}

#: The agency service types the policy names (action 11).
SERVICE_TYPES: tuple[str, ...] = ("知识产权", "科技咨询", "技术转移", "检验检测", "财税管理")


def _fmt(value: float, digits: int = 1) -> str:
    return "?" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.{digits}f}"


def isolated_innovators(source: GraphStore | Snapshot, top: int | None = None, min_signals: int = 2) -> pd.DataFrame:
    """Firms with innovation capacity and no academic tie: the 产学研 to-do list (action 7).

    Capacity signals (:data:`CAPACITY_RULES`): R&D intensity ≥ 3 % (the 专精特新 floor),
    tier ≥ 高新技术企业, ≥ 5 patents, ≥ 1 invention patent.  A firm with at least
    ``min_signals`` signals (default 2: one signal alone, e.g. a single patent, does not
    make a firm a priority for matchmaking) and no academic tie (see
    :func:`analysis.ecosystem.enterprise_flags`) is listed.  Priority: most signals, then
    highest R&D intensity, then most patents (``priority`` 1 = first).

    Returns
    -------
    pandas.DataFrame
        ``priority``, ``enterprise_id``, ``name``, ``town``, ``industry``, ``tier``, ``rd_intensity``,
        ``patents``, ``invention_patents``, ``capacity_score`` (signals met, 1–4), ``reason``.
    """
    snap = load_snapshot(source)
    firms = enterprises(snap).set_index("enterprise_id")
    flags = enterprise_flags(snap)
    signals = pd.DataFrame(
        {
            "rd": firms["rd_intensity"] >= CAPACITY_RULES["rd_intensity"],
            "tier": firms["tier_rank"] >= CAPACITY_RULES["tier_rank"],
            "patents": firms["patents"] >= CAPACITY_RULES["patents"],
            "invention": firms["invention_patents"] >= CAPACITY_RULES["invention_patents"],
        }
    )
    score = signals.sum(axis=1).astype(int)
    tie = flags["academic_tie"].reindex(firms.index).fillna(False).astype(bool).to_numpy()
    chosen = firms[(score >= max(min_signals, 1)).to_numpy() & ~tie].copy()
    chosen["capacity_score"] = score.reindex(chosen.index).to_numpy()
    reasons = []
    for firm_id, firm in chosen.iterrows():
        zh, en = [], []
        if signals.at[firm_id, "rd"]:
            zh.append(f"研发强度{_fmt(firm.rd_intensity)}%")
            en.append(f"R&D intensity {_fmt(firm.rd_intensity)}%")
        if signals.at[firm_id, "tier"]:
            zh.append(str(firm.tier))
            en.append(f"tier {firm.tier}")
        if signals.at[firm_id, "patents"] or signals.at[firm_id, "invention"]:
            zh.append(f"专利{int(firm.patents) if firm.patents == firm.patents else '?'}件")
            en.append(f"{int(firm.patents) if firm.patents == firm.patents else '?'} patents")
        reasons.append(
            f"{'、'.join(zh)},但无任何高校院所合作 / {', '.join(en)}, but no tie to any university or institute"
        )
    chosen["reason"] = reasons
    chosen = chosen.sort_values(["capacity_score", "rd_intensity", "patents"], ascending=False, na_position="last")
    chosen["priority"] = np.arange(1, len(chosen) + 1)
    columns = ["priority", "enterprise_id", "name", "town", "industry", "tier", "rd_intensity", "patents",
               "invention_patents", "capacity_score", "reason"]
    frame = chosen.reset_index()[columns]
    return (frame if top is None else frame.head(top)).reset_index(drop=True)


def _keyword_sets(values: pd.Series) -> list[set[str]]:
    return [
        {str(k).strip() for k in v if str(k).strip()} if isinstance(v, (list, tuple, np.ndarray)) else set()
        for v in values
    ]


def supply_demand_mismatch(source: GraphStore | Snapshot) -> pd.DataFrame:
    """Industry × university strength: links expected from keyword overlap against links that exist.

    A firm *demands* strength K when K is one of its keywords and some university
    lists K among its keywords (its strengths).  ``expected_links`` counts such
    firms per (industry, K); ``actual_links`` those of them that collaborate with
    at least one university strong in K.

    Returns
    -------
    pandas.DataFrame
        ``industry``, ``strength``, ``demand_firms``, ``supply_universities``,
        ``expected_links``, ``actual_links``, ``gap`` (expected − actual),
        ``coverage`` (actual / expected), ``reason``; largest gap first.
    """
    snap = load_snapshot(source)
    firms = enterprises(snap)
    unis = snap.kind("University")
    uni_keywords = _keyword_sets(unis["keywords"]) if "keywords" in unis.columns else [set() for _ in range(len(unis))]
    supply: dict[str, set[str]] = {}
    for uni_id, keywords in zip(unis["id"], uni_keywords):
        for keyword in keywords:
            supply.setdefault(keyword, set()).add(uni_id)
    collab = snap.rels("COLLABORATES_WITH")
    partners = collab.groupby("source")["target"].agg(set).to_dict() if len(collab) else {}
    cells: dict[tuple[str, str], list[int]] = {}
    for firm_id, industry, keywords in zip(firms["enterprise_id"], firms["industry"], _keyword_sets(firms["keywords"])):
        for keyword in keywords & supply.keys():
            cell = cells.setdefault((industry, keyword), [0, 0])
            cell[0] += 1
            cell[1] += bool(partners.get(firm_id, set()) & supply[keyword])
    rows = []
    for (industry, keyword), (expected, actual) in cells.items():
        gap = expected - actual
        rows.append(
            {
                "industry": industry,
                "strength": keyword,
                "demand_firms": expected,
                "supply_universities": len(supply[keyword]),
                "expected_links": expected,
                "actual_links": actual,
                "gap": gap,
                "coverage": actual / expected,
                "reason": (
                    f"{industry}有{expected}家企业需要「{keyword}」,{len(supply[keyword])}所高校院所擅长,"
                    f"仅{actual}家已合作 / {expected} {industry} firms need '{keyword}', "
                    f"{len(supply[keyword])} universities are strong in it, only {actual} collaborate"
                ),
            }
        )
    columns = ["industry", "strength", "demand_firms", "supply_universities", "expected_links", "actual_links",
               "gap", "coverage", "reason"]
    frame = pd.DataFrame(rows, columns=columns)
    order = ["gap", "coverage", "industry", "strength"]  # names break ties: the same order in every run
    return frame.sort_values(order, ascending=[False, True, True, True]).reset_index(drop=True)


def high_constraint(source: GraphStore | Snapshot, top: int | None = 50) -> pd.DataFrame:
    """Enterprises most enclosed in redundant ties (highest Burt constraint): few independent contacts.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``name``, ``town``, ``industry``, ``degree``, ``constraint``,
        ``effective_size``, ``community``, ``reason``; highest constraint first.
    """
    measures = organisation_measures(load_snapshot(source))
    firms = measures[(measures["kind"] == "Enterprise") & measures["constraint"].notna()].copy()
    firms = firms.assign(_constraint=firms["constraint"].round(12))  # float-noise ties: fewest contacts, then id
    firms = firms.sort_values(["_constraint", "degree", "id"], ascending=[False, True, True])
    firms["reason"] = [
        f"约束度{c:.2f},有效规模{s:.1f}:合作对象少且彼此重叠 / constraint {c:.2f}, effective size {s:.1f}: "
        "few, redundant contacts"
        for c, s in zip(firms["constraint"], firms["effective_size"])
    ]
    columns = ["id", "name", "town", "industry", "degree", "constraint", "effective_size", "community", "reason"]
    frame = firms[columns]
    return (frame if top is None else frame.head(top)).reset_index(drop=True)


def weak_bridges(source: GraphStore | Snapshot, max_bridges_per_member: float = 0.1) -> pd.DataFrame:
    """Communities with few ties to the rest of the network.

    Returns
    -------
    pandas.DataFrame
        The :func:`analysis.ecosystem.communities` columns ``community``, ``label``,
        ``size``, ``bridge_edges``, ``bridges_per_member``, then ``reason``;
        communities at or below ``max_bridges_per_member``, fewest bridges first.
    """
    table = communities(load_snapshot(source))
    table = table[table["bridges_per_member"] <= max_bridges_per_member].copy()
    table["reason"] = [
        f"{size}个成员仅{b}条对外连接 / {size} members, only {b} ties to other communities"
        for size, b in zip(table["size"], table["bridge_edges"])
    ]
    table = table.sort_values(["bridges_per_member", "size"], ascending=[True, False])
    return table[["community", "label", "size", "bridge_edges", "bridges_per_member", "reason"]].reset_index(drop=True)


def towns_without_university(source: GraphStore | Snapshot) -> pd.DataFrame:
    """Towns ranked by how few of their firms reach a university (any academic tie).

    Returns
    -------
    pandas.DataFrame
        ``town``, ``enterprises``, ``with_academic_tie``, ``share``, ``reason``;
        towns whose firms reach no university first.
    """
    snap = load_snapshot(source)
    firms = enterprises(snap).set_index("enterprise_id")
    flags = enterprise_flags(snap)
    table = (
        pd.DataFrame({"town": firms["town"].to_numpy(),
                      "tie": flags["academic_tie"].reindex(firms.index).fillna(False).astype(bool).to_numpy()})
        .groupby("town")["tie"].agg(enterprises="size", with_academic_tie="sum").reset_index()
    )
    table["with_academic_tie"] = table["with_academic_tie"].astype(int)
    table["share"] = table["with_academic_tie"] / table["enterprises"]
    table["reason"] = [
        f"{n}家企业无一与高校院所合作 / none of its {n} firms reaches a university"
        if k == 0
        else f"{n}家企业中仅{k}家与高校院所合作 / only {k} of its {n} firms reach a university"
        for n, k in zip(table["enterprises"], table["with_academic_tie"])
    ]
    return table.sort_values(["share", "enterprises"], ascending=[True, False]).reset_index(drop=True)


def service_gaps(source: GraphStore | Snapshot) -> pd.DataFrame:
    """Towns and tiers where no agency provides a service type.

    Service types are :data:`SERVICE_TYPES` plus any other type met in SERVES.

    Returns
    -------
    pandas.DataFrame
        ``dimension`` ("town" / "tier"), ``group``, ``service_type``, ``enterprises``,
        ``served`` (firms served with that type; 0 for every listed row), ``reason``;
        biggest groups first.
    """
    snap = load_snapshot(source)
    firms = enterprises(snap).set_index("enterprise_id")
    flags = enterprise_flags(snap)
    types = list(SERVICE_TYPES) + sorted({t for ts in flags["service_types"] for t in ts} - set(SERVICE_TYPES))
    rows = []
    for dimension, keys in (("town", firms["town"]), ("tier", firms["tier"].fillna("(未入梯次 not on the ladder)"))):
        for group, members in keys.groupby(keys):
            served = flags["service_types"].reindex(members.index)
            for service in types:
                count = int(served.map(lambda ts, s=service: s in ts).sum())
                if count == 0:
                    rows.append(
                        {
                            "dimension": dimension,
                            "group": group,
                            "service_type": service,
                            "enterprises": len(members),
                            "served": 0,
                            "reason": f"{group}的{len(members)}家企业无一获得「{service}」服务 / none of "
                            f"{len(members)} firms in {group} gets '{service}' service",
                        }
                    )
    columns = ["dimension", "group", "service_type", "enterprises", "served", "reason"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["enterprises", "dimension"], ascending=[False, True]).reset_index(drop=True)


def finance_gaps(source: GraphStore | Snapshot, top: int | None = None) -> pd.DataFrame:
    """Promising firms without any investment from the funds the store holds (action 12).

    Promising: tier ≥ 高新技术企业, or R&D intensity ≥ 5 %, or ≥ 3 invention patents.  A listed
    firm (科技上市企业) raises money on the market and is never a finance gap.  Priority
    (``priority`` 1 = first): highest tier below listing, then highest R&D intensity.

    Returns
    -------
    pandas.DataFrame
        ``priority``, ``enterprise_id``, ``name``, ``town``, ``industry``, ``tier``, ``rd_intensity``,
        ``invention_patents``, ``reason``; highest tier, then R&D intensity, first.
    """
    snap = load_snapshot(source)
    firms = enterprises(snap).set_index("enterprise_id")
    funded = enterprise_flags(snap)["funded"].reindex(firms.index).fillna(False).astype(bool).to_numpy()
    promising = (firms["tier_rank"] >= 2) | (firms["rd_intensity"] >= 5) | (firms["invention_patents"] >= 3)
    listed = (firms["tier_rank"] >= len(TIERS)).to_numpy()
    chosen = firms[promising.to_numpy() & ~funded & ~listed].copy()
    chosen["reason"] = [
        f"{tier or '未入梯次'},研发强度{_fmt(rd)}%,发明专利{_fmt(inv, 0)}件,但未获任何基金投资 / "
        f"{tier or 'no tier'}, R&D intensity {_fmt(rd)}%, {_fmt(inv, 0)} invention patents, no investment"
        for tier, rd, inv in zip(chosen["tier"], chosen["rd_intensity"], chosen["invention_patents"])
    ]
    chosen = chosen.sort_values(["tier_rank", "rd_intensity"], ascending=False, na_position="last")
    chosen["priority"] = np.arange(1, len(chosen) + 1)
    columns = ["priority", "enterprise_id", "name", "town", "industry", "tier", "rd_intensity", "invention_patents",
               "reason"]
    frame = chosen.reset_index()[columns]
    return (frame if top is None else frame.head(top)).reset_index(drop=True)


def high_tech_rd_threshold(revenue: float) -> float:
    """R&D intensity (%) the 高企 rules require for a revenue (万元): 5 % < 5000, 4 % to 20000, 3 % above.

    >>> high_tech_rd_threshold(3000.0), high_tech_rd_threshold(8000.0), high_tech_rd_threshold(30000.0)
    (5.0, 4.0, 3.0)
    """
    if revenue < 5000:
        return 5.0
    if revenue <= 20000:
        return 4.0
    return 3.0


def _rd_thresholds(revenue: pd.Series) -> np.ndarray:
    """Vectorised :func:`high_tech_rd_threshold` (5 % when the revenue is unknown)."""
    values = revenue.to_numpy(dtype=float)
    banded = np.select([values < 5000, values <= 20000], [5.0, 4.0], 3.0)
    return np.where(np.isnan(values), 5.0, banded)


#: The 专精特新中小企业 rules :func:`promotion_readiness` checks, from 《优质中小企业梯度培育管理暂行办法》
#: (工业和信息化部 工信部企业〔2022〕63号) 附件2《专精特新中小企业认定标准》 and, for "中小企业",
#: 《中小企业划型标准规定》(工信部联企业〔2011〕300号, 工业): every amount in 万元, every share in %.
#:
#: * ``years`` — 认定条件(一) 从事特定细分市场时间达到 2 年以上;
#: * ``rd_spend``, ``rd_intensity`` — 认定条件(二) 上年度研发费用总额不低于 100 万元, 且占营业收入总额比重不低于 3 %;
#: * ``revenue``, ``financing`` — 认定条件(三) 上年度营业收入总额在 1000 万元以上, 或在 1000 万元以下但近 2 年
#:   新增股权融资总额 (合格机构投资者的实缴额) 达到 2000 万元以上;
#: * ``pass_mark`` of ``score_max`` — 认定条件(四) 评价得分达到 60 分以上 (专业化 25, 精细化 25, 特色化 15 —
#:   set by the province —, 创新能力 35), or one of its direct routes (直通车): ``direct_rd`` 近两年研发费用总额
#:   均值在 1000 万元以上; ``direct_financing`` 近两年新增股权融资总额 6000 万元以上 (the other two — a 省级 /
#:   国家级 科技奖励 in the last three years, the 创客中国 national top 500 — are not in the store);
#: * ``large_employees``, ``large_revenue`` — 工业 large firm: 从业人员 ≥ 1000 **and** 营业收入 ≥ 40000 万元;
#: * ``seen_max`` — the points of the evaluation the store can score: 创新能力 35 (指标 9-12) and 专业化 指标3
#:   从事特定细分市场年限 (每满 2 年得 1 分, 最高 5 分; years since founding as its upper bound).
SRDI_RULES: dict[str, float] = {
    "years": 2, "rd_spend": 100.0, "rd_intensity": 3.0, "revenue": 1000.0, "financing": 2000.0,
    "large_employees": 1000, "large_revenue": 40000.0, "score_max": 100.0, "pass_mark": 60.0,
    "direct_rd": 1000.0, "direct_financing": 6000.0, "seen_max": 40.0,
}

#: What :func:`promotion_readiness` cannot check from the store for 专精特新: listed in every row's ``to_verify``.
SRDI_TO_VERIFY = ("从事特定细分市场≥2年(仅知成立年限) / >= 2 years in its niche market (only the founding year is known)",
                  ("评价得分≥60分(专业化、精细化、特色化另60分无数据) / evaluation score >= 60 (60 points of 专业化, "
                   "精细化 and 特色化 are not in the data)"))

#: 研发机构级别 points (附件2 指标12): 国家级 10, 省级 8, 设区市级 (无锡市级) 4, 市级以下 (宜兴市级) 2.
_PLATFORM_POINTS = {"国家级": 10.0, "省级": 8.0, "无锡市级": 4.0, "市级": 2.0}


def _banded(values: pd.Series, bands: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Points of the first band (threshold, points) a value reaches; 0 below every band, NaN stays NaN."""
    array = values.to_numpy(dtype=float)
    out = np.zeros(len(array))
    for threshold, points in bands:  # ascending: a higher band overrides a lower one
        out = np.where(array >= threshold, points, out)
    return np.where(np.isnan(array), np.nan, out)


def srdi_innovation_score(firms: pd.DataFrame) -> np.ndarray:
    """The 创新能力 part (35 of 100 points) of the 专精特新 evaluation (工信部企业〔2022〕63号 附件2 指标9-12).

    ``firms`` as :func:`analysis.ecosystem.enterprises`, plus ``_platform_points`` (see
    :data:`_PLATFORM_POINTS`; 0 without a platform).  Per indicator:

    * 有效知识产权 (10): I类 (invention patent) ≥ 1 → 8 (自主研发 I类; 高价值 cannot be told, so never 10);
      only II类 (utility model / design patents) → 2; none → 0;
    * 上年度研发费用 (10): ≥ 500 万元 or ≥ 10 % → 10; 400 / 8 % → 8; 300 / 6 % → 6; 200 / 4 % → 4;
      100 / 3 % → 2 (the better of the two bands);
    * 研发人员占比 (5): ≥ 20 % → 5; ≥ 10 % → 3; ≥ 5 % → 1 (科技人员 share as its proxy);
    * 研发机构级别 (10): 国家级 10, 省级 8, 设区市级 4, 市级以下 2, none 0.

    NaN when neither R&D spending nor patents are known.

    >>> frame = pd.DataFrame({"rd_spend": [450.0, 60.0], "rd_intensity": [4.5, 3.0], "invention_patents": [1, 0],
    ...                       "patents": [6, 2], "st_share": [22.0, 8.0], "_platform_points": [8.0, 0.0]})
    >>> srdi_innovation_score(frame).tolist()
    [29.0, 5.0]
    """
    ip = np.where(firms["invention_patents"].fillna(0) >= 1, 8.0, np.where(firms["patents"].fillna(0) >= 1, 2.0, 0.0))
    spend = _banded(firms["rd_spend"], ((100, 2), (200, 4), (300, 6), (400, 8), (500, 10)))
    share = _banded(firms["rd_intensity"], ((3, 2), (4, 4), (6, 6), (8, 8), (10, 10)))
    rd = np.fmax(spend, share)
    staff = np.nan_to_num(_banded(firms["st_share"], ((5, 1), (10, 3), (20, 5))))
    platform = (firms["_platform_points"] if "_platform_points" in firms.columns
                else pd.Series(0.0, index=firms.index)).fillna(0).to_numpy(dtype=float)
    unknown = firms["rd_spend"].isna().to_numpy() & firms["patents"].isna().to_numpy() \
        & firms["invention_patents"].isna().to_numpy()
    return np.where(unknown, np.nan, ip + np.nan_to_num(rd) + staff + platform)


def srdi_seen_points(firms: pd.DataFrame) -> np.ndarray:
    """The points of the 100-point 专精特新 evaluation the store can score (of :data:`SRDI_RULES` ``seen_max`` = 40).

    :func:`srdi_innovation_score` (创新能力, 35) plus 专业化 指标3 从事特定细分市场年限 (附件2: 每满 2 年得 1 分,
    最高 5 分), counted from the years since founding (``_age``; an upper bound: a firm is not longer in a
    niche than it exists).  NaN where :func:`srdi_innovation_score` is NaN.

    >>> frame = pd.DataFrame({"rd_spend": [450.0], "rd_intensity": [4.5], "invention_patents": [1], "patents": [6],
    ...                       "st_share": [22.0], "_platform_points": [8.0], "_age": [7.0]})
    >>> srdi_seen_points(frame).tolist()
    [32.0]
    """
    age = (firms["_age"] if "_age" in firms.columns else pd.Series(np.nan, index=firms.index)).to_numpy(dtype=float)
    niche = np.minimum(np.floor(np.nan_to_num(np.clip(age, 0, None)) / 2), 5.0)
    return srdi_innovation_score(firms) + niche


def _state(condition: pd.Series | np.ndarray, value: pd.Series | np.ndarray) -> np.ndarray:
    """1.0 where met, 0.0 where not, NaN where the input ``value`` is missing."""
    return np.where(pd.isna(np.asarray(value, dtype=float)), np.nan, np.asarray(condition, dtype=float))


def _criteria(firms: pd.DataFrame) -> list[tuple[str, np.ndarray, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]]:
    """Per next tier: the firms it applies to and its criteria as (label zh, label en, state) arrays.

    States are 1 (met), 0 (not met) and NaN (input missing), one per firm of ``firms``.
    """
    n = len(firms)

    def label(text: str) -> np.ndarray:
        return np.full(n, text, dtype=object)

    rank = firms["tier_rank"].to_numpy()
    revenue, rd = firms["revenue"], firms["rd_intensity"]
    threshold = _rd_thresholds(revenue)
    owned_ip = firms["patents"].where(firms["patents"].notna(), firms["invention_patents"])
    percent = np.array([f"{t:.0f}" for t in threshold], dtype=object) if n else np.array([], dtype=object)
    high_tech = [
        ("研发强度≥" + percent + "%", "R&D intensity >= " + percent + "%", _state(rd >= threshold, rd)),
        (label("高新技术产品收入占比≥60%"), label("high-tech revenue share >= 60%"),
         _state(firms["hightech_revenue_share"] >= 60, firms["hightech_revenue_share"])),
        (label("科技人员占比≥10%"), label("S&T staff >= 10%"), _state(firms["st_share"] >= 10, firms["st_share"])),
        (label("拥有自主知识产权"), label("owns core IP"), _state(owned_ip >= 1, owned_ip)),
    ]
    age = firms["_age"] if "_age" in firms.columns else pd.Series(np.nan, index=firms.index)
    financing = firms["_financing"] if "_financing" in firms.columns else pd.Series(0.0, index=firms.index)
    employees = firms["employees"]
    large = (employees >= SRDI_RULES["large_employees"]) & (revenue >= SRDI_RULES["large_revenue"])
    sized = employees.where(employees.notna(), revenue)
    specialised = [  # 附件2 认定条件(一)-(三) and 中小企业; 条件(四) (the score) is reported apart: to verify
        (label("中小企业(非大型企业)"), label("an SME (not a large firm)"), _state(~large, sized)),
        (label("成立满2年(细分市场年限的上限)"), label("founded >= 2 years ago (the bound of its years in a niche)"),
         _state(age >= SRDI_RULES["years"], age)),
        (label("上年度研发费用≥100万元"), label("last year's R&D spending >= 1 M yuan"),
         _state(firms["rd_spend"] >= SRDI_RULES["rd_spend"], firms["rd_spend"])),
        (label("研发费用占营业收入≥3%"), label("R&D >= 3% of revenue"), _state(rd >= SRDI_RULES["rd_intensity"], rd)),
        (label("营业收入≥1000万元或近2年股权融资≥2000万元"), label("revenue >= 10 M yuan or >= 20 M yuan equity in 2 years"),
         _state((revenue >= SRDI_RULES["revenue"]) | (financing >= SRDI_RULES["financing"]),
                revenue.where(revenue.notna() | (financing <= 0), financing))),
    ]
    return [(TIERS[1], rank <= 1, high_tech), (TIERS[2], rank == 2, specialised)]


def promotion_readiness(source: GraphStore | Snapshot, max_missing: int = 1) -> pd.DataFrame:
    """Firms near the next rung's thresholds, with what each still lacks: the 晋级 to-do list (actions 3, 4).

    科技型中小企业 (or no tier) → 高新技术企业, from 《高新技术企业认定管理办法》(国科发火〔2016〕32号)
    第十一条: R&D intensity by revenue band (5 % below 5000 万元, 4 % to 20000 万元, 3 % above),
    high-tech revenue ≥ 60 %, S&T staff ≥ 10 %, owned IP (≥ 1 patent).

    高新技术企业 → 专精特新 (the 省级 专精特新中小企业 Jiangsu recognises), from the Ministry of Industry and
    Information Technology's 《优质中小企业梯度培育管理暂行办法》(工信部企业〔2022〕63号) 附件2
    《专精特新中小企业认定标准》, which 江苏省工业和信息化厅 applies as written (the province sets only the 15
    特色化 points of the evaluation).  The hard conditions the store can check — all must hold for ``ready``
    (:data:`SRDI_RULES`):

    1. a 中小企业 by 《中小企业划型标准规定》(工信部联企业〔2011〕300号, 工业): large = ≥ 1000 employees
       **and** ≥ 40000 万元 revenue;
    2. founded ≥ 2 years ago: the bound of 认定条件(一) 从事特定细分市场时间达到 2 年以上 (the niche itself is
       not in the data);
    3. 认定条件(二) last year's R&D spending ≥ 100 万元 ...
    4. ... and ≥ 3 % of revenue;
    5. 认定条件(三) revenue ≥ 1000 万元, or < 1000 万元 with ≥ 2000 万元 equity financing in the last two years
       (the INVESTS_IN amounts of this and last year).

    What the store **cannot** check is listed in ``to_verify`` (:data:`SRDI_TO_VERIFY`), never guessed:
    从事特定细分市场 ≥ 2 年 (条件(一)) and 认定条件(四) 评价得分 ≥ 60 / 100 — of whose indicators the store
    holds only 创新能力 (35 points) and 细分市场年限 (5): the 专业化 / 精细化 / 特色化 rest (主营业务占比 and
    growth, 主导产品, 数字化, 质量, 净利率, 资产负债率, the province's 特色化: 60 points) is not in the data.
    条件(四)'s direct routes (直通车) the store can see replace the score (``route`` "直通车 direct route"):
    近两年研发费用总额均值 ≥ 1000 万元 (last year's R&D as its proxy) or ≥ 6000 万元 equity financing in two
    years.  So a ready 专精特新 row is a firm to visit with the two items of ``to_verify``, not a recognition
    forecast: the hard thresholds are below what a 高企 must show anyway (its own rules demand 3-5 % R&D), and
    the evaluation is where firms fail.

    Priority (``priority`` 1 = first), one list for both rungs: fewest criteria missing; then a 专精特新
    direct route; then the most evaluation points the store can see (``points_seen`` of 40,
    :func:`srdi_seen_points`: the fewer of the 60 unseen points a firm needs, the likelier it passes); then the
    biggest by revenue (高企 candidates have no points and come after the 专精特新 candidates that have) —
    never the USCC.

    Parameters
    ----------
    max_missing : int
        Firms lacking more criteria than this are left out.

    Returns
    -------
    pandas.DataFrame
        ``priority``, ``enterprise_id``, ``name``, ``town``, ``industry``, ``tier``, ``next_tier``,
        ``criteria_met``, ``criteria_total``, ``ready`` (every checkable criterion met), ``route`` (专精特新:
        "直通车 direct route" or "评分待核实 score to verify"; None for 高企), ``points_seen`` (专精特新: the
        evaluation points the store can score, of 40; NaN for 高企), ``lacks`` (what is missing; "数据缺失"
        where the input is unknown), ``to_verify`` (专精特新: what the data cannot show; "" for 高企),
        ``reason``; ready firms first.
    """
    snap = load_snapshot(source)
    firms = enterprises(snap)
    levels = enterprise_flags(snap)["platform_level"].reindex(firms["enterprise_id"])
    invests = snap.rels("INVESTS_IN")
    recent = pd.Series(dtype=float)
    if len(invests) and {"amount", "year"} <= set(invests.columns):  # 近2年新增股权融资 (万元)
        years = pd.to_numeric(invests["year"], errors="coerce")
        chosen = invests[(years >= snap.as_of - 1).to_numpy()]
        recent = pd.to_numeric(chosen["amount"], errors="coerce").groupby(chosen["target"].to_numpy()).sum()
    firms = firms.assign(
        _age=snap.as_of - firms["founded_year"],
        _financing=firms["enterprise_id"].map(recent).fillna(0.0).astype(float).to_numpy(),
        _platform_points=[max((_PLATFORM_POINTS.get(level, 2.0) for level in ls), default=0.0)
                          if isinstance(ls, list) else 0.0 for ls in levels],
    )
    seen = srdi_seen_points(firms)
    direct_rd = (firms["rd_spend"] >= SRDI_RULES["direct_rd"]).to_numpy()
    direct_financing = (firms["_financing"] >= SRDI_RULES["direct_financing"]).to_numpy()
    parts = []
    for next_tier, applies, criteria in _criteria(firms):
        srdi = next_tier == TIERS[2]
        states = np.column_stack([state for *_, state in criteria])[applies]
        met = (states == 1).sum(axis=1)
        keep = len(criteria) - met <= max_missing
        rows = np.flatnonzero(applies)[keep]
        states, met = states[keep], met[keep]
        lacks, reasons, routes, verify = [], [], [], []
        for row, row_states in zip(rows, states):
            lacks_zh, lacks_en = [], []
            for (zh, en, _), state in zip(criteria, row_states):
                if state != 1:
                    missing = bool(np.isnan(state))
                    lacks_zh.append(zh[row] + ("(数据缺失)" if missing else ""))
                    lacks_en.append(en[row] + (" (no data)" if missing else ""))
            lacks.append("; ".join(f"{z} / {e}" for z, e in zip(lacks_zh, lacks_en)))
            if not srdi:
                routes.append(None)
                verify.append("")
                reasons.append(
                    f"已满足{next_tier}全部{len(criteria)}项条件 / meets all {len(criteria)} {next_tier} criteria"
                    if not lacks_zh
                    else f"距{next_tier}还差:{'、'.join(lacks_zh)} / for {next_tier} still lacks: {', '.join(lacks_en)}"
                )
                continue
            firm = firms.iloc[row]
            direct = bool(direct_rd[row] or direct_financing[row])
            routes.append("直通车 direct route" if direct else "评分待核实 score to verify")
            verify.append("; ".join(SRDI_TO_VERIFY[:1] if direct else SRDI_TO_VERIFY))
            points = _fmt(seen[row], 0)
            if direct:
                how_zh = (f"上年度研发费用{_fmt(firm.rd_spend, 0)}万元≥1000万元" if direct_rd[row]
                          else f"近2年股权融资{_fmt(firm._financing, 0)}万元≥6000万元")
                how_en = (f"last year's R&D {_fmt(firm.rd_spend, 0)}万元 >= 10 M yuan" if direct_rd[row]
                          else f"{_fmt(firm._financing, 0)} 万元 equity in 2 years >= 60 M yuan")
                score_zh, score_en = f"直通车({how_zh}),免评分", f"direct route ({how_en}), no score needed"
            else:
                score_zh = f"评价得分待核实(可见40分中得{points}分,其余60分无数据)"
                score_en = f"score to verify ({points} of the 40 points the data show; 60 not in the data)"
            if not lacks_zh:
                reasons.append(
                    f"已满足{next_tier}全部{len(criteria)}项可核查硬性条件;{score_zh};细分市场年限待核实 / meets all "
                    f"{len(criteria)} checkable {next_tier} hard conditions; {score_en}; years in its niche to verify"
                )
            else:
                reasons.append(f"距{next_tier}还差:{'、'.join(lacks_zh)};{score_zh} / for {next_tier} still lacks: "
                               f"{', '.join(lacks_en)}; {score_en}")
        chosen = firms.iloc[rows]
        parts.append(
            pd.DataFrame(
                {
                    "enterprise_id": chosen["enterprise_id"].to_numpy(),
                    "name": chosen["name"].to_numpy(),
                    "town": chosen["town"].to_numpy(),
                    "industry": chosen["industry"].to_numpy(),
                    "tier": chosen["tier"].to_numpy(),
                    "next_tier": next_tier,
                    "criteria_met": met.astype(int),
                    "criteria_total": len(criteria),
                    "ready": met == len(criteria),
                    "route": pd.Series(routes, dtype=object),
                    "points_seen": seen[rows] if srdi else np.full(len(rows), np.nan),
                    "lacks": pd.Series(lacks, dtype=object),
                    "to_verify": pd.Series(verify, dtype=object),
                    "reason": pd.Series(reasons, dtype=object),
                    "_revenue": chosen["revenue"].to_numpy(),
                    "_direct": [r == "直通车 direct route" for r in routes],
                }
            )
        )
    columns = ["priority", "enterprise_id", "name", "town", "industry", "tier", "next_tier", "criteria_met",
               "criteria_total", "ready", "route", "points_seen", "lacks", "to_verify", "reason"]
    frame = pd.concat([p for p in parts if len(p)] or [pd.DataFrame(columns=[*columns[1:], "_revenue", "_direct"])],
                      ignore_index=True)
    frame["_missing"] = frame["criteria_total"] - frame["criteria_met"]
    frame["_direct"] = frame["_direct"].astype(bool)
    frame["points_seen"] = frame["points_seen"].astype(float)
    frame = frame.sort_values(["_missing", "_direct", "points_seen", "_revenue", "enterprise_id"],
                              ascending=[True, False, False, False, True], na_position="last")
    frame["priority"] = np.arange(1, len(frame) + 1)
    return frame[columns].reset_index(drop=True)


#: The per-firm gap lists :func:`ranked_gaps` gathers: key, title (Chinese / English), the function.
GAP_LISTS: tuple[tuple[str, str], ...] = (
    ("readiness", "晋级准备 promotion readiness (actions 3, 4)"),
    ("isolated", "孤立创新企业 isolated innovators (actions 7, 10)"),
    ("finance", "金融缺口 finance gaps (action 12)"),
)


def ranked_gaps(source: GraphStore | Snapshot, period: object = None, town: str | None = None,
                top: int | None = None, ready_only: bool = True) -> pd.DataFrame:
    """The per-firm gap lists as the 月报 shows them: each ranked by its priority within each town, top N per town.

    Parameters
    ----------
    period : Period or str, optional
        Read the store as it stood at the end of this month / quarter / year (``"2025-Q3"``).
    town : str, optional
        Only this town's rows.
    top : int, optional
        Rows per town of each list (default: all).
    ready_only : bool
        The readiness list holds only the firms that meet every criterion (the ones to mobilise now).

    Returns
    -------
    pandas.DataFrame
        ``list`` (:data:`GAP_LISTS` title), ``town``, ``priority`` (1 = first within the town and list),
        ``city_priority`` (the list's own, city-wide), ``enterprise_id``, ``name``, ``tier``, ``reason``;
        by list, town, priority.
    """
    snap = load_snapshot(source, period=period)
    readiness = promotion_readiness(snap)
    tables = {
        "readiness": readiness[readiness["ready"]] if ready_only else readiness,
        "isolated": isolated_innovators(snap),
        "finance": finance_gaps(snap),
    }
    columns = ["list", "town", "priority", "city_priority", "enterprise_id", "name", "tier", "reason"]
    parts = []
    for order, (key, title) in enumerate(GAP_LISTS):
        frame = tables[key]
        if town is not None:
            frame = frame[frame["town"] == town]
        frame = frame.sort_values("priority", kind="stable").rename(columns={"priority": "city_priority"})
        frame = frame.assign(list=title, _order=order,
                             priority=frame.groupby("town").cumcount().to_numpy() + 1)
        if top is not None:
            frame = frame[frame["priority"] <= top]
        parts.append(frame)
    if not any(len(p) for p in parts):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    out = out.sort_values(["_order", "town", "priority"], kind="stable")
    return out[columns].reset_index(drop=True)
