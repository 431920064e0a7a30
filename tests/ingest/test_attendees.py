"""Sign-up lists and schedules go through the one reader and the one resolver (issue: a GB18030 list that
`innonet ingest` loads must also work for `innonet schedule --attendees`)."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from graph.errors import IngestError
from ingest.attendees import read_attendee_list, read_schedule

NODES = pd.DataFrame({
    "id": ["e1", "e2", "e3", "u1", "u2"],
    "kind": ["Enterprise", "Enterprise", "Enterprise", "University", "University"],
    "name": ["宜兴市精陶科技有限公司", "宜兴市华峰电子有限公司", "宜兴市华锋电子有限公司", "江南大学", "南京工业大学"],
})


def _gb18030_list(path, rows):
    text = "2025年陶瓷产业产学研对接会报名表\n序号,单位名称,联系人\n" + "".join(
        f"{i},{name},联系人{i}\n" for i, name in enumerate(rows, start=1)) + "合计,5家,\n"
    path.write_bytes(text.encode("gb18030"))
    return path


def test_gb18030_list_with_title_row_totals_and_forgiving_names(tmp_path):
    path = _gb18030_list(tmp_path / "报名.csv", ["宜兴精陶科技", "江南大学", "宜兴市华峰电子有限公司", "南京工业大学"])
    found = read_attendee_list(path, NODES)
    assert found.ids == ["e1", "u1", "e2", "u2"]
    assert dict(zip(found.resolved["text"], found.resolved["matched_by"], strict=True))["宜兴精陶科技"] == "variant"
    assert found.problems.empty  # the 合计 row is skipped by the reader, not reported as an unknown name


def test_ambiguous_and_unknown_names_are_listed_for_correction(tmp_path):
    path = _gb18030_list(tmp_path / "报名.csv", ["华丰电子", "完全不存在的单位", "江南大学"])
    found = read_attendee_list(path, NODES)
    assert found.ids == ["u1"]
    problems = found.problems.set_index("text")
    assert "several" in problems.loc["华丰电子", "problem"] and "e2" in problems.loc["华丰电子", "candidates"]
    assert "not found" in problems.loc["完全不存在的单位", "problem"]
    assert list(found.problems["row"]) == [3, 4]  # the rows as the user sees them (title row 1, header row 2)


def test_xlsx_list_and_missing_column(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["参会单位"])
    book.active.append(["江南大学"])
    book.save(tmp_path / "a.xlsx")
    assert read_attendee_list(tmp_path / "a.xlsx", NODES).ids == ["u1"]
    (tmp_path / "b.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    with pytest.raises(IngestError, match="no attendee column"):
        read_attendee_list(tmp_path / "b.csv", NODES)


def test_schedule_read_back_in_chinese_headers(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes("企业 id,对方 id,时段,匹配度\ne1,u1,1,0.8\n".encode("gb18030"))
    frame = read_schedule(path)
    assert frame.loc[0, "enterprise_id"] == "e1" and frame.loc[0, "slot"] == "1" and frame.loc[0, "score"] == 0.8


def test_a_code_column_comes_first_headers_match_by_part_and_row_numbers_are_no_ids(tmp_path):
    """The traits the web page's own reader had, now in the one reader of sign-up lists."""
    from graph.uscc import with_check_digit

    code = with_check_digit("91320282MA1AT0010")
    nodes = pd.concat([NODES, pd.DataFrame({"id": [code], "kind": ["Enterprise"], "name": ["宜兴市另一家有限公司"],
                                            "uscc": [code]})], ignore_index=True)
    path = tmp_path / "报名.csv"
    path.write_text("编号,参会单位名称（盖章）,统一社会信用代码,联系人\n"
                    f"1,写错的名字,{code},张三\n2,江南大学,,李四\n3,华丰电子,,王五\n", encoding="utf-8")
    found = read_attendee_list(path, nodes)
    assert found.ids == [code, "u1"]  # the code decides over a wrong name; 1, 2, 3 are row numbers, not ids
    [problem] = found.problems.to_dict("records")
    assert problem["row"] == 4 and [option_id for option_id, _label in problem["options"]] == ["e2", "e3"]
    assert "e2" in problem["candidates"] and "several" in problem["problem"]
    assert read_attendee_list(path, nodes, max_rows=1).ids == [code]
