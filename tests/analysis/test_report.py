"""Workbook and report from the small ecosystem, and the CLI."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from analysis.report import run_analysis
from api.cli import cli
from api.render.report import chart_figures, write_report, write_workbook
from graph import SQLiteStore
from graph.errors import NotFoundError

from .conftest import build_ecosystem


def test_workbook_and_report(eco_store, tmp_path) -> None:
    eco_store.upsert_nodes("Enterprise", [{"id": "e7", "name": "<script>alert(1)</script>", "town": "官林镇",
                                           "revenue": 100.0, "rd_spend": 10.0}])
    result = run_analysis(eco_store)
    book = load_workbook(write_workbook(result, tmp_path / "analysis.xlsx"))
    assert any("指标" in name for name in book.sheetnames)
    assert sum("缺口" in name for name in book.sheetnames) >= 5
    sheet = book[next(n for n in book.sheetnames if "指标" in n)]
    assert sheet["A1"].value.startswith("行动") and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    headers = [c.value for c in sheet[1]]
    value, status = headers.index("数值 / value") + 1, headers.index("状态 / status") + 1
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert all(r[value - 1] is None for r in rows if r[status - 1] == "no data")  # no text in the number column
    assert all(isinstance(r[value - 1], (int, float)) for r in rows if r[status - 1] == "ok")
    html = write_report(result, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert 'href="map.html"' in html and "<svg" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # no network request


def test_town_filter_and_unknown_town(eco_store) -> None:
    result = run_analysis(eco_store, town="官林镇")
    assert set(result.tables["gap_isolated"]["town"]) <= {"官林镇"}
    with pytest.raises(NotFoundError, match="火星镇"):
        run_analysis(eco_store, town="火星镇")


@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    """The small ecosystem in a SQLite file that ``innonet`` (INNONET_DB) opens."""
    db = tmp_path / "eco.db"
    store = SQLiteStore(str(db))
    build_ecosystem(store)
    store.close()
    monkeypatch.setenv("INNONET_DB", str(db))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    return db


def test_cli_analyze(tmp_path, cli_store) -> None:
    out = tmp_path / "out"
    run = CliRunner().invoke(cli, ["analyze", "--out", str(out), "--year", "2023"])
    assert run.exit_code == 0, run.output
    assert (out / "analysis.xlsx").exists() and (out / "report.html").exists()
    bad = CliRunner().invoke(cli, ["analyze", "--out", str(out), "--town", "火星镇"])
    assert bad.exit_code == 2 and "火星镇" in bad.output


def test_summary_counts_every_enterprise_not_the_cut_centrality_table(eco_store, tmp_path) -> None:
    result = run_analysis(eco_store)
    result.tables["measures"] = result.tables["measures"].head(2)  # the workbook's centrality sheet is cut
    assert result.enterprises == 6
    html = write_report(result, tmp_path / "report.html").read_text(encoding="utf-8")
    assert re.search(r"企业 enterprises: <b>6</b>", html)
    assert run_analysis(eco_store, town="官林镇").enterprises == 2
    assert set(result.cpu_timings) == set(result.timings) and "enterprises" in result.timings


def test_formulas_neutralised_numbers_formatted(eco_store, tmp_path) -> None:
    eco_store.upsert_nodes("Enterprise", [{"id": "e8", "name": "=HYPERLINK(1)", "town": "官林镇", "revenue": 9000.0,
                                           "rd_spend": 900.0, "patents": 9, "invention_patents": 3}])
    result = run_analysis(eco_store)
    book = load_workbook(write_workbook(result, tmp_path / "analysis.xlsx"))
    sheet = book[next(n for n in book.sheetnames if "孤立" in n)]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    hostile = [c for c in cells if c.value == "=HYPERLINK(1)"]  # shown as typed, stored as quoted text
    assert hostile and all(c.data_type == "s" and c.quotePrefix for c in hostile)
    assert not any(c.data_type == "f" for c in cells)
    rd = [c for c in cells if c.column == [h.value for h in sheet[1]].index("研发强度% / rd_intensity") + 1]
    assert rd and all(isinstance(c.value, (int, float)) and c.number_format in ("#,##0", "#,##0.00") for c in rd)


def test_period_report_title_and_compare(eco_store, tmp_path) -> None:
    first = run_analysis(eco_store, period="2022")
    assert first.title == "宜兴创新网络年度报告 2022年度" and eco_store.nodes("AnalysisSnapshot")["id"].tolist() == [
        "snapshot:2022:全市"]
    result = run_analysis(eco_store, period="2023", compare=True)
    assert result.compare_origin == "kept report"
    changes = result.tables["changes"]
    promoted = changes[changes["change_type"] == "晋级 promoted"]
    assert set(promoted["id"]) == {"e6"}  # 高企 (2020) → 专精特新 (2023)
    html = write_report(result, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<title>宜兴创新网络年度报告 2023年度</title>" in html and "@media print" in html and "max-width:640px" in html
    quarter = run_analysis(eco_store, period="2023-Q3", keep=False)
    assert quarter.title.endswith("2023年第三季度") and str(quarter.period.end) == "2023-09-30"
    # the promotion chart marks the report's year as counted to date, a full year as a plain year
    ticks = [t.get_text() for t in chart_figures(quarter)["funnel"].axes[0].get_xticklabels()]
    assert "2023\n至9月 to date" in ticks
    year_ticks = [t.get_text() for t in chart_figures(result)["funnel"].axes[0].get_xticklabels()]
    assert not any("to date" in t for t in year_ticks)


def test_town_report_is_the_towns(eco_store, tmp_path) -> None:
    result = run_analysis(eco_store, town="丁蜀镇")
    tables = result.tables
    for key in ("gap_isolated", "gap_finance", "gap_readiness", "lapsed", "gap_constraint", "measures", "brokers"):
        assert set(tables[key]["town"].dropna()) <= {"丁蜀镇"}, key
    assert set(tables["indicators"]["town"]) == {"all", "丁蜀镇"}
    pyramid = tables["pyramid"]
    assert set(pyramid["group"]) == {"all", "丁蜀镇"} and pyramid["highlight"].any()
    assert (tables["communities"]["scope"] == "全市 city-wide").all()
    towns = tables["gap_towns"]
    assert towns.loc[towns["highlight"], "town"].tolist() == ["丁蜀镇"]
    assert result.enterprises == 2 and result.title.endswith("· 丁蜀镇")


def test_docx_and_png(eco_store, tmp_path) -> None:
    from docx import Document

    from api.render.report import write_charts, write_docx

    result = run_analysis(eco_store, period="2023", compare="2022")
    charts = write_charts(result, tmp_path / "charts")
    assert {p.name for p in charts} >= {"pyramid.png", "funnel.png", "changes.png"}
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in charts)
    document = Document(str(write_docx(result, tmp_path / "report.docx", charts)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert result.title in text and "较上期变化" in text and len(document.inline_shapes) == len(charts)


def test_cli_analyze_reads_a_town_in_traditional_characters(tmp_path, cli_store) -> None:
    out = tmp_path / "out"
    run = CliRunner().invoke(cli, ["analyze", "--out", str(out), "--year", "2023", "--town", "丁蜀鎮", "--no-pdf",
                                   "--no-map"])
    assert run.exit_code == 0, run.output
    assert "· 丁蜀镇" in run.output  # the report is the town's, named as the store writes it
    bad = CliRunner().invoke(cli, ["analyze", "--out", str(out), "--town", "火星镇", "--no-pdf", "--no-map"])
    assert bad.exit_code == 2 and "参数 --town" in bad.output and "parameter --town" in bad.output
    assert "丁蜀镇, 官林镇, 高塍镇" in bad.output  # the known towns


def test_a_town_report_has_the_towns_funnel_and_scoped_changes(eco_store) -> None:
    result = run_analysis(eco_store, period="2023", town="丁蜀镇", compare="2022", keep=False)
    funnel = result.tables["funnel"]
    assert set(funnel["town"]) == {"丁蜀镇"}
    high_tech = funnel[(funnel["from_tier"] == "高新技术企业") & (funnel["year"] == 2023)].iloc[0]
    assert high_tech["base"] == 2 and high_tech["promoted"] == 1  # e3 and e6 (not the city's 4); e6 → 专精特新
    city = run_analysis(eco_store, period="2023", keep=False).tables["funnel"]
    assert city[(city["from_tier"] == "高新技术企业") & (city["year"] == 2023)]["base"].iloc[0] == 4
    pyramid = result.tables["pyramid"]
    assert set(pyramid.loc[pyramid["group"] == "丁蜀镇", "scope"]) == {"丁蜀镇"}
    assert set(pyramid.loc[pyramid["group"] == "all", "scope"]) == {"全市 city-wide"}
    changes = result.tables["changes"]
    assert {"scope", "highlight"} <= set(changes.columns) and changes["highlight"].any()
    assert set(changes.loc[changes["highlight"], "scope"]) == {"丁蜀镇"}
    assert set(changes.loc[~changes["highlight"], "scope"]) == {"全市 city-wide"}
    assert (changes.loc[changes["town"] == "全市", "scope"] == "全市 city-wide").all()
    first_city = int((~changes["highlight"]).to_numpy().argmax())
    assert changes["highlight"].iloc[:first_city].all() and not changes["highlight"].iloc[first_city:].any()
    # the changes chart counts the town's own rows only, and says so
    from api.render.report import chart_figures

    axis = chart_figures(result)["changes"].axes[0]
    assert sum(p.get_width() for p in axis.patches) == int(changes["highlight"].sum()) < len(changes)
    assert "丁蜀镇" in axis.get_title()


def test_a_rank_move_names_its_town() -> None:
    from analysis.snapshot import compare

    moved = compare({"ranks": {"甲镇": 2, "乙镇": 1}}, {"ranks": {"甲镇": 1, "乙镇": 2}})
    assert moved["town"].tolist() == ["乙镇", "甲镇"]


@pytest.mark.parametrize(("period", "since"), [("2023-10", "2023-Q3"), ("2023-Q3", "2023-Q4"), ("2023", "2023")])
def test_compare_must_be_earlier_and_of_the_same_granularity(eco_store, period, since) -> None:
    from graph.errors import SchemaError

    with pytest.raises(SchemaError, match="--compare") as caught:
        run_analysis(eco_store, period=period, compare=since, keep=False)
    assert "须" in str(caught.value) and "compare" in str(caught.value)
    assert run_analysis(eco_store, period="2023-Q3", compare="2023-Q2", keep=False).compared_with.granularity == "quarter"


def test_the_city_targets_chart_fits_a_slide_and_draws_zero(eco_store, tmp_path) -> None:
    from matplotlib.figure import Figure

    from api.render.report import _completion_bars, chart_figures
    from ingest.pipeline import ingest_files

    rows = ["镇街,年度,指标,目标值"] + [f"{town},2023,{name},{value}" for town in ("丁蜀镇", "高塍镇", "官林镇", "全市")
                                      for name, value in (("新认定高新技术企业", 2), ("科技型中小企业入库", 3),
                                                          ("新增专精特新企业", 1), ("对接洽谈", 5))]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    ingest_files(eco_store, [tmp_path / "t.csv"])
    result = run_analysis(eco_store, period="2023", keep=False)
    figure = chart_figures(result)["targets"]
    width, height = figure.get_size_inches()
    assert 1.6 <= width / height <= 1.9  # 16:9-ish, for a slide
    assert all(len(axis.patches) <= 25 for axis in figure.axes)
    assert max(len(axis.patches) for axis in figure.axes) == 4  # 全市's four targets, not towns × indicators
    axis = Figure().subplots()
    _completion_bars(axis, ["零", "缺"], [0.0, float("nan")], ["r", "g"], None)
    texts = [t.get_text() for t in axis.texts]
    assert "0%" in texts and any("无数据" in t for t in texts) and len(axis.lines) == 1  # 0 is a marker, missing is not


def test_a_future_period_a_near_miss_town_and_no_map(eco_store, tmp_path) -> None:
    import datetime as dt

    from analysis.ecosystem import known_town
    from api.render.report import write_report_files
    from graph.errors import SchemaError

    future = f"{dt.date.today().year + 1}-Q1"
    with pytest.raises(SchemaError, match="starts after today"):
        run_analysis(eco_store, period=future)
    with pytest.raises(Exception, match="高塍镇") as caught:
        known_town(eco_store, "高城镇", "--town")
    assert "是否指「高塍镇」" in str(caught.value) and "did you mean '高塍镇'" in str(caught.value)
    result = run_analysis(eco_store, period="2023", keep=False)
    written = write_report_files(result, tmp_path / "out", store=eco_store, with_pdf=False, with_map=False)
    html = written["files"]["report.html"].read_text(encoding="utf-8")
    assert "map.html" not in html and not (tmp_path / "out" / "map.html").exists()
