"""Fuzzed files: one-line errors naming the file, or clean rejections; never a traceback."""

import random

import pytest

from api.render.export import write_ingest_report
from graph.errors import IngestError
from ingest.pipeline import ingest_files

HOSTILE = ["=1+1", "+cmd|' /C calc'!A0", "@SUM(1)", "<script>alert(1)</script>", "'; DROP TABLE nodes; --",
           "{{7*7}}", "\x00\x01控制字符", "😀企业", "a" * 5000, "宜兴\u202e反向有限公司", "   ", "\t\n", "-", "0",
           "NaN", "None", "91320282MA1XXXXX0U", "1e308", "-1e308", "２０２３年１３月"]


@pytest.mark.parametrize("seed", range(12))
def test_random_bytes_give_an_ingest_error_or_a_clean_report(sqlite_store, tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / f"r{seed}{'.xlsx' if seed % 3 == 0 else '.csv'}"
    path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000))))
    try:
        report = ingest_files(sqlite_store, [path])
    except IngestError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
    else:  # bytes that happen to decode as text: every row is still accounted for
        for entry in report.files:
            assert entry["rows_read"] == sum(entry[k] for k in ("written", "merged", "rejected", "held_for_review"))


@pytest.mark.parametrize("cut", [10, 100, 500, 1000, 2000, -10])
def test_truncated_workbooks(sqlite_store, xlsx_file, tmp_path, cut):
    good = xlsx_file({"企业": [["企业名称", "所属镇"], *[[f"宜兴{i}号科技有限公司", "高塍镇"] for i in range(50)]]})
    data = good.read_bytes()
    bad = tmp_path / "cut.xlsx"
    bad.write_bytes(data[:cut])
    with pytest.raises(IngestError, match="cut.xlsx"):
        ingest_files(sqlite_store, [bad])
    assert sqlite_store.counts()["nodes"] == {}


@pytest.mark.parametrize("table", ["organisations", "talents", "tiers", "relationships", "participations", "events"])
def test_hostile_cells_in_every_table_are_written_or_rejected(sqlite_store, csv_file, tmp_path, table):
    headers = {
        "organisations": ["企业名称", "统一社会信用代码", "所属镇", "营业收入(万元)", "成立日期", "技术领域", "类型"],
        "talents": ["姓名", "工作单位", "人才计划", "入选年份", "选派企业"],
        "tiers": ["企业名称", "梯次", "认定年份"],
        "relationships": ["起点", "终点", "关系类型", "年份", "金额(万元)"],
        "participations": ["项目编号", "承担单位", "立项年份", "项目经费(万元)"],
        "events": ["活动编号", "活动日期", "参会单位", "对接单位", "对接结果"],
    }[table]
    rng = random.Random(table)
    rows = [headers] + [[rng.choice(HOSTILE) for _ in headers] for _ in range(60)]
    path = csv_file(rows, name=f"{table}.csv")
    report = ingest_files(sqlite_store, [path], table=table)
    for entry in report.files:
        assert entry["rows_read"] == sum(entry[k] for k in ("written", "merged", "rejected", "held_for_review"))
    assert report.rejections["reason"].map(lambda r: isinstance(r, str) and "\n" not in r).all()
    write_ingest_report(report, tmp_path / "report.xlsx")
    before = sqlite_store.nodes(), sqlite_store.relationships()
    ingest_files(sqlite_store, [path], table=table)
    assert before[0].equals(sqlite_store.nodes()) and before[1].equals(sqlite_store.relationships())


def test_wrong_encoding_is_an_error_not_mojibake(sqlite_store, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("企业名称\n".encode() + b"\xff\xfe\xfd\x80\x80\n")
    with pytest.raises(IngestError, match="neither UTF-8 nor GB18030"):
        ingest_files(sqlite_store, [path])


def test_header_only_and_empty(sqlite_store, csv_file, xlsx_file):
    with pytest.raises(IngestError, match="no data rows"):
        ingest_files(sqlite_store, [csv_file([["企业名称", "所属镇"]])])
    with pytest.raises(IngestError, match="no rows"):
        ingest_files(sqlite_store, [xlsx_file({"空": []})])
