"""Every spreadsheet and CSV innonet writes is formula-safe: hostile names stay text (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from api.cli import cli
from api.render.export import FORMATS, export_graph, store_workbook
from api.render.writer import Sheet, write_csv, write_workbook
from graph.projection import to_networkx
from graph.sqlite_store import SQLiteStore

HOSTILE = ['=HYPERLINK("http://evil.example","点此")', "+1+2", "-3+4", "@SUM(A1)", "\t=1"]


def _hostile_store(path) -> SQLiteStore:
    store = SQLiteStore(path)
    store.upsert_nodes("Enterprise", [{"id": f"e{i}", "name": name, "revenue": -5.5}
                                      for i, name in enumerate(HOSTILE)])
    return store


def _assert_xlsx_safe(data: bytes | str) -> int:
    book = openpyxl.load_workbook(data if isinstance(data, str) else io.BytesIO(data))
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    seen += 1
    return seen


def _assert_csv_safe(text: str) -> int:
    seen = 0
    for row in csv.reader(io.StringIO(text)):
        for value in row:
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            if value.startswith("-"):  # only numbers may start with a minus
                float(value)
            if value.startswith("'"):
                seen += 1
    return seen


def test_neutralise_covers_every_owasp_trigger():
    from api.render.writer import neutralise

    for text in [*HOSTILE, "\r=2"]:
        assert neutralise(text) == "'" + text
    assert neutralise(-3) == -3 and neutralise("宜兴") == "宜兴" and neutralise(None) is None


def test_writer_quotes_every_trigger_and_keeps_numbers(tmp_path):
    frame = pd.DataFrame({"name": HOSTILE, "revenue": [-1.5] * len(HOSTILE), "share": [65.0] * len(HOSTILE)})
    path = write_workbook(tmp_path / "x.xlsx", [Sheet("s", frame, labels={"name": "名称"},
                                                      formats={"revenue": "amount", "share": "percent"})])
    assert _assert_xlsx_safe(str(path)) == len(HOSTILE)
    sheet = openpyxl.load_workbook(path)["s"]
    assert sheet["A1"].value == "名称 / name" and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert sheet["B2"].value == -1.5 and sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].number_format == '0.0"%"'
    out = io.StringIO()
    write_csv(out, frame)
    assert _assert_csv_safe(out.getvalue()) == len(HOSTILE)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cli_export_is_formula_safe(fmt, tmp_path, monkeypatch):
    _hostile_store(tmp_path / "s.db").close()
    monkeypatch.setenv("INNONET_DB", str(tmp_path / "s.db"))
    out = tmp_path / ("out" if fmt == "csv" else "out.xlsx")
    result = CliRunner().invoke(cli, ["export", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        assert _assert_csv_safe((out / "nodes.csv").read_text(encoding="utf-8-sig")) >= len(HOSTILE)
    else:
        assert _assert_xlsx_safe(str(out)) >= len(HOSTILE)


def test_store_workbook_and_graph_tables_are_formula_safe(tmp_path):
    store = _hostile_store(tmp_path / "s.db")
    assert _assert_xlsx_safe(store_workbook(store)) == len(HOSTILE)
    (path,) = export_graph(to_networkx(store), "xlsx", tmp_path / "g.xlsx")
    assert _assert_xlsx_safe(str(path)) >= len(HOSTILE)  # name and label columns
    assert set(FORMATS) >= {"graphml", "gexf", "csv", "xlsx"}


def test_cli_formats_equal_the_library():
    from api.cli.store import FORMATS as CLI_FORMATS

    assert tuple(CLI_FORMATS) == FORMATS
