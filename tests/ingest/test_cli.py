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
