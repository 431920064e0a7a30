"""目标任务分解: each town's targets against its indicators — 完成率, 序时进度, the gap and the rankings.

Targets are ``Target`` nodes (``graph.schema``), one per place (a town, or 全市), period (a
year ``2025`` or a quarter ``2025-Q3``) and indicator, loaded with ``innonet ingest`` from the
bureau's own 目标任务分解 workbook (long: 镇街 / 年度 / 季度 / 指标 / 目标值; or wide: one column
per indicator; either with 全年 / 一季度 … under a merged group header, a 合计 row read as 全市, quarter
targets given per quarter summed to cumulative: see :mod:`ingest.pipeline`).  The indicator is kept as written; :func:`match_indicator` maps it onto one of
:data:`analysis.indicators.INDICATORS` (its name, a short name the bureau uses, or the action number).

How a target is read at the end of a reporting period ``P`` (all by :class:`analysis.periods.Period`):

* a target runs from January of its year to the end of its year, or of its quarter (a quarter's
  target is cumulative, 累计到季末, the way 序时 targets are set); the one read is the year's
  target and the first quarter target ending at or after ``P``;
* ``actual``: the indicator's year to date at ``P``'s end (:func:`analysis.indicators.indicators` ``ytd``):
  the total since January for a flow indicator (new certificates), the rate over the year's records
  for a rate (对接签约率), the value at ``P``'s end for a stock;
* ``completion`` (完成率) = actual / target; ``elapsed`` (序时进度) = share of the target's months
  gone by ``P``'s end; ``behind`` (落后序时) when completion < elapsed; ``gap`` = target − actual
  (what is left), ``schedule_gap`` = target × elapsed − actual (how far behind the pace; ≤ 0 on pace);
* 序时进度 is for flow indicators only (new certificates, meetings held: built up over the year, so by
  September three quarters are due).  A rate (对接签约率 45 %) or a stock (发明专利 held) is not built up: a
  签约率 of 33 % in September is not "on pace" for 45 %.  For these ``elapsed`` is NaN (not applicable),
  ``behind`` is completion < 1 and ``schedule_gap`` = target − actual;
* a target of 0 (张渚镇 专精特新 0: the town is not asked for any) has status ``"target 0"``: its actual is
  shown, no completion (there is no rate of 0), no rank, and it is not one of the town's targets in the overall
  ranking — counting it as 100 % would lift a town for what it was not asked to do;
* an unmatched target (status ``"unmatched"``, :func:`match_indicator`) has no actual, no rank, and is not
  in the overall ranking;
* one target per place, indicator and target period: the same indicator written two ways (科技型中小企业入库数
  in one workbook, 科技型中小企业入库(家) in another) is read once — with the same value, either (``note``
  names both); with different values the Target nodes cannot tell which was loaded last (they carry the
  file name, ``data_source``, and no date), so the higher target is kept (the stricter reading) and the row's
  ``status`` is ``"conflict"``, its ``note`` giving both values and files;
* towns are ranked per indicator and target period by completion (1 = best; ties share the better rank; no rank when all towns
  have the same rate) — a quarter target (2025-Q4) is ranked only among the towns that were given that
  quarter's target, a year target among every town with one — and overall by their mean completion of
  the year's targets only (quarter targets never enter it), each capped at 120 % so that one small target far
  exceeded does not hide the others.

Examples
--------
>>> match_indicator("新认定高新技术企业(家)"), match_indicator("行动4"), match_indicator("科小入库")
('新认定高企 / new high-tech certificates', '新增专精特新 / new 专精特新 firms', '科技型中小企业入库 / tech SMEs registered')
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from analysis.ecosystem import ALL, Snapshot, known_towns, load_snapshot, town_text
from analysis.indicators import INDICATORS, indicators
from analysis.periods import Period
from graph.store import GraphStore

__all__ = ["CITY", "RANK_CAP", "STATUS_LABELS", "match_indicator", "one_per_indicator", "target_progress", "target_table",
           "town_ranking"]

#: How the city-wide place is written in the targets table.
CITY = "全市"
#: A target row's ``status`` as reports and pages show it (Chinese and English).
STATUS_LABELS = {"ok": "ok", "no data": "无数据 no data", "unmatched": "未匹配指标 unmatched",
                 "conflict": "目标值冲突 conflict", "unknown town": "镇街不存在 unknown town",
                 "target 0": "目标为0 target 0"}
#: Completion rates above this count as this in the overall ranking.
RANK_CAP = 1.2

#: (pattern over the indicator as written, indicator name); the first match wins.
_ALIASES: tuple[tuple[str, str], ...] = (
    (r"小巨人", "国家级小巨人累计 / national little giants"),
    (r"专精特新", "新增专精特新 / new 专精特新 firms"),
    (r"(有效期|存量|有效).*(高企|高新技术企业)|(高企|高新技术企业).*(有效|存量|总数)", "有效期内高企 / valid high-tech firms"),
    (r"高企|高新技术企业", "新认定高企 / new high-tech certificates"),
    (r"科技型中小企业|科小", "科技型中小企业入库 / tech SMEs registered"),
    (r"省级.*(平台|研发机构)", "省级以上研发平台累计 / provincial+ platforms"),
    (r"平台|研发机构", "新认定研发平台 / new R&D platforms"),
    (r"陶都之光", "陶都之光攻关项目 / 陶都之光 projects"),
    (r"(国家|省).*项目", "承担国家、省级项目 / national & provincial projects"),
    (r"研发强度|研发投入占比", "企业研发强度 / R&D intensity (current)"),
    (r"签约率", "对接签约率 / meetings signed"),
    (r"对接|洽谈", "对接洽谈 / matchmaking meetings"),
    (r"产学研", "新增产学研合作 / new university collaborations"),
    (r"发明专利", "发明专利 / invention patents (current)"),
    (r"专利", "有效专利 / valid patents (current)"),
    (r"挂钩|结对", "新增结对挂钩 / new liaisons"),
    (r"科技副总", "选派科技副总 / 科技副总 seconded"),
    (r"科技镇长团", "科技镇长团成员 / 科技镇长团 members"),
    (r"人才", "人才计划入选 / talent-programme selections"),
    (r"培训", "专题培训 / training events"),
    (r"服务", "获服务企业 / firms served by agencies"),
    (r"(投资|融资).*(金额|额)|金额", "基金投资金额 / investment amount"),
    (r"获投|投资|融资", "获投企业 / funded firms"),
    (r"招商", "招商活动 / investment-promotion events"),
    (r"新成立|新注册|新设", "新成立企业 / enterprises founded"),
)
_NAMES = {i.name: i for i in INDICATORS}
#: A target naming a flow (what is new in the period) matches only a flow indicator, never a stock (累计) or a rate.
_FLOW_WORDS = r"新增|新认定|新入库|新成立|新注册|新设|新建|新引进|新获|新签|^新"
#: A target naming a rate (率, 覆盖率, 占比 …) matches only a rate indicator, never a count.
_RATE_WORDS = r"率|占比|比重|比例|强度"
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _chinese_number(text: str) -> int | None:
    """一 … 九十九 as an int (二 → 2, 十二 → 12, 二十 → 20); None for anything else."""
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text) or text.count("十") > 1:
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _fits(raw: str, name: str) -> bool:
    """Whether a target written ``raw`` may be read against indicator ``name`` (:data:`_FLOW_WORDS`,
    :data:`_RATE_WORDS`): 新增省级以上研发平台 is not the stock 省级以上研发平台累计, 覆盖率 is not a count."""
    kind = _NAMES[name].kind
    if re.search(_RATE_WORDS, raw):
        return kind == "rate"
    if re.search(_FLOW_WORDS, raw):
        return kind == "flow"
    return True


def match_indicator(text: object, action: object = None) -> str | None:
    """The indicator a target names: its full name, its Chinese or English half, a word the bureau uses,
    or an action number (``3``, ``行动3``, ``行动三``, ``行动十二``: the action's first indicator).

    The first word that matches (:data:`_ALIASES`, in order) decides; the match is dropped (None) when the
    kinds disagree: a target naming a flow (新增…, 新认定…) never reads a stock (…累计) or a rate, and a target
    naming a rate (…率, 覆盖率, 占比) reads only a rate — a wrong indicator would give a completion rate that
    looks right and is not.  So 新增省级以上研发平台 and 新增国家级专精特新小巨人 are unmatched (the store counts
    new platforms of every level, and no new little giants, only the stock), 规上工业企业研发机构覆盖率 too (no
    coverage rate is computed).  None when nothing matches."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    for indicator in INDICATORS:
        halves = [h.strip() for h in indicator.name.split(" / ")]
        if raw == indicator.name or raw in halves:
            return indicator.name
    for pattern, name in _ALIASES:
        if re.search(pattern, raw):
            return name if _fits(raw, name) else None
    number = re.fullmatch(r"(?:行动|action)?\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})", raw, flags=re.IGNORECASE)
    if number:
        written = number.group(1)
        chosen: object = int(written) if written.isdigit() else _chinese_number(written)
    else:
        chosen = action
    try:
        chosen = int(chosen)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    found = next((i.name for i in INDICATORS if i.action == chosen), None)
    return found if found is None or number or _fits(raw, found) else None


def target_table(source: GraphStore | Snapshot) -> pd.DataFrame:
    """The targets in the store.

    Returns
    -------
    pandas.DataFrame
        ``town`` (a town, or 全市; in Simplified characters, :func:`graph.text.simplified`: 和橋鎮 is 和桥镇),
        ``period`` (text), ``as_written`` (the indicator as the file
        names it), ``indicator`` (matched; None when unmatched), ``action``, ``target``, ``unit``,
        ``data_source`` (the file it came from; None when not recorded).  Every Target node is listed,
        also the same indicator written twice (:func:`target_progress` reads one of them).
    """
    snap = load_snapshot(source)
    frame = snap.kind("Target")
    columns = ["town", "period", "as_written", "indicator", "action", "target", "unit", "data_source"]
    if not len(frame):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    action = frame["action"] if "action" in frame.columns else pd.Series([None] * len(frame), index=frame.index)
    unit = frame["unit"] if "unit" in frame.columns else pd.Series([None] * len(frame), index=frame.index)
    source_file = frame["data_source"] if "data_source" in frame.columns else pd.Series([None] * len(frame),
                                                                                        index=frame.index)
    matched = [match_indicator(t, a) for t, a in zip(frame["indicator"], action, strict=True)]
    out = pd.DataFrame({
        "town": [town_text(t) for t in frame["town"]],
        "period": frame["period"].astype(str).to_numpy(),
        "as_written": frame["indicator"].astype(object).to_numpy(),
        "indicator": pd.Series(matched, dtype=object).to_numpy(),
        "action": [_NAMES[m].action if m else None for m in matched],
        "target": pd.to_numeric(frame["value"], errors="coerce").astype(float).to_numpy(),
        "unit": unit.astype(object).to_numpy(),
        "data_source": source_file.astype(object).where(source_file.notna(), None).to_numpy(),
    })
    return out.sort_values(["period", "indicator", "town", "as_written"], na_position="last").reset_index(drop=True)


def _number(value: float) -> str:
    return f"{value:g}" if value == value else "—"


def one_per_indicator(targets: pd.DataFrame) -> pd.DataFrame:
    """One target per (place, matched indicator, target period) from :func:`target_table`.

    Rows naming the same indicator in different words are read once: with one value, the first as written
    (in sort order) is kept; with different values the higher target is kept (the Target nodes carry no
    ingest date to tell which is newer) and ``conflict`` is True.  Unmatched rows are kept as they are.

    Returns
    -------
    pandas.DataFrame
        ``targets``' columns, ``unit`` filled from a twin when the kept row has none, plus ``conflict``
        (bool) and ``note`` (None, or both forms with their values and files, in Chinese and English).

    >>> t = pd.DataFrame({"town": ["丁蜀镇"] * 2, "period": ["2025"] * 2, "as_written": ["科小入库数", "科小入库(家)"],
    ...                   "indicator": ["科技型中小企业入库 / tech SMEs registered"] * 2, "action": [2, 2],
    ...                   "target": [150.0, 149.0], "unit": [None, "家"], "data_source": ["a.xlsx", "b.xlsx"]})
    >>> row = one_per_indicator(t).iloc[0]
    >>> float(row.target), row.unit, bool(row.conflict)
    (150.0, '家', True)
    """
    frame = targets.assign(conflict=False, note=pd.Series([None] * len(targets), index=targets.index, dtype=object))
    if not len(frame):
        return frame
    matched = frame["indicator"].notna()
    twins = frame[matched].groupby(["town", "indicator", "period"], sort=False)["as_written"].transform("size")
    single = frame[matched].loc[twins == 1]
    rows = [frame[~matched], single]
    for _, group in frame[matched].loc[twins > 1].groupby(["town", "indicator", "period"], sort=False):
        group = group.sort_values(["target", "as_written"], ascending=[False, True], na_position="last")
        kept = group.iloc[[0]].copy()
        forms = "; ".join(f"{w} = {_number(v)}" + (f" ({f})" if isinstance(f, str) and f else "")
                          for w, v, f in zip(group["as_written"], group["target"], group["data_source"], strict=True))
        if group["target"].nunique(dropna=False) > 1:
            kept["conflict"] = True
            kept["note"] = (f"目标值不一致, 取较高者 conflicting targets, the higher kept: {forms}")
        else:
            kept["note"] = f"同一指标两种写法, 取其一 one indicator written two ways, read once: {forms}"
        if kept["unit"].isna().iloc[0] and group["unit"].notna().any():
            kept["unit"] = group["unit"].dropna().iloc[0]
        rows.append(kept)
    out = pd.concat(rows).sort_index()
    return out.astype({"conflict": bool})


def _chosen(targets: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per (town, indicator): the year's target and the current quarter's (first ending at or after ``period``)."""
    spans = [Period.parse(p) for p in targets["period"]]
    targets = targets.assign(span=spans, span_year=[s.year_number for s in spans],
                             span_last=[s.last for s in spans], granularity=[s.granularity for s in spans])
    targets = targets[(targets["span_year"] == period.year_number) & (targets["span_last"] >= period.last)]
    key = targets["indicator"].where(targets["indicator"].notna(), targets["as_written"])
    targets = targets.assign(_key=key).sort_values("span_last", kind="stable").drop_duplicates(
        ["town", "_key", "granularity"]).drop(columns="_key")
    return targets


def target_progress(source: GraphStore | Snapshot, period: Period | str | None = None,
                    town: str | None = None) -> pd.DataFrame:
    """Every target read at the end of ``period`` (default: the snapshot's period).

    Returns
    -------
    pandas.DataFrame
        ``town``, ``indicator``, ``as_written``, ``action``, ``target_period``, ``unit``, ``target``,
        ``actual`` (NaN when unmatched), ``completion`` (完成率, 0-1; NaN when unmatched, without data or
        for a target of 0), ``elapsed`` (序时进度, 0-1, flow indicators only; NaN for a rate or a stock: see the
        module's notes), ``gap`` (target − actual), ``schedule_gap`` (target × elapsed − actual for a flow;
        target − actual for a rate or a stock), ``behind`` (completion < elapsed for a flow, < 1 for a rate or a
        stock), ``rank`` (among
        towns for this indicator and target period, whatever ``town`` is; NaN for 全市 and when every town has the
        same rate; a quarter row is ranked among the towns with that quarter's target only), ``status``
        ("ok", "no data": the indicator's input is missing, "target 0": the town was set a target of 0 — shown
        with its actual, not rated, not ranked, not in :func:`town_ranking`, "unmatched": no indicator matches
        the target's
        name, "conflict": the same indicator was given two different targets, the higher read, "unknown
        town": no enterprise of the store is in the target's town — a typo, not ranked), ``note``
        (None, or the forms and values of an indicator written twice: :func:`one_per_indicator`);
        per indicator, 全市 first, then towns by rank.
    """
    snap = load_snapshot(source, period=period)
    period = snap.period
    targets = target_table(snap)
    columns = ["town", "indicator", "as_written", "action", "target_period", "unit", "target", "actual",
               "completion", "elapsed", "gap", "schedule_gap", "behind", "rank", "status", "note"]
    if not len(targets):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    chosen = _chosen(one_per_indicator(targets), period)
    values = indicators(snap, period=period)
    values = values.assign(town=values["town"].where(values["town"] != ALL, CITY))
    reading = values.set_index(["indicator", "town"])
    places = known_towns(snap)
    rows = []
    for record in chosen.itertuples(index=False):
        span: Period = record.span
        matched = isinstance(record.indicator, str)  # NaN (not None) when unmatched, from the frame
        flow = matched and _NAMES[record.indicator].kind == "flow"
        # 序时进度 is a flow's: half the year gone, half the year's new certificates due.  A rate (签约率 45 %)
        # or a stock (发明专利 held) is not built up over the year, so it is read against the whole target.
        elapsed = period.elapsed_share(Period(span.year_number * 12, span.last, "span")) if flow else np.nan
        actual, status = np.nan, "unmatched"
        if record.town != CITY and record.town not in places:  # a typo (高城镇) is no town to rank last
            status = "unknown town"
        elif matched:
            key = (record.indicator, record.town)
            if key in reading.index:
                row = reading.loc[key]
                actual = float(row["ytd"])
                status = "ok" if not np.isnan(actual) else "no data"
            else:  # a town the store has no enterprise in
                actual, status = 0.0, "ok"
        if record.conflict and status == "ok":
            status = "conflict"
        if status in ("ok", "conflict") and record.target == 0:  # not set a target: not rated, not ranked
            status = "target 0"
        completion = actual / record.target if record.target and not np.isnan(actual) else np.nan
        pace = elapsed if flow else 1.0
        rows.append({
            "town": record.town, "indicator": record.indicator if matched else None,
            "as_written": record.as_written,
            "action": record.action if matched else None, "target_period": record.period, "unit": record.unit,
            "target": record.target,
            "actual": actual, "completion": completion, "elapsed": elapsed, "gap": record.target - actual,
            "schedule_gap": record.target * pace - actual,
            "behind": bool(completion < pace) if not np.isnan(completion) else False, "status": status,
            "note": record.note,
        })
    if not rows:  # targets, but none for this period's year
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    frame = pd.DataFrame(rows)
    towns = frame["town"] != CITY
    frame["rank"] = np.nan
    frame.loc[towns, "rank"] = (frame[towns].groupby(["indicator", "target_period"])["completion"]
                                .transform(_ranked))
    if town is not None:  # ranked among all towns first: the town's rank is its place in the city
        frame = frame[frame["town"].isin([town, CITY])]
    frame["_city"] = frame["town"] != CITY
    frame = frame.sort_values(["action", "indicator", "target_period", "_city", "rank", "town"],
                              na_position="last", kind="stable")
    return frame[columns].reset_index(drop=True)


def _ranked(completion: pd.Series) -> pd.Series:
    """1 = best, ties share the better rank (competition ranking "1224"); no rank at all (NaN) when every town
    has the same rate — e.g. all at 0 % before the year's certificates are published — since a rank 1 shared by
    everyone would read as "first"."""
    if completion.dropna().nunique() <= 1 and completion.notna().sum() > 1:
        return pd.Series(np.nan, index=completion.index)
    return completion.rank(ascending=False, method="min")


def town_ranking(progress: pd.DataFrame) -> pd.DataFrame:
    """Towns ranked overall from :func:`target_progress` (the year's targets of matched indicators, measured:
    status "ok" or "conflict"; quarter targets never count here).

    Returns
    -------
    pandas.DataFrame
        ``town``, ``indicators`` (targets read), ``mean_completion`` (each capped at :data:`RANK_CAP`),
        ``behind`` (targets behind schedule), ``rank`` (1 = best); best first.
    """
    columns = ["town", "indicators", "mean_completion", "behind", "rank"]
    if not len(progress):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    yearly = progress[(progress["town"] != CITY) & progress["status"].isin(["ok", "conflict"])
                      & ~progress["target_period"].astype(str).str.contains("Q")]
    table = yearly.assign(capped=yearly["completion"].clip(upper=RANK_CAP)).groupby("town").agg(
        indicators=("indicator", "size"), mean_completion=("capped", "mean"), behind=("behind", "sum"))
    table = table.reset_index()
    table["behind"] = table["behind"].astype(int)
    table["rank"] = _ranked(table["mean_completion"])
    return table.sort_values(["rank", "town"]).reset_index(drop=True)[columns]
