import json

import openpyxl
import pytest
from click.testing import CliRunner

from api.cli import cli
from graph import SQLiteStore

from .conftest import EXAMPLES, example_paths


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("INNONET_DB", str(tmp_path / "cli.db"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_ingest_examples_prints_a_summary_and_writes_the_report(runner, tmp_path):
    paths = [str(p) for p in sorted(EXAMPLES.iterdir())]  # as `innonet ingest examples/*` would pass them
    result = runner.invoke(cli, ["ingest", *paths, "--report", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "mapping.json" in result.output
    assert "total: 40 rows read, 40 written, 0 merged, 0 rejected, 0 held for review" in result.output
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "汇总 summary"
    store = SQLiteStore(tmp_path / "cli.db")
    assert store.counts()["nodes"]["Enterprise"] == 5
    store.close()


def test_json_prints_exactly_to_dict(runner):
    result = runner.invoke(cli, ["ingest", "--json", *map(str, example_paths())])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["files"]
    assert all(set(f) == {"path", "rows_read", "written", "merged", "rejected", "held_for_review"}
               for f in data["files"])
    assert sum(f["rows_read"] for f in data["files"]) == 40


def test_unreadable_file_is_a_one_line_error_and_nothing_is_written(runner, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(32)) * 50)
    result = runner.invoke(cli, ["ingest", str(EXAMPLES / "talents.csv"), str(junk)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "junk.csv" in result.output
    store = SQLiteStore(tmp_path / "cli.db")
    assert store.counts() == {"nodes": {}, "relationships": {}}
    store.close()


def test_review_file_is_written_next_to_the_report(runner, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("企业名称\n宜兴市华通环保水处理科技有限公司\n", encoding="utf-8")
    second = tmp_path / "b.csv"
    second.write_text("企业名称\n宜兴市华通环保水处里科技有限公司\n", encoding="utf-8")
    assert runner.invoke(cli, ["ingest", str(first)]).exit_code == 0
    result = runner.invoke(cli, ["ingest", str(second), "--report", str(tmp_path / "out" / "r.xlsx")])
    assert result.exit_code == 2 and "cannot write" in result.output  # the folder does not exist
    store = SQLiteStore(tmp_path / "cli.db")
    assert len(store.nodes()) == 1  # checked before anything was written
    store.close()
    (tmp_path / "out").mkdir()
    result = runner.invoke(cli, ["ingest", str(second), "--report", str(tmp_path / "out" / "r.xlsx")])
    assert result.exit_code == 0, result.output
    assert "1 held for review" in result.output
    assert (tmp_path / "out" / "ingest_review.xlsx").exists()


def _fill_decision(path, decision):
    """Fill the decision column of a review workbook the way an analyst does in Excel (headers as written)."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    assert "决定 (merge/separate) / decision" in headers and "候选 id / candidate_id" in headers
    assert "名称 / name" in headers
    column = headers.index("决定 (merge/separate) / decision") + 1
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, column, decision)
    workbook.save(path)


def test_a_bilingual_review_file_round_trips_through_accept_review(runner, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("企业名称\n宜兴市华通环保水处理科技有限公司\n", encoding="utf-8")
    second = tmp_path / "b.csv"
    second.write_text("企业名称,所属镇\n宜兴市华通环保水处里科技有限公司,高塍镇\n", encoding="utf-8")
    assert runner.invoke(cli, ["ingest", str(first)]).exit_code == 0
    result = runner.invoke(cli, ["ingest", str(second)])
    assert result.exit_code == 0 and "1 held for review" in result.output
    review = tmp_path / "ingest_review.xlsx"
    _fill_decision(review, "合并")
    result = runner.invoke(cli, ["ingest", str(second), "--accept-review", str(review)])
    assert result.exit_code == 0, result.output
    assert "0 held for review" in result.output and "1 merged" in result.output
    merged = openpyxl.load_workbook(tmp_path / "ingest_report.xlsx")["合并 merged"]
    assert merged.cell(2, 6).value == "人工审核决定合并 / review decision"


def test_a_separate_decision_on_a_uscc_conflict_says_why_in_chinese(runner, tmp_path):
    from graph import uscc

    code = uscc.with_check_digit("91320282MA1W00010")
    first = tmp_path / "a.csv"
    first.write_text(f"企业名称,统一社会信用代码\n宜兴甲科技有限公司,{code}\n", encoding="utf-8")
    second = tmp_path / "b.csv"
    second.write_text(f"企业名称,统一社会信用代码\n无锡乙电缆有限公司,{code}\n", encoding="utf-8")
    assert runner.invoke(cli, ["ingest", str(first)]).exit_code == 0
    assert "1 held for review" in runner.invoke(cli, ["ingest", str(second)]).output
    _fill_decision(tmp_path / "ingest_review.xlsx", "separate")
    result = runner.invoke(cli, ["ingest", str(second), "--accept-review", str(tmp_path / "ingest_review.xlsx")])
    assert result.exit_code == 0 and "1 rejected" in result.output
    rejected = openpyxl.load_workbook(tmp_path / "ingest_report.xlsx")["拒绝 rejected"]
    reason = rejected.cell(2, 6).value
    assert reason.startswith("统一社会信用代码已属于另一单位") and "无效" not in reason
    assert "review decided: separate" in reason


def test_a_note_without_a_row_does_not_say_row_none(runner, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("编号,企业名称\n1,宜兴甲科技有限公司\n2,宜兴乙科技有限公司\n", encoding="utf-8")
    result = runner.invoke(cli, ["ingest", str(path)])
    assert result.exit_code == 0 and "row number (1..N)" in result.output
    assert "row None" not in result.output and "row nan" not in result.output


def test_traditional_names_and_towns_meet_their_simplified_records(runner, tmp_path):
    """丁蜀鎮 is the town 丁蜀镇; 宜興市華通環保科技有限公司 merges into the Simplified record, which keeps its name; a
    firm known only in Traditional keeps the name its file gave and `innonet find` finds it typed either way."""
    from graph.uscc import with_check_digit

    code = with_check_digit("91320282MA1TW0010")
    (tmp_path / "a.csv").write_text(f"企业名称,统一社会信用代码,所属镇\n宜兴市华通环保科技有限公司,{code},丁蜀镇\n",
                                    encoding="utf-8")
    (tmp_path / "b.csv").write_text("企业名称,所属镇,营业收入(万元)\n宜興市華通環保科技有限公司,丁蜀鎮,300\n"
                                    "宜興市紫砂工藝廠,周鐵鎮,20\n", encoding="utf-8")
    result = runner.invoke(cli, ["ingest", "a.csv", "b.csv", "--json"])
    assert result.exit_code == 0, result.output
    store = SQLiteStore(tmp_path / "cli.db")
    firms = store.nodes("Enterprise").set_index("name")
    towns = sorted(store.nodes("Town").name)
    store.close()
    assert sorted(firms.index) == ["宜兴市华通环保科技有限公司", "宜興市紫砂工藝廠"]
    assert firms.loc["宜兴市华通环保科技有限公司", "revenue"] == 300 and towns == ["丁蜀镇", "周铁镇"]
    assert firms.loc["宜興市紫砂工藝廠", "town"] == "周铁镇"
    for typed, wanted in [("宜兴紫砂工艺厂", "宜興市紫砂工藝廠"), ("宜興紫砂工藝廠", "宜興市紫砂工藝廠"),
                          ("華通環保", "宜兴市华通环保科技有限公司"), ("丁蜀鎮", "丁蜀镇")]:
        found = runner.invoke(cli, ["find", typed, "--json"])
        assert found.exit_code == 0, found.output
        assert json.loads(found.output)["name"] == wanted


def test_ignored_columns_are_printed_after_their_file(runner, tmp_path):
    path = tmp_path / "firms.csv"
    path.write_text("序號,企业名称,所属镇,法人代表,联系人手机\n1,宜兴甲科技有限公司,丁蜀镇,张三,13800000000\n", encoding="utf-8")
    result = runner.invoke(cli, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if "未识别的列" in line]
    assert str(path) in line and "法人代表, 联系人手机" in line and "columns not recognised" in line
    assert "--mapping FILE" in line and '{"法人代表": "field"}' in line and "序號" not in line  # a row number
