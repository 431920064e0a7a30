"""The ingest's speed-ups keep its behaviour: memoised parsing, one-pass cell cleaning, skipped no-op writes."""

from __future__ import annotations

import datetime as dt
import math

from graph import SQLiteStore
from ingest.pipeline import ingest_files
from ingest.read import MAX_CELL_CHARS, _cell, _cells
from ingest.resolve import uscc_check


def test_cells_match_the_cell_by_cell_conversion():
    row = ["宜兴", " 高塍镇", "  ", "", "\u3000", None, 0, 12, 1.5, float("nan"), -0.0, True, dt.time(8, 30),
           dt.datetime(2020, 1, 2), "x" * (MAX_CELL_CHARS + 5), "-"]
    fast, slow = _cells(row), [_cell(c) for c in row]
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        assert type(a) is type(b)
        assert a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))
    assert fast[2] is None and fast[9] is None and len(fast[14]) == MAX_CELL_CHARS


def test_uscc_check_memoises_results_and_errors():
    assert uscc_check("9132 0282 MA1XXXXX0U") == ("91320282MA1XXXXX0U", None)
    code, error = uscc_check("91320282MA1XXXXX01")
    assert code is None and "expected 'U'" in error
    assert uscc_check("91320282MA1XXXXX01") == (code, error)


def test_a_repeated_bad_value_is_rejected_on_every_row(csv_file):
    path = csv_file([["企业名称", "成立日期", "技术领域"],
                     ["甲科技有限公司", "明年", "环保、水处理"],
                     ["乙科技有限公司", "明年", "环保、水处理"],
                     ["丙科技有限公司", "2020-01-01", "环保、水处理"]])
    store = SQLiteStore(":memory:")
    report = ingest_files(store, [path])
    assert report.totals()["rejected"] == 2
    assert list(report.rejections["row"]) == [2, 3]
    assert report.rejections["reason"].nunique() == 1 and "明年" in report.rejections["reason"][0]
    nodes = store.nodes("Enterprise")
    assert nodes["keywords"].tolist() == [["环保", "水处理"]]


def test_reingest_writes_no_unchanged_node_but_writes_changes(csv_file, monkeypatch):
    rows = [["企业名称", "营业收入(万元)", "所属镇(街道、园区)"], ["甲科技有限公司", "350", "高塍镇"]]
    store = SQLiteStore(":memory:")
    ingest_files(store, [csv_file(rows)])
    written: list[str] = []
    upsert = store.upsert_nodes

    def spy(kind, records):
        records = list(records)
        written.extend(r["id"] for r in records)
        return upsert(kind, records)

    monkeypatch.setattr(store, "upsert_nodes", spy)
    before = store.nodes()
    ingest_files(store, [csv_file(rows)])
    assert written == []
    assert store.nodes().equals(before)
    rows[1][1] = "350.5"
    ingest_files(store, [csv_file(rows)])
    assert written == ["org:甲科技"]
    assert store.nodes("Enterprise")["revenue"].tolist() == [350.5]
