import io
import zipfile

import pytest

from graph.errors import IngestError
from ingest.read import MAX_CELL_CHARS, read_file

ROWS = [["企业名称", "统一社会信用代码", "所属镇"], ["宜兴甲环保科技有限公司", "", "高塍镇"], ["宜兴乙电缆有限公司", "", "官林镇"]]


@pytest.mark.parametrize(("encoding", "detected"), [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"),
                                                    ("gb18030", "gb18030"), ("gbk", "gb18030"),
                                                    ("utf-16", "utf-16")])
def test_encodings_are_detected(csv_file, encoding, detected):
    [sheet] = read_file(csv_file(ROWS, encoding=encoding))
    assert sheet.encoding == detected
    assert list(sheet.frame.columns) == ROWS[0]
    assert sheet.frame.iloc[1, 0] == "宜兴乙电缆有限公司"
    assert sheet.row_numbers == [2, 3]


def test_title_row_above_the_header_is_skipped_and_rows_numbered_as_seen(csv_file):
    [sheet] = read_file(csv_file([["2023年宜兴市高新技术企业名单"], [], *ROWS]))
    assert sheet.header_row == 3
    assert sheet.row_numbers == [4, 5]


def test_semicolon_and_tab_delimiters(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("企业名称\t所属镇\n甲公司\t高塍镇\n", encoding="utf-8")
    assert read_file(path)[0].frame.to_dict("records") == [{"企业名称": "甲公司", "所属镇": "高塍镇"}]


def test_every_sheet_or_one(xlsx_file):
    path = xlsx_file({"企业": ROWS, "说明": [], "高校": [["单位名称", "类型"], ["江南大学", "高校"]]})
    assert [s.sheet for s in read_file(path)] == ["企业", "高校"]
    assert [s.sheet for s in read_file(path, sheet="高校")] == ["高校"]
    with pytest.raises(IngestError, match="no sheet '基金'"):
        read_file(path, sheet="基金")


def test_huge_cells_are_cut(csv_file):
    [sheet] = read_file(csv_file([["企业名称"], ["甲" * (MAX_CELL_CHARS + 10)]]))
    assert len(sheet.frame.iloc[0, 0]) == MAX_CELL_CHARS


def _truncated_xlsx(tmp_path):
    good = tmp_path / "good.xlsx"
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["企业名称"])
    workbook.active.append(["甲"])
    workbook.save(good)
    data = good.read_bytes()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(data[: len(data) // 2])
    return bad


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.csv", "no such file"),
        (lambda d: (d / "e.csv").write_bytes(b"") and d / "e.csv" or d / "e.csv", "empty"),
        (lambda d: (d / "h.csv").write_text("企业名称,所属镇\n", encoding="utf-8") and d / "h.csv", "no data rows"),
        (lambda d: (d / "b.csv").write_bytes(bytes(range(64)) * 16) and d / "b.csv", "binary"),
        (lambda d: (d / "x.csv").write_bytes(b"\xff\x80\xff\x80abc\x81") and d / "x.csv", "neither UTF-8 nor GB18030"),
        (lambda d: (d / "o.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100) and d / "o.xls", r"readable\S* .xls"),
        (lambda d: (d / "n.xlsx").write_text("企业名称\n甲\n", encoding="utf-8") and d / "n.xlsx", "not a workbook"),
        (_truncated_xlsx, "XLSX"),
    ],
)
def test_unreadable_files_give_one_line_errors_naming_the_file(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(IngestError, match=message) as info:
        read_file(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "z.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(IngestError, match="z.xlsx"):
        read_file(path)


def test_openpyxl_fallback_reads_the_same(xlsx_file, tmp_path, monkeypatch):
    path = xlsx_file({"企业": [["标题"], ROWS[0], *ROWS[1:]], "空": []})
    fast = read_file(path)
    monkeypatch.setitem(__import__("sys").modules, "python_calamine", None)  # import fails → openpyxl
    slow = read_file(path)
    assert [(s.sheet, s.header_row, s.row_numbers) for s in slow] == [(s.sheet, s.header_row, s.row_numbers)
                                                                      for s in fast]
    assert slow[0].frame.equals(fast[0].frame)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(path.read_bytes()[:300])
    with pytest.raises(IngestError, match="cut.xlsx"):
        read_file(cut)
