"""Workbook and report from the small ecosystem, and the CLI."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from analysis.report import run_analysis, write_report, write_workbook
from api.cli import cli
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
    assert sheet["A1"].value.startswith("行动") and sheet.freeze_panes == "A2"
    assert "无数据 no data" in {c.value for c in sheet["F"]}
    html = write_report(result, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert 'href="map.html"' in html and "<svg" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # no network request


def test_town_filter_and_unknown_town(eco_store) -> None:
    result = run_analysis(eco_store, town="官林镇")
    assert set(result.tables["gap_isolated"]["town"]) <= {"官林镇"}
    with pytest.raises(NotFoundError, match="火星镇"):
        run_analysis(eco_store, town="火星镇")


def test_cli_analyze(tmp_path, monkeypatch) -> None:
    db = tmp_path / "eco.db"
    store = SQLiteStore(str(db))
    build_ecosystem(store)
    store.close()
    monkeypatch.setenv("INNONET_DB", str(db))
    monkeypatch.delenv("NEO4J_URI", raising=False)
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
