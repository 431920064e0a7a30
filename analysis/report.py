"""The monthly analysis: every table in one workbook (``analysis.xlsx``) and one self-contained ``report.html``.

:func:`run_analysis` computes the tables with the library functions notebooks
and the API call; :func:`write_workbook` and :func:`write_report` write them.
The HTML makes no network request: charts are inline SVG (matplotlib, glyphs
drawn as paths in Noto Sans CJK), and every data-derived string is escaped by
jinja2's autoescape.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from analysis import ecosystem, gaps
from analysis.indicators import NO_DATA, indicators
from graph.errors import NotFoundError
from graph.schema import TIERS
from graph.store import GraphStore

__all__ = ["SHEETS", "AnalysisResult", "run_analysis", "write_report", "write_workbook"]

#: Table key → sheet name (Chinese with English; Excel allows 31 characters).
SHEETS: dict[str, str] = {
    "indicators": "指标 indicators",
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
    "tier": "梯次", "rank": "阶次", "enterprises": "企业数", "from_tier": "起始梯次", "to_tier": "目标梯次",
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
    "criteria_total": "条件数", "ready": "可申报", "lacks": "尚缺",
}


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


def run_analysis(source: GraphStore | ecosystem.Snapshot, year: int | None = None,
                 town: str | None = None) -> AnalysisResult:
    """Compute every table of the monthly analysis.

    Parameters
    ----------
    year : int, optional
        Analyse the network as it stood at the end of this year (default: latest data).
    town : str, optional
        Keep only this town's rows in the per-firm and per-town tables (indicators keep
        the city-wide "all" rows too).  Raises NotFoundError for an unknown town.
    """
    timings: dict[str, float] = {}
    cpu_timings: dict[str, float] = {}

    def timed(name, func, *args, **kwargs):
        start, cpu_start = time.perf_counter(), time.process_time()
        out = func(*args, **kwargs)
        timings[name] = time.perf_counter() - start
        cpu_timings[name] = time.process_time() - cpu_start
        return out

    snap = timed("load", ecosystem.load_snapshot, source, until_year=year)
    firms = timed("enterprises", ecosystem.enterprises, snap)
    if town is not None and town not in set(firms["town"]):
        known = ", ".join(sorted(set(firms["town"]))[:20])
        raise NotFoundError(f"town {town!r} has no enterprises in the store; known towns: {known}")
    tables = {
        "indicators": timed("indicators", indicators, snap, town=town),
        "pyramid": timed("pyramid", ecosystem.tier_pyramid, snap),
        "funnel": timed("funnel", ecosystem.tier_funnel, snap),
        "lapsed": timed("lapsed", ecosystem.lapsed_certificates, snap),
        "measures": timed("network measures", ecosystem.organisation_measures, snap),
        "communities": timed("communities", ecosystem.communities, snap),
        "brokers": timed("brokers", ecosystem.brokers, snap),
        "health": timed("health", ecosystem.health_shares, snap),
        "gap_isolated": timed("gap isolated", gaps.isolated_innovators, snap),
        "gap_mismatch": timed("gap mismatch", gaps.supply_demand_mismatch, snap),
        "gap_constraint": timed("gap constraint", gaps.high_constraint, snap),
        "gap_bridges": timed("gap bridges", gaps.weak_bridges, snap),
        "gap_towns": timed("gap towns", gaps.towns_without_university, snap),
        "gap_service": timed("gap service", gaps.service_gaps, snap),
        "gap_finance": timed("gap finance", gaps.finance_gaps, snap),
        "gap_readiness": timed("gap readiness", gaps.promotion_readiness, snap),
    }
    if town is not None:
        for key, frame in tables.items():
            if key == "indicators":
                continue
            if "town" in frame.columns and key != "measures":
                tables[key] = frame[frame["town"] == town].reset_index(drop=True)
            elif {"dimension", "group"} <= set(frame.columns):
                keep = (frame["dimension"] != "town") | (frame["group"] == town)
                tables[key] = frame[keep].reset_index(drop=True)
    tables["measures"] = tables["measures"].head(2000)
    in_scope = int(len(firms) if town is None else (firms["town"] == town).sum())
    return AnalysisResult(snap.as_of, town, tables, timings, cpu_timings, enterprises=in_scope)


def _header(column: str) -> str:
    zh = _HEADERS.get(column)
    return f"{zh} {column}" if zh else column


def write_workbook(result: AnalysisResult, path: str | Path) -> Path:
    """Write one sheet per table: Chinese + English headers, frozen header row, readable widths.

    The workbook is streamed (openpyxl write-only mode): half the time of building it in memory.
    """
    path = Path(path)
    book = Workbook(write_only=True)
    for key, frame in result.tables.items():
        sheet = book.create_sheet(SHEETS[key][:31])
        headers = [_header(c) for c in frame.columns]
        for index, column in enumerate(frame.columns, start=1):  # widths must come before the rows
            sample = [len(str(v)) for v in frame[column].head(200).tolist()] + [len(headers[index - 1])]
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, max(sample) * 1.6))
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header_cells = []
        for text in headers:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for record in frame.itertuples(index=False):
            row = []
            for column, value in zip(frame.columns, record):
                if isinstance(value, list):
                    value = "、".join(map(str, value))
                elif value is None or (isinstance(value, float) and np.isnan(value)):
                    value = "无数据 no data" if column == "value" and key == "indicators" else None
                elif hasattr(value, "item"):
                    value = value.item()
                row.append(value)
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _svg(figure: plt.Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _charts(result: AnalysisResult) -> dict[str, str]:
    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
    plt.rcParams["svg.fonttype"] = "path"  # glyphs as paths: no font needed by the browser
    plt.rcParams["axes.unicode_minus"] = False
    pyramid = result.tables["pyramid"]
    city = pyramid[(pyramid["dimension"] == "all") & (pyramid["year"] == pyramid["year"].max())]
    figure, axis = plt.subplots(figsize=(6, 3))
    counts = city.set_index("tier").reindex(list(TIERS))["enterprises"].fillna(0)
    axis.barh(list(reversed(TIERS)), list(reversed(counts.tolist())), color="#3b7d4f")
    axis.set_title(f"梯次金字塔 tier pyramid {int(pyramid['year'].max()) if len(pyramid) else ''}")
    axis.set_xlabel("企业数 enterprises")
    charts = {"pyramid": _svg(figure)}
    funnel = result.tables["funnel"]
    figure, axis = plt.subplots(figsize=(6, 3))
    for from_tier, rows in funnel.groupby("from_tier", sort=False):
        if rows["base"].sum() == 0:
            continue
        axis.plot(rows["year"], rows["conversion_rate"] * 100, marker="o", label=f"{from_tier}→")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # years, not 2021.5
    axis.set_title("晋级转化率 promotion rate (%)")
    axis.legend(fontsize=7)
    charts["funnel"] = _svg(figure)
    return charts


_TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>宜兴创新网络分析 innonet report {{ year }}</title>
<style>body{font-family:"Noto Sans CJK SC",sans-serif;margin:2em;max-width:1100px}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px}
th{background:#eef4ef}.nodata{color:#a33}.charts{display:flex;gap:1em;flex-wrap:wrap}</style></head>
<body>
<h1>宜兴创新网络月报 innovation-network report</h1>
<p>截至 as of {{ year }}{% if town %} · 镇街 town: {{ town }}{% endif %} ·
<a href="map.html">竹海地图 ecosystem map</a></p>
<h2>概况 Summary</h2>
<ul>{% for label, value in summary %}<li>{{ label }}: <b>{{ value }}</b></li>{% endfor %}</ul>
<div class="charts">{{ charts.pyramid | safe }}{{ charts.funnel | safe }}</div>
<h2>12项行动指标 Indicators ({{ year }})</h2>
<table><tr><th>行动 action</th><th>指标 indicator</th><th>镇街 town</th><th>数值 value</th><th>变化 change</th>
<th>数据来源 input</th></tr>
{% for r in indicator_rows %}<tr><td>{{ r.action }}</td><td>{{ r.indicator }}</td><td>{{ r.town }}</td>
<td{% if r.nodata %} class="nodata"{% endif %}>{{ r.value }}</td><td>{{ r.change }}</td><td>{{ r.input }}</td></tr>
{% endfor %}</table>
{% for title, first, rows in gap_sections %}<h2>{{ title }}</h2>
{% if rows %}<table><tr><th>{{ first }}</th><th>原因 reason</th></tr>{% for r in rows %}<tr><td>{{ r.name }}</td><td>{{ r.reason }}</td></tr>{% endfor %}</table>
{% else %}<p>无 none</p>{% endif %}{% endfor %}
</body></html>
"""


def _fmt(value: float) -> str:
    if np.isnan(value):
        return ""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def write_report(result: AnalysisResult, path: str | Path, top: int = 10) -> Path:
    """Write the self-contained ``report.html`` (summary, charts, indicator table, top gaps, link to map.html)."""
    path = Path(path)
    tables = result.tables
    ind = tables["indicators"]
    ind = ind[(ind["year"] == result.year) & (ind["town"].isin(["all", result.town or "all"]))]
    indicator_rows = [
        {
            "action": r.action, "indicator": r.indicator, "town": r.town,
            "value": "无数据 no data" if r.status == NO_DATA else f"{_fmt(r.value)} {r.unit}",
            "change": _fmt(r.change), "input": r.input, "nodata": r.status == NO_DATA,
        }
        for r in ind.itertuples(index=False)
    ]
    summary = [
        ("企业 enterprises", result.enterprises),
        ("社群 communities", len(tables["communities"])),
        ("孤立创新企业 isolated innovators", len(tables["gap_isolated"])),
        ("可申报下一梯次 ready for next tier", int(tables["gap_readiness"]["ready"].sum())
         if len(tables["gap_readiness"]) else 0),
        ("高企证书到期未续 lapsed high-tech certificates", len(tables["lapsed"])),
    ]
    sections = []
    for key, title, name_column in (
        ("gap_isolated", "孤立创新企业 Isolated innovators", "name"),
        ("gap_mismatch", "供需错配 Supply–demand mismatch", "industry"),
        ("gap_towns", "镇街产学研覆盖 Towns without university reach", "town"),
        ("gap_finance", "金融缺口 Finance gaps", "name"),
        ("gap_readiness", "晋级准备 Promotion readiness", "name"),
    ):
        frame = tables[key].head(top)
        sections.append((title, _header(name_column),
                         [{"name": r[name_column], "reason": r["reason"]} for _, r in frame.iterrows()]))
    environment = jinja2.Environment(autoescape=True)
    html = environment.from_string(_TEMPLATE).render(
        year=result.year, town=result.town, summary=summary, charts=_charts(result),
        indicator_rows=indicator_rows, gap_sections=sections,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
