"""The 月报 / 季评: every table in one workbook (``analysis.xlsx``), one self-contained ``report.html``
(print stylesheet, phone-width layout), the same report as ``report.docx``, and the charts as PNG files.

:func:`run_analysis` computes the tables for a period (month, quarter or year, :mod:`analysis.periods`)
with the library functions notebooks and the API call: indicators with 环比 / 同比 / 累计, the
targets' 完成率 and 序时进度 with town rankings (:mod:`analysis.targets`), what changed since the last
report (:mod:`analysis.snapshot`; the report is kept in the store for the next one) and the gap lists,
each ranked by its stated priority.  With a town, every summary figure, chart and per-firm sheet is the
town's; a table that only exists city-wide says so in its ``scope`` column and marks the town's row.

The HTML makes no network request: charts are inline SVG (matplotlib, glyphs drawn as paths in Noto
Sans CJK, drawn on ``Figure`` objects inside ``rc_context``: no global state), and every
data-derived string is escaped by jinja2's autoescape.  Spreadsheet cells go through one helper,
:func:`write_sheet`, which keeps numbers numeric with number formats and neutralises formulas.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import jinja2
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis import ecosystem
from analysis.indicators import NO_DATA
from analysis.periods import Period
from analysis.report import AnalysisResult
from analysis.targets import CITY, STATUS_LABELS
from api.render import writer as writer_module
from api.render.writer import Sheet
from graph.schema import TIERS
from graph.store import GraphStore

__all__ = ["GAP_LISTS", "SHEETS", "chart_figures", "workbook_sheets", "write_charts", "write_docx", "write_report",
           "write_report_files", "write_workbook"]

#: Table key → sheet name (Chinese with English; Excel allows 31 characters).
SHEETS: dict[str, str] = {
    "indicators": "指标 indicators",
    "targets": "目标完成 targets",
    "ranking": "镇街排名 town ranking",
    "changes": "变化 since last report",
    "pyramid": "梯次 tier pyramid",
    "funnel": "漏斗 funnel",
    "lapsed": "高企到期 lapsed",
    "communities": "社群 communities",
    "measures": "中心性 centrality",
    "brokers": "桥接 brokers",
    "health": "健康度 health",
    "gap_isolated": "缺口-孤立 gap isolated",
    "gap_mismatch": "缺口-供需 gap mismatch",
    "gap_constraint": "缺口-约束 gap constraint",
    "gap_bridges": "缺口-桥接 gap bridges",
    "gap_towns": "缺口-镇街 gap towns",
    "gap_service": "缺口-服务 gap service",
    "gap_finance": "缺口-金融 gap finance",
    "gap_readiness": "缺口-晋级 gap readiness",
}

#: Column name → Chinese header (shown as "中文 column").
_HEADERS = {
    "action": "行动", "action_name": "行动名称", "indicator": "指标", "year": "年份", "town": "镇街", "value": "数值",
    "change": "同比变化", "unit": "单位", "status": "状态", "input": "数据来源", "dimension": "维度", "group": "分组",
    "tier": "梯次", "rank": "排名", "enterprises": "企业数", "from_tier": "起始梯次", "to_tier": "目标梯次",
    "base": "基数", "promoted": "晋级数", "conversion_rate": "转化率", "median_years": "中位年数",
    "enterprise_id": "企业编号", "name": "名称", "industry": "行业", "valid_until": "有效期至", "certificate": "证书",
    "current_tier": "当前梯次", "reason": "原因", "community": "社群", "size": "规模", "universities": "高校院所数",
    "others": "其他", "dominant_industry": "主导行业", "dominant_industry_share": "主导行业占比",
    "leading_university": "核心高校", "label": "标签", "internal_edges": "内部连接", "bridge_edges": "对外连接",
    "bridges_per_member": "人均对外连接", "id": "编号", "kind": "类型", "degree": "度", "pagerank": "PageRank",
    "betweenness": "中介中心性", "coreness": "核数", "constraint": "约束度", "effective_size": "有效规模",
    "communities_reached": "连接社群数", "broker": "桥接者", "measure": "指标", "count": "数量", "share": "占比",
    "rd_intensity": "研发强度%", "patents": "专利", "invention_patents": "发明专利", "capacity_score": "创新能力分",
    "strength": "高校优势", "demand_firms": "需求企业", "supply_universities": "供给高校", "expected_links": "应有连接",
    "actual_links": "实有连接", "gap": "缺口", "coverage": "覆盖率", "with_academic_tie": "有产学研联系",
    "service_type": "服务类型", "served": "获服务", "next_tier": "下一梯次", "criteria_met": "已满足",
    "criteria_total": "条件数", "ready": "硬性条件均满足", "route": "路径", "points_seen": "可见得分(40)",
    "to_verify": "待核实", "lacks": "尚缺", "period": "报告期", "previous": "上期",
    "same_period_last_year": "去年同期", "yoy_change": "同比变化", "ytd": "本年累计", "priority": "优先序",
    "scope": "范围", "highlight": "本镇", "as_written": "目标表中的指标", "target_period": "目标期",
    "target": "目标值", "actual": "完成值", "completion": "完成率", "elapsed": "序时进度", "schedule_gap": "落后序时",
    "behind": "落后", "indicators": "指标数", "mean_completion": "平均完成率", "change_type": "变化",
    "before": "上期", "after": "本期", "delta": "增减", "town_members": "本镇成员", "growth": "增长",
    "note": "说明",
}
_HEADERS["change"] = "环比变化"

#: Gap lists in the report: table key, title, the column naming the row.  Each is ranked by its priority.
GAP_LISTS: tuple[tuple[str, str, str], ...] = (
    ("gap_readiness", "晋级准备 Promotion readiness (高企 / 专精特新)", "name"),
    ("gap_isolated", "孤立创新企业 Isolated innovators", "name"),
    ("gap_finance", "金融缺口 Finance gaps", "name"),
    ("lapsed", "高企到期未续 Lapsed high-tech certificates", "name"),
)
#: The 说明 of the readiness list: what the data can and cannot check (see :func:`analysis.gaps.promotion_readiness`).
_READINESS_NOTE = (
    "专精特新按工信部企业〔2022〕63号附件2: 可核查的硬性条件(中小企业、成立满2年、上年度研发费用≥100万元且≥3%、"
    "营业收入≥1000万元或近2年股权融资≥2000万元)全部满足才列入; 从事特定细分市场年限与评价得分(≥60分)无法从数据核查,"
    "列为待核实, 直通车(研发费用≥1000万元或股权融资≥6000万元)免评分; 按直通车、可见得分(40分中)、营业收入排序。"
    " / 专精特新 by MIIT 2022 No. 63 annex 2: listed only when every checkable hard condition holds; the years in a niche "
    "market and the evaluation score (>= 60) cannot be checked from the data and are listed as to verify; a direct "
    "route (R&D >= 10 M yuan or >= 60 M yuan equity) needs no score; ranked by direct route, points seen (of 40), revenue."
)
#: How the targets are ranked (:mod:`analysis.targets`), under the targets table.
_RANK_NOTE = ("排名: 年度目标在有该目标的全部镇街中排名, 季度目标只在下达了该季度目标的镇街中排名; 综合排名只计年度目标。"
              " / rank: a year target among every town given it, a quarter target only among the towns given that "
              "quarter's target; the overall ranking counts year targets only.")
_PERCENT = {"completion", "elapsed", "share", "coverage", "conversion_rate", "dominant_industry_share",
            "mean_completion"}
def _formats(frame: pd.DataFrame) -> dict[str, str]:
    """Column → a kind of :data:`api.render.writer.FORMATS`: shares as percentages, counts and amounts with
    thousands separators, years without decimals."""
    formats: dict[str, str] = {}
    for column in frame.columns:
        values = frame[column]
        if column in _PERCENT:
            formats[column] = "share"
        elif column in ("year", "valid_until") or column.endswith("_year"):
            formats[column] = "year"
        elif pd.api.types.is_bool_dtype(values):
            continue
        elif pd.api.types.is_integer_dtype(values):
            formats[column] = "count"
        elif pd.api.types.is_float_dtype(values):
            whole = values.dropna()
            formats[column] = "count" if len(whole) and (whole == np.floor(whole)).all() else "amount"
    return formats


def _highlighted(row: dict[str, Any]) -> bool:
    value = row.get("highlight")
    return bool(value) and not (isinstance(value, float) and np.isnan(value))


def workbook_sheets(result: AnalysisResult) -> list[Sheet]:
    """One :class:`api.render.writer.Sheet` per table (the full gap lists, by priority): Chinese-first headers,
    number formats, the town's own row shaded in a city-wide table."""
    return [Sheet(SHEETS.get(key, key), frame, labels=_HEADERS, formats=_formats(frame),
                  highlight=_highlighted if "highlight" in frame.columns else None)
            for key, frame in result.tables.items()]


def write_workbook(result: AnalysisResult, path: str | Path) -> Path:
    """Write ``analysis.xlsx`` through the one spreadsheet writer (formula-safe, numbers kept numeric)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer_module.write_workbook(path, workbook_sheets(result))
    return path


# ---------------------------------------------------------------------------------------------------------
# charts: Figure objects (no pyplot state), inside rc_context
# ---------------------------------------------------------------------------------------------------------
_RC = {"font.sans-serif": ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"], "font.family": "sans-serif",
       "svg.fonttype": "path", "axes.unicode_minus": False, "figure.facecolor": "white", "axes.facecolor": "white"}
_GREEN, _RED, _GREY, _BLUE = "#2e7d4f", "#c0392b", "#555555", "#1f5fa8"


def chart_figures(result: AnalysisResult) -> dict[str, Figure]:
    """The report's charts as matplotlib figures: ``pyramid`` (the town's when a town is reported),
    ``funnel``, ``targets`` (完成率 per town against 序时进度), ``changes`` (counts since last report)."""
    figures: dict[str, Figure] = {}
    with mpl.rc_context(_RC):
        pyramid = result.tables["pyramid"]
        latest = pyramid["year"].max() if len(pyramid) else result.year
        dimension, group = ("town", result.town) if result.town else (ecosystem.ALL, ecosystem.ALL)
        rows = pyramid[(pyramid["dimension"] == dimension) & (pyramid["group"] == group) & (pyramid["year"] == latest)]
        counts = rows.set_index("tier").reindex(list(TIERS))["enterprises"].fillna(0)
        figure = Figure(figsize=(6, 3))
        axis = figure.subplots()
        bars = axis.barh(list(reversed(TIERS)), list(reversed(counts.tolist())), color=_GREEN)
        axis.bar_label(bars, fontsize=8)
        place = result.town or "全市"
        axis.set_title(f"梯次金字塔 tier pyramid · {place} · {(result.period or Period.year(result.year)).label_zh}")
        axis.set_xlabel("企业数 enterprises")
        figures["pyramid"] = figure

        funnel = result.tables["funnel"]
        figure = Figure(figsize=(6, 3))
        axis = figure.subplots()
        # a report period ending before December: its year's rate counts promotions to date only (高企 certificates
        # come in the fourth quarter), so that point is drawn hollow and its year labelled 至M月 / to date
        end = result.period.end if result.period is not None else None
        partial = end.year if end is not None and end.month != 12 else None
        for from_tier, rows in funnel.groupby("from_tier", sort=False):
            if rows["base"].sum() == 0:
                continue
            line = axis.plot(rows["year"], rows["conversion_rate"] * 100, marker="o", label=f"{from_tier}→")[0]
            last = rows[rows["year"] == partial]
            if len(last):
                axis.plot(last["year"], last["conversion_rate"] * 100, marker="o", markerfacecolor="white",
                          color=line.get_color(), linestyle="none")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # years, not 2021.5
        if partial is not None and (funnel["year"] == partial).any():
            ticks = sorted(int(y) for y in funnel["year"].unique())
            axis.set_xticks(ticks, [f"{y}\n至{end.month}月 to date" if y == partial else str(y) for y in ticks])
        axis.set_title(f"晋级转化率 promotion rate (%) · {result.town or '全市 city-wide'}")
        axis.legend(fontsize=7)
        figures["funnel"] = figure

        targets = result.tables["targets"]
        yearly = targets[targets["status"].isin(["ok", "conflict"]) & ~targets["target_period"].astype(str).str.contains("Q")] \
            if len(targets) else targets
        if len(yearly):
            when = (result.period or Period.year(result.year)).label_zh
            flows = yearly["elapsed"].dropna()  # 序时进度 is a flow's (a rate or a stock has none)
            elapsed = float(flows.iloc[0]) * 100 if len(flows) else None
            place = result.town or CITY
            own = yearly[yearly["town"] == place]
            short = [str(n).split(" / ")[0] for n in own["indicator"]]
            # 16:9 for a slide; at most one bar per indicator or per town (never towns × indicators)
            figure = Figure(figsize=(12, 6.75))
            if result.town is None:
                left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
                ranking = result.tables.get("ranking")
                ranking = ranking if ranking is not None else pd.DataFrame(columns=["town", "mean_completion"])
                _completion_bars(right, ranking["town"].tolist(), ranking["mean_completion"].tolist(),
                                 [_GREY] * len(ranking), None)
                right.set_title("各镇街平均完成率 towns' mean completion (≤120% each)", fontsize=10)
            else:
                left = figure.subplots()
            _completion_bars(left, short, own["completion"].tolist(),
                             [_RED if b else _GREEN for b in own["behind"]], elapsed)
            left.set_title(f"{place} 目标完成 targets · 红 red = 落后 behind", fontsize=10)
            figure.suptitle(f"目标完成 targets · {when}")
            figures["targets"] = figure

        changes = result.tables.get("changes")
        if changes is not None and result.town and "highlight" in changes.columns:
            changes = changes[changes["highlight"].astype(bool)]  # the town's own: not 全市's nor other towns' ranks
        if changes is not None and len(changes):
            counts = changes["change_type"].value_counts(sort=False)
            figure = Figure(figsize=(6, 2.6))
            axis = figure.subplots()
            bars = axis.barh(list(reversed(counts.index.tolist())), list(reversed(counts.tolist())), color=_GREY)
            axis.bar_label(bars, fontsize=8)
            scope = f"{result.town} 本镇 the town's own" if result.town else "全市 city-wide"
            axis.set_title(f"较上期变化 since {result.compared_with.label_zh if result.compared_with else ''}"
                           f" · {scope}")
            figures["changes"] = figure
    return figures


def _completion_bars(axis: Any, labels: list[str], completion: list[float], colours: list[str],
                     elapsed: float | None) -> None:
    """Horizontal bars of completion rates (0-1, drawn in %, cut at 200 %), first on top, each labelled; 0 % is
    drawn as a marker on the axis (a bar of width 0 would look missing) and a missing rate is written 无数据."""
    values = [float(v) if v is not None and v == v else None for v in completion]
    positions = np.arange(len(labels))[::-1]
    widths = [min(v, 2.0) * 100 if v is not None else 0.0 for v in values]
    axis.barh(positions, widths, color=colours)
    for y, value, width in zip(positions, values, widths, strict=True):
        if value is None:
            axis.annotate("无数据 no data", (0, y), xytext=(3, 0), textcoords="offset points", va="center",
                          fontsize=8, color=_GREY)
            continue
        if value == 0:
            axis.plot([0], [y], marker="D", color=_RED, markersize=5, clip_on=False)
        axis.annotate(f"{value * 100:.0f}%", (width, y), xytext=(6, 0), textcoords="offset points", va="center",
                      fontsize=8)
    axis.set_yticks(positions, labels, fontsize=9)
    axis.set_xlim(0, max([100.0, *widths]) * 1.18)
    if elapsed is not None:
        axis.axvline(elapsed, color=_BLUE, linestyle="--", label=f"序时进度 elapsed {elapsed:.0f}%")
        axis.legend(fontsize=8, loc="lower right")
    axis.set_xlabel("完成率 completion (%)")


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with mpl.rc_context(_RC):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def write_charts(result: AnalysisResult, directory: str | Path, dpi: int = 200) -> list[Path]:
    """Every chart as a PNG on white (for slides): ``<directory>/<chart>.png``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, figure in chart_figures(result).items():
        path = directory / f"{name}.png"
        with mpl.rc_context(_RC):
            figure.savefig(path, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
        written.append(path)
    return written


# ---------------------------------------------------------------------------------------------------------
# the report's content, shared by HTML and DOCX
# ---------------------------------------------------------------------------------------------------------
def _fmt(value: Any, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _signed(value: Any) -> str:
    text = _fmt(value)
    return f"+{text}" if text and not text.startswith("-") and float(value) > 0 else text


def _content(result: AnalysisResult) -> dict[str, Any]:
    tables = result.tables
    ind = tables["indicators"]
    place = result.town or ecosystem.ALL
    ind = ind[ind["town"] == place] if result.town else ind[ind["town"] == ecosystem.ALL]
    indicator_rows = [
        {"action": r.action, "indicator": r.indicator, "unit": r.unit, "nodata": r.status == NO_DATA,
         "value": "无数据 no data" if r.status == NO_DATA else _fmt(r.value), "mom": _signed(r.change),
         "yoy": _signed(r.yoy_change), "ytd": _fmt(r.ytd), "input": r.input}
        for r in ind.itertuples(index=False)
    ]
    targets = tables["targets"]
    target_rows = [
        {"town": r.town, "indicator": str(r.indicator or r.as_written).split(" / ")[0], "period": r.target_period,
         "target": _fmt(r.target), "actual": _fmt(r.actual), "completion": _fmt(r.completion, True),
         "elapsed": _fmt(r.elapsed, True), "gap": _fmt(r.gap), "rank": _fmt(r.rank), "behind": bool(r.behind),
         "status": STATUS_LABELS.get(r.status, r.status), "mine": r.town == result.town}
        for r in targets.itertuples(index=False)
    ]
    target_notes = [f"{r.town} · {str(r.indicator or r.as_written).split(' / ')[0]} · {r.target_period}: {r.note}"
                    for r in targets.itertuples(index=False) if isinstance(getattr(r, "note", None), str)]
    behind = targets[targets["behind"] & (targets["town"] != CITY)] if len(targets) else targets
    ranking = tables["ranking"]
    ranking_rows = [{"rank": _fmt(r.rank), "town": r.town, "mean": _fmt(r.mean_completion, True),
                     "behind": int(r.behind), "mine": r.town == result.town} for r in ranking.itertuples(index=False)]
    changes = tables.get("changes")
    change_counts = [] if changes is None else list(changes["change_type"].value_counts(sort=False).items())
    change_rows = [] if changes is None else [
        {"change": r.change_type, "what": r.name or r.id, "town": r.town or "", "before": r.before or "",
         "after": r.after or "", "scope": getattr(r, "scope", ""), "mine": bool(getattr(r, "highlight", False))}
        for r in changes[~changes["change_type"].str.startswith(("新增对接", "指标变化"))].head(40).itertuples(
            index=False)]
    readiness = tables["gap_readiness"]
    ready = readiness[readiness["ready"]] if len(readiness) else readiness
    summary = [
        ("企业 enterprises", result.enterprises),
        ("社群 communities" + ("(全市 city-wide)" if result.town else ""), len(tables["communities"])),
        ("孤立创新企业 isolated innovators", len(tables["gap_isolated"])),
        ("可申报高企 ready for 高新技术企业", int((ready["next_tier"] == TIERS[1]).sum()) if len(ready) else 0),
        ("专精特新直通车(免评分) 专精特新 direct route",
         int(((ready["next_tier"] == TIERS[2]) & (ready["route"] == "直通车 direct route")).sum()) if len(ready) else 0),
        ("专精特新候选(评分待核实) 专精特新 candidates, score to verify",
         int(((ready["next_tier"] == TIERS[2]) & (ready["route"] != "直通车 direct route")).sum()) if len(ready) else 0),
        ("高企证书到期未续 lapsed high-tech certificates", len(tables["lapsed"])),
        ("落后序时进度的目标 targets behind schedule", len(behind)),
    ]
    sections = []
    for key, title, name_column in GAP_LISTS:
        frame = tables[key]
        if key == "gap_readiness":
            frame = frame[frame["ready"]]
        groups = []
        for town, rows in frame.groupby("town", sort=True) if len(frame) else []:
            head = rows.head(result.top)
            groups.append({"town": town, "count": len(rows),
                           "rows": [{"name": r[name_column], "reason": r["reason"]} for _, r in head.iterrows()]})
        sections.append({"title": title, "total": len(frame), "groups": groups,
                         "note": _READINESS_NOTE if key == "gap_readiness" else ""})
    return {"summary": summary, "indicator_rows": indicator_rows, "target_rows": target_rows,
            "ranking_rows": ranking_rows, "target_notes": target_notes, "change_counts": change_counts, "change_rows": change_rows,
            "gap_sections": sections, "behind": len(behind)}


_TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body{font-family:"Noto Sans CJK SC",sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:2px solid #2e7d4f;padding-bottom:.2em;margin-top:1.6em}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:13px;margin:.6em 0}
td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}th{background:#eef4ef;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.nodata{color:#a33}.behind{color:#c0392b;font-weight:bold}
tr.mine td{background:#fff2cc}.charts{display:flex;gap:1em;flex-wrap:wrap}.charts svg{max-width:100%;height:auto}
.note{color:#555;font-size:12px}.town{font-weight:bold}
@media (max-width:640px){body{margin:.5em;padding:0 .4em}h1{font-size:1.25em}table{font-size:12px}
 .charts{display:block}.wide{display:none}}
@media print{@page{size:A4;margin:14mm}body{max-width:none;margin:0;font-size:11px}a{color:inherit;text-decoration:none}
 h2{break-after:avoid}tr,.charts svg{break-inside:avoid}.scroll{overflow:visible}.noprint{display:none}
 th{background:#eee!important;-webkit-print-color-adjust:exact;print-color-adjust:exact}
 tr.mine td{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
</style></head>
<body>
<h1>{{ title }}</h1>
<p>报告期 period: <b>{{ period }}</b> ({{ period_text }}; 数据截至 data to {{ period_end }}){% if town %} · 镇街 town: <b>{{ town }}</b>{% endif %}
{% if compared %} · 对比 compared with: {{ compared }} ({{ compare_origin }}){% endif %}
{% if with_map %}<span class="noprint"> · <a href="map.html">竹海地图 ecosystem map</a></span>{% endif %}</p>
<h2>概况 Summary</h2>
<ul>{% for label, value in summary %}<li>{{ label }}: <b>{{ value }}</b></li>{% endfor %}</ul>
<div class="charts">{% for svg in charts %}{{ svg | safe }}{% endfor %}</div>
<h2>目标完成情况 Targets (完成率 against 序时进度)</h2>
{% if target_rows %}<p class="note">完成率 = 完成值 / 目标值; 序时进度 = share of the target's months gone; <span class="behind">红 red</span> = 落后序时进度 behind schedule ({{ behind }}).</p>
<div class="scroll"><table><tr><th>镇街 town</th><th>指标 indicator</th><th>目标期 period</th><th>目标 target</th><th>完成 actual</th><th>完成率</th><th>序时进度</th><th>差距 gap</th><th>排名 rank</th></tr>
{% for r in target_rows %}<tr{% if r.mine %} class="mine"{% endif %}><td>{{ r.town }}</td><td>{{ r.indicator }}</td><td>{{ r.period }}</td><td class="num">{{ r.target }}</td><td class="num">{{ r.actual }}</td>
<td class="num{% if r.behind %} behind{% endif %}">{{ r.completion }}{% if r.status != 'ok' %} ({{ r.status }}){% endif %}</td><td class="num">{{ r.elapsed }}</td><td class="num">{{ r.gap }}</td><td class="num">{{ r.rank }}</td></tr>
{% endfor %}</table></div>
<p class="note">{{ rank_note }}</p>
{% for n in target_notes %}<p class="note">说明 note: {{ n }}</p>{% endfor %}
<h3>镇街综合排名 Town ranking{% if town %} (全市 city-wide){% endif %}</h3>
<div class="scroll"><table><tr><th>排名 rank</th><th>镇街 town</th><th>平均完成率 mean completion</th><th>落后目标 behind</th></tr>
{% for r in ranking_rows %}<tr{% if r.mine %} class="mine"{% endif %}><td class="num">{{ r.rank }}</td><td>{{ r.town }}</td><td class="num">{{ r.mean }}</td><td class="num">{{ r.behind }}</td></tr>{% endfor %}</table></div>
{% else %}<p>未载入目标任务 no targets loaded (ingest the 目标任务分解 workbook).</p>{% endif %}
{% if compared %}<h2>较上期变化 Since {{ compared }}</h2>
<ul>{% for change, count in change_counts %}<li>{{ change }}: <b>{{ count }}</b></li>{% else %}<li>无变化 nothing changed</li>{% endfor %}</ul>
{% if change_rows %}<div class="scroll"><table><tr><th>变化 change</th><th>企业/事项 what</th><th>镇街 town</th><th>上期 before</th><th>本期 after</th>{% if town %}<th>范围 scope</th>{% endif %}</tr>
{% for r in change_rows %}<tr{% if r.mine %} class="mine"{% endif %}><td>{{ r.change }}</td><td>{{ r.what }}</td><td>{{ r.town }}</td><td>{{ r.before }}</td><td>{{ r.after }}</td>{% if town %}<td>{{ r.scope }}</td>{% endif %}</tr>{% endfor %}</table></div>{% endif %}{% endif %}
<h2>12项行动指标 Indicators · {{ place }}</h2>
<div class="scroll"><table><tr><th>行动</th><th>指标 indicator</th><th>本期 value</th><th>环比 vs previous</th><th>同比 vs last year</th><th>本年累计 YTD</th><th class="wide">数据来源 input</th></tr>
{% for r in indicator_rows %}<tr><td>{{ r.action }}</td><td>{{ r.indicator }} ({{ r.unit }})</td>
<td class="num{% if r.nodata %} nodata{% endif %}">{{ r.value }}</td><td class="num">{{ r.mom }}</td><td class="num">{{ r.yoy }}</td><td class="num">{{ r.ytd }}</td><td class="wide">{{ r.input }}</td></tr>
{% endfor %}</table></div>
{% for section in gap_sections %}<h2>{{ section.title }} ({{ section.total }})</h2>
<p class="note">按优先序, 每镇前 {{ top }} 家; 完整名单见 analysis.xlsx / by priority, top {{ top }} per town; the full list is in the workbook.</p>
{% if section.note %}<p class="note">说明 note: {{ section.note }}</p>{% endif %}
{% for g in section.groups %}<p class="town">{{ g.town }} ({{ g.count }})</p><div class="scroll"><table>
{% for r in g.rows %}<tr><td>{{ r.name }}</td><td>{{ r.reason }}</td></tr>{% endfor %}</table></div>
{% else %}<p>无 none</p>{% endfor %}{% endfor %}
</body></html>
"""


def write_report(result: AnalysisResult, path: str | Path, top: int | None = None, with_map: bool = True) -> Path:
    """Write the self-contained ``report.html``: summary, charts, targets and rankings, changes since the last
    report, the indicator table, the top gaps per town; print stylesheet and phone-width layout.  ``with_map``:
    link ``map.html`` (written beside it by :func:`write_report_files`; no link when no map is written)."""
    path = Path(path)
    if top is not None:
        result.top = top
    content = _content(result)
    period = result.period or Period.year(result.year)
    environment = jinja2.Environment(autoescape=True)
    html = environment.from_string(_TEMPLATE).render(
        title=result.title, period=str(period), period_text=period.label_zh, period_end=period.end.isoformat(),
        town=result.town, place=result.town or "全市 city", top=result.top,
        compared=result.compared_with.label_zh if result.compared_with else None,
        compare_origin=result.compare_origin, charts=[_svg(f) for f in chart_figures(result).values()],
        rank_note=_RANK_NOTE, with_map=with_map, **content,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def write_docx(result: AnalysisResult, path: str | Path, charts: list[Path] | None = None) -> Path:
    """The report as a Word document (python-docx) for the bureau's 通报: the same sections as the HTML,
    charts as pictures (``charts``: PNG files from :func:`write_charts`)."""
    from docx import Document
    from docx.shared import Cm, Pt

    path = Path(path)
    content = _content(result)
    period = result.period or Period.year(result.year)
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.font.size = Pt(10)
    document.add_heading(result.title, level=0)
    document.add_paragraph(f"报告期 {period.label_zh} (数据截至 {period.end.isoformat()})"
                           + (f";对比 {result.compared_with.label_zh}" if result.compared_with else ""))
    document.add_heading("概况 Summary", level=1)
    for label, value in content["summary"]:
        document.add_paragraph(f"{label}: {value}", style="List Bullet")
    for chart in charts or []:
        document.add_picture(str(chart), width=Cm(15))

    def table(headers: list[str], rows: list[list[str]]) -> None:
        grid = document.add_table(rows=1, cols=len(headers))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, headers, strict=True):
            cell.text = text
        for row in rows:
            for cell, text in zip(grid.add_row().cells, row, strict=True):
                cell.text = str(text)

    document.add_heading("目标完成情况 Targets", level=1)
    if content["target_rows"]:
        table(["镇街", "指标", "目标期", "目标", "完成", "完成率", "序时进度", "排名"],
              [[r["town"], r["indicator"], r["period"], r["target"], r["actual"],
                r["completion"] + (" 落后" if r["behind"] else ""), r["elapsed"], r["rank"]]
               for r in content["target_rows"]])
        document.add_paragraph(_RANK_NOTE)
        for note in content["target_notes"]:
            document.add_paragraph(f"说明 note: {note}")
    else:
        document.add_paragraph("未载入目标任务 no targets loaded")
    if result.compared_with:
        document.add_heading(f"较上期变化 Since {result.compared_with.label_zh}", level=1)
        for change, count in content["change_counts"]:
            document.add_paragraph(f"{change}: {count}", style="List Bullet")
    document.add_heading("12项行动指标 Indicators", level=1)
    table(["行动", "指标", "本期", "环比", "同比", "本年累计"],
          [[str(r["action"]), f"{r['indicator']} ({r['unit']})", r["value"], r["mom"], r["yoy"], r["ytd"]]
           for r in content["indicator_rows"]])
    for section in content["gap_sections"]:
        document.add_heading(f"{section['title']} ({section['total']})", level=1)
        if section["note"]:
            document.add_paragraph(f"说明 note: {section['note']}")
        for group in section["groups"]:
            document.add_paragraph(f"{group['town']} ({group['count']})", style="List Bullet")
            for row in group["rows"]:
                document.add_paragraph(f"{row['name']}: {row['reason']}", style="List Bullet 2")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_report_files(result: AnalysisResult, directory: str | Path, *, store: GraphStore | None = None,
                       with_pdf: bool = True, with_map: bool = True) -> dict[str, Any]:
    """Write every file of a report into ``directory``: ``analysis.xlsx``, ``report.html``, ``charts/*.png``,
    ``report.docx``, ``report.pdf`` (Chromium; skipped with a note when it cannot print) and ``map.html`` (the
    town's or the city's map, when ``store`` is given).  ``innonet analyze``, ``innonet demo`` and the web
    reports page all call this.

    Returns
    -------
    dict
        ``files`` (name → path), ``charts`` (paths) and ``notes`` (what was not written, and why).
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {"analysis.xlsx": write_workbook(result, folder / "analysis.xlsx")}
    files["report.html"] = write_report(result, folder / "report.html", with_map=with_map and store is not None)
    charts = write_charts(result, folder / "charts")
    files["report.docx"] = write_docx(result, folder / "report.docx", charts)
    notes: list[str] = []
    if with_pdf:
        from api.render.printing import file_to_pdf

        try:
            (folder / "report.pdf").write_bytes(file_to_pdf(files["report.html"]))
            files["report.pdf"] = folder / "report.pdf"
        except Exception as exc:  # no Chromium here: the other files stand
            notes.append(f"report.pdf 未生成 / not written: {str(exc).splitlines()[0] if str(exc) else exc!r}")
    if with_map and store is not None:
        from api.render.maps import render_map

        filters = {"town": result.town} if result.town else {}
        render_map(store, "ecosystem", out=folder / "map.html", **filters)
        files["map.html"] = folder / "map.html"
    return {"files": files, "charts": charts, "notes": notes}
