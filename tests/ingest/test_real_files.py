"""Files laid out the way towns, provincial systems and Excel users really produce them (issue 13), and the
workbook bombs a reader must survive (issue 17).  Every file is built here."""

from __future__ import annotations

import datetime as dt
import io
import resource
import time
import zipfile

import openpyxl
import pandas as pd
import pytest

from api.render.export import write_ingest_report
from graph import uscc
from graph.errors import IngestError
from ingest.pipeline import FIELD_REJECTED, TOWN_NOT_FOUND, ingest_files
from ingest.read import CellError, FormulaWithoutValue, Limits, read_table

from .conftest import write_csv, write_xlsx

CODES = [uscc.with_check_digit(f"91320282MA1T{i:04d}0") for i in range(1, 9)]
MORE = [uscc.with_check_digit(f"91320282MA1U{i:04d}0") for i in range(1, 9)]


def _invariant(report):
    for entry in report.files:
        assert entry["rows_read"] == sum(entry[k] for k in ("written", "merged", "rejected", "held_for_review"))


def test_two_town_lists_numbering_rows_1_2_keep_four_firms(store, tmp_path):
    header = ["编号", "企业名称", "统一社会信用代码", "所属镇", "营业收入(万元)"]
    a = write_csv(tmp_path / "高塍镇.csv", [header, [1, "宜兴甲环保科技有限公司", CODES[0], "高塍镇", 100],
                                         [2, "宜兴乙电缆有限公司", CODES[1], "高塍镇", 200]])
    b = write_csv(tmp_path / "官林镇.csv", [header, [1, "宜兴丙新材料有限公司", CODES[2], "官林镇", 300],
                                         [2, "宜兴丁陶瓷有限公司", CODES[3], "官林镇", 400]])
    report = ingest_files(store, [a, b])
    _invariant(report)
    assert report.totals()["written"] == 4 and report.merges.empty
    firms = store.nodes("Enterprise").set_index("uscc")
    assert len(firms) == 4 and set(firms.index) == set(CODES[:4])
    assert firms.loc[CODES[2], "name"] == "宜兴丙新材料有限公司" and firms.loc[CODES[2], "revenue"] == 300
    assert any("row numbers" in c for c in report.files[0]["ignored_columns"])


def test_a_university_list_numbered_1_to_n_does_not_block_a_firm_list(store, tmp_path):
    unis = write_csv(tmp_path / "高校.csv", [["id", "单位名称", "类型"], [1, "江南大学", "高校"], [2, "东南大学", "高校"]])
    firms = write_csv(tmp_path / "企业.csv", [["id", "企业名称"], [1, "宜兴甲科技有限公司"], [2, "宜兴乙科技有限公司"]])
    report = ingest_files(store, [unis, firms])
    assert report.rejections.empty and report.totals()["written"] == 4
    assert store.counts()["nodes"]["Enterprise"] == 2 and store.counts()["nodes"]["University"] == 2


def test_identifier_ids_are_scoped_to_their_file_and_conflicts_are_held(sqlite_store, tmp_path):
    header = ["外部编号", "企业名称", "统一社会信用代码"]
    path = write_csv(tmp_path / "ids.csv", [header, ["E-001", "宜兴甲环保科技有限公司", CODES[0]],
                                            ["E-001", "宜兴乙电缆有限公司", CODES[1]]])
    report = ingest_files(sqlite_store, [path])
    _invariant(report)
    assert report.files[0]["held_for_review"] == 1 and report.merges.empty
    review = report.reviews.iloc[0]
    assert (review["uscc"], review["candidate_uscc"]) == (CODES[1], CODES[0])
    assert "USCC" in review["reason"]
    assert list(sqlite_store.nodes("Enterprise").id) == ["ext:ids.csv:E-001"]
    rels = write_csv(tmp_path / "rel.csv", [["起点", "终点", "关系类型"], ["宜兴市科学技术局", "E-001", "LIAISES_WITH"]])
    dept = write_csv(tmp_path / "dept.csv", [["名称", "类型"], ["宜兴市科学技术局", "部门"]])
    assert ingest_files(sqlite_store, [dept, rels]).rejections.empty


def test_same_uscc_with_an_unrelated_name_is_held_not_merged(store, tmp_path):
    path = write_csv(tmp_path / "a.csv", [["企业名称", "统一社会信用代码"], ["宜兴甲电子科技有限公司", CODES[0]],
                                          ["宜兴乙电缆有限公司", CODES[0]]])
    report = ingest_files(store, [path])
    assert report.files[0]["held_for_review"] == 1 and report.merges.empty
    assert list(store.nodes("Enterprise").name) == ["宜兴甲电子科技有限公司"]


def test_totals_counts_notes_and_signatures_are_skipped_and_counted(sqlite_store, tmp_path):
    rows = [["2023年宜兴市科技型企业名单"], ["企业名称", "统一社会信用代码", "营业收入(万元)"],
            ["宜兴甲科技有限公司", CODES[0], "12,000"], [], ["宜兴乙科技有限公司", CODES[1], "14,900"],
            ["合  计", "", "26,900"], ["3家", "", "26,900"], ["", "", "26900"],
            ["注：1. 营业收入为2023年数据。"], ["填报人：张三", "", "审核人：李四"], ["", "填报日期：2024年1月5日", ""]]
    path = write_csv(tmp_path / "list.csv", rows)
    report = ingest_files(sqlite_store, [path])
    _invariant(report)
    assert report.totals()["written"] == 2 and report.files[0]["skipped"] == 6
    assert list(report.skipped.row) == [6, 7, 8, 9, 10, 11]
    assert all(" / " in reason for reason in report.skipped.reason)
    assert sorted(sqlite_store.nodes("Enterprise").name) == ["宜兴乙科技有限公司", "宜兴甲科技有限公司"]
    workbook = write_ingest_report(report, tmp_path / "r.xlsx")
    assert openpyxl.load_workbook(workbook)["跳过 skipped"].max_row == 7


def _dates_workbook(path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["企业名称", "统一社会信用代码", "成立日期", "高企认定", "高新技术产品收入占比(%)"])
    rows = [("宜兴甲科技有限公司", CODES[0], 2023.5, 2022.12, 1), ("宜兴乙科技有限公司", CODES[1], 2019.1, 2021, 0.65),
            ("宜兴丙科技有限公司", CODES[2], dt.datetime(2015, 3, 2), 2020, 0.8),
            ("宜兴丁科技有限公司", CODES[3], 1890, 2020, 0.7)]
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        cells[0].number_format = "0%"
    sheet["C4"].number_format = "yyyy-mm-dd"
    workbook.save(path)
    return path


def test_dates_typed_as_numbers_and_percent_cells(store, tmp_path):
    path = _dates_workbook(tmp_path / "dates.xlsx")
    report = ingest_files(store, [path])
    _invariant(report)
    firms = store.nodes("Enterprise").set_index("uscc")
    assert firms.loc[CODES[0], "founded"] == "2023-05"  # 2023.5: May, no day
    assert firms.loc[CODES[1], "founded"] == "2019"  # 2019.1: January or October, the year only
    assert firms.loc[CODES[2], "founded"] == "2015-03-02"
    assert firms.loc[CODES[0], "hightech_revenue_share"] == 100.0
    assert firms.loc[CODES[1], "hightech_revenue_share"] == 65.0
    tiers = store.relationships("REACHED_TIER").set_index("source")
    assert tiers.loc[CODES[0], "year"] == 2022
    # 1890: a year outside the plausible range is a field rejection (issue 13 items 4 and 5): the firm is kept
    assert report.rejections.empty and report.totals()["written"] == 4
    refused = report.notes[report.notes.note.str.startswith(FIELD_REJECTED)].set_index("row")
    assert refused.loc[5, "field"] == "founded" and "1950" in refused.loc[5, "note"]
    assert "年份" in refused.loc[5, "note"]
    assert firms.loc[CODES[3], "name"] == "宜兴丁科技有限公司" and firms.loc[CODES[3], "founded"] is None
    assert any("月份不明确" in n for n in report.notes.note)
    assert all(d is None or d >= "1950" for d in store.nodes("Enterprise").founded)


def _formula_workbook(path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["企业名称", "营业收入(万元)", "研发投入(万元)", "科技人员数", "高新技术产品收入占比(%)"])
    sheet.append(["宜兴甲科技有限公司", 1000, "=B2*0.05", "=10+2", 70])
    sheet.append(["宜兴乙科技有限公司", 800, 40, 3, "=1/0"])
    workbook.save(path)
    # a stored #DIV/0! result, as Excel writes it
    data = io.BytesIO(path.read_bytes())
    with zipfile.ZipFile(data) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet_xml = parts["xl/worksheets/sheet1.xml"].decode()
    start = sheet_xml.index('<c r="E3"')
    end = sheet_xml.index("</c>", start) + 4
    parts["xl/worksheets/sheet1.xml"] = (sheet_xml[:start] + '<c r="E3" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
                                         + sheet_xml[end:]).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, content in parts.items():
            target.writestr(name, content)
    return path


def test_formulas_without_values_are_missing_and_said_errors_are_field_rejections(sqlite_store, tmp_path, caplog):
    path = _formula_workbook(tmp_path / "formulas.xlsx")
    [sheet] = read_table(path)
    assert sheet.frame.iloc[0, 2] == FormulaWithoutValue("B2*0.05") and sheet.frame.iloc[1, 4] == CellError("#DIV/0!")
    with caplog.at_level("WARNING", logger="innonet.ingest"):
        report = ingest_files(sqlite_store, [path])
    _invariant(report)
    assert "formula" in caplog.text and "formulas.xlsx" in caplog.text
    assert list(report.notes.field) == ["rd_spend", "st_staff", "hightech_revenue_share"]
    assert report.notes.note[:2].str.contains("公式没有计算结果").all()
    # the stored #DIV/0! is a field rejection: the firm is written without its share, and the reason is said
    assert report.rejections.empty and report.totals()["written"] == 2
    refused = report.notes.iloc[2]
    assert refused["value"] == "#DIV/0!" and refused["row"] == 3
    assert refused["note"].startswith(f"{FIELD_REJECTED}: 单元格为错误值") and "#DIV/0!" in refused["note"]
    assert "formulas.xlsx [Sheet]: 1 个字段值被拒绝" in caplog.text and "row 3 高新技术产品收入占比(%)" in caplog.text
    firms = sqlite_store.nodes("Enterprise").set_index("name")
    firm = firms.loc["宜兴甲科技有限公司"]
    assert firm["revenue"] == 1000 and (firm.get("rd_spend") is None or firm["rd_spend"] != firm["rd_spend"])
    assert firms.loc["宜兴乙科技有限公司", "revenue"] == 800 and firms.loc["宜兴乙科技有限公司", "hightech_revenue_share"] is None


def test_two_row_merged_header(store, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["宜兴市重点企业主要经济指标"])
    sheet.append(["企业名称", "统一社会信用代码", "主要经济指标", None, "所属镇"])
    sheet.append([None, None, "营业收入(万元)", "研发投入(万元)", None])
    sheet.append(["宜兴甲科技有限公司", CODES[0], 1000, 50, "高塍镇"])
    sheet.merge_cells("A1:E1")
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("C2:D2")
    sheet.merge_cells("E2:E3")
    workbook.save(tmp_path / "two.xlsx")
    [raw] = read_table(tmp_path / "two.xlsx")
    assert list(raw.frame.columns) == ["企业名称", "统一社会信用代码", "主要经济指标/营业收入(万元)",
                                       "主要经济指标/研发投入(万元)", "所属镇"]
    assert raw.row_numbers == [4] and raw.header_rows == 2
    report = ingest_files(store, [tmp_path / "two.xlsx"])
    assert report.rejections.empty
    firm = store.nodes("Enterprise").iloc[0]
    assert (firm["revenue"], firm["rd_spend"], firm["town"]) == (1000, 50, "高塍镇")


def test_real_xls_html_as_xls_and_xml_spreadsheet(sqlite_store, tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("企业")
    for c, value in enumerate(["企业名称", "统一社会信用代码", "所属镇"]):
        sheet.write(0, c, value)
    for c, value in enumerate(["宜兴甲科技有限公司", CODES[0], "高塍镇"]):
        sheet.write(1, c, value)
    sheet.write(2, 0, "合计")
    book.save(str(tmp_path / "old.xls"))
    (tmp_path / "old.et").write_bytes((tmp_path / "old.xls").read_bytes())
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body>'
            '<table border=1><tr><td colspan=3>宜兴市企业名单</td></tr>'
            '<tr><th>企业名称</th><th>统一社会信用代码</th><th>所属镇</th></tr>'
            f'<tr><td>宜兴乙科技有限公司</td><td>{CODES[1]}</td><td rowspan=2>官林镇</td></tr>'
            f'<tr><td>宜兴丙科技有限公司</td><td>{CODES[2]}</td></tr></table></body></html>')
    (tmp_path / "web.xls").write_bytes(html.encode("gbk"))
    xml = ('<?xml version="1.0" encoding="UTF-8"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="名单"><Table>'
           '<Row><Cell><Data ss:Type="String">企业名称</Data></Cell><Cell><Data ss:Type="String">统一社会信用代码'
           f'</Data></Cell></Row><Row><Cell><Data ss:Type="String">宜兴丁科技有限公司</Data></Cell><Cell><Data '
           f'ss:Type="String">{CODES[3]}</Data></Cell></Row></Table></Worksheet></Workbook>')
    (tmp_path / "xmlss.xls").write_text(xml, encoding="utf-8")
    [web] = read_table(tmp_path / "web.xls")
    assert web.encoding == "gb18030" and web.frame["所属镇"].tolist() == ["官林镇", "官林镇"]
    report = ingest_files(sqlite_store, [tmp_path / "old.xls", tmp_path / "web.xls", tmp_path / "xmlss.xls"])
    _invariant(report)
    assert report.totals()["written"] == 4 and report.totals()["skipped"] == 1
    assert set(sqlite_store.nodes("Enterprise").uscc) == set(CODES[:4])
    assert read_table(tmp_path / "old.et")[0].frame.iloc[0, 0] == "宜兴甲科技有限公司"


def test_a_damaged_et_names_the_format(tmp_path):
    path = tmp_path / "bad.et"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(IngestError, match=r"WPS .et.*\.xlsx"):
        read_table(path)


@pytest.mark.parametrize("encoding", ["big5", "shift_jis"])
def test_big5_and_shift_jis_are_never_stored_as_garbage(sqlite_store, tmp_path, encoding):
    names = {"big5": ["宜興測試電子有限公司", "宜興華通環保科技有限公司"],
             "shift_jis": ["宜興テスト電子株式会社", "宜興華通環境科学株式会社"]}[encoding]
    rows = [["name", "town"], *[[n, "宜興"] for n in names]]
    path = write_csv(tmp_path / f"{encoding}.csv", rows, encoding=encoding)
    try:
        [sheet] = read_table(path)
    except IngestError as exc:
        assert "GB18030" in str(exc)
        return
    assert sheet.encoding == encoding and sheet.frame["name"].tolist() == names


def test_gbk_files_stay_gb18030(tmp_path):
    rows = [["企业名称", "所属镇"], ["宜兴喆堃环保科技有限公司", "高塍镇"], ["宜兴市华通电缆有限公司", "官林镇"]]
    assert read_table(write_csv(tmp_path / "g.csv", rows, encoding="gbk"))[0].encoding == "gb18030"


def test_header_variants_and_a_message_that_names_the_real_options(sqlite_store, tmp_path):
    orgs = write_csv(tmp_path / "o.csv", [["企业名称", "统一社会信用代码"], ["宜兴甲科技有限公司", CODES[0]]])
    parts = write_csv(tmp_path / "p.csv", [["project_id", "organisation_id", "year"], ["P1", CODES[0], 2023]])
    assert ingest_files(sqlite_store, [orgs, parts]).rejections.empty
    bad = write_csv(tmp_path / "b.csv", [["项目编号", "立项年份", "金额"], ["P1", 2023, 5]])
    with pytest.raises(IngestError) as info:
        ingest_files(sqlite_store, [bad], table="participations")
    assert "--mapping" in str(info.value) and "--map " not in str(info.value)


def test_read_table_reads_any_table_for_other_callers(tmp_path):
    path = write_xlsx(tmp_path / "attendees.xlsx", {"名单": [["2024年对接会参会名单"], ["序号", "参会人", "职务", "手机"],
                                                             [1, "张三", "总经理", "13800000000"],
                                                             [2, "李四", "教授", "13900000000"]]})
    [sheet] = read_table(path)
    assert list(sheet.frame.columns) == ["序号", "参会人", "职务", "手机"] and sheet.row_numbers == [3, 4]
    generic = write_csv(tmp_path / "g.csv", [["会议日程"], ["时间", "议题", "地点"], ["9:00", "开幕", "A厅"]])
    assert list(read_table(generic)[0].frame.columns) == ["时间", "议题", "地点"]


# ---------------------------------------------------------------------------------------------------------
# bombs (issue 17): refused quickly, in one line, with bounded memory
# ---------------------------------------------------------------------------------------------------------
def _sheet_xml(rows_xml: str, dimension: str | None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main">{dim}<sheetData>{rows_xml}</sheetData></worksheet>')


def _workbook_with(path, sheet_xml: str | bytes):
    good = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(["企业名称"])
    workbook.save(good)
    with zipfile.ZipFile(good) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet_xml.encode() if isinstance(sheet_xml, str) else sheet_xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    return path


def _refused_quickly(path, **limits):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(IngestError, match="too large") as info:
        read_table(path, limits=Limits(**limits) if limits else None)
    assert time.perf_counter() - started < 10
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500 * 1024  # KiB: < 500 MB more
    assert str(path) in str(info.value) and "\n" not in str(info.value) and "文件过大" in str(info.value)


@pytest.mark.parametrize("dimension", ["A1:XFD1048576", None])
def test_a_tiny_workbook_with_a_cell_at_xfd1048576(tmp_path, dimension):
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>企业名称</t></is></c></row>'
            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    path = _workbook_with(tmp_path / "bomb.xlsx", _sheet_xml(rows, dimension))
    assert path.stat().st_size < 10_000
    _refused_quickly(path)


def test_a_cell_far_down_a_short_column(tmp_path):
    rows = '<row r="1"><c r="A1"><v>1</v></c><c r="ZZ999999"><v>1</v></c></row>'
    _refused_quickly(_workbook_with(tmp_path / "far.xlsx", _sheet_xml(rows, "A1:A1")))


def test_a_workbook_expanding_to_millions_of_rows(tmp_path):
    body = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(1, 1_200_001))
    path = _workbook_with(tmp_path / "rows.xlsx", _sheet_xml(body, None))
    assert path.stat().st_size < 8_000_000
    _refused_quickly(path)


def test_limits_are_settable(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 200))
    _refused_quickly(_workbook_with(tmp_path / "small.xlsx", _sheet_xml(rows, None)), max_rows=100)
    path = write_csv(tmp_path / "wide.csv", [[f"c{i}" for i in range(50)], list(range(50))])
    _refused_quickly(path, max_columns=20)


def test_a_csv_with_100000_columns(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"列{i}" for i in range(100_000)) + "\n" + ",".join("1" * 100_000) + "\n",
                    encoding="utf-8")
    _refused_quickly(path)
    started = time.perf_counter()
    [sheet] = read_table(path, limits=Limits(max_columns=200_000))  # header handling is linear
    assert len(sheet.frame.columns) == 100_000 and time.perf_counter() - started < 20


def _signed_firm_list(path):
    """A town's firm list with what sits under it on paper: a count, dates alone in any column, seals, a sentence."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    sheet.append(["统一社会信用代码", "企业名称", "所属镇", "成立日期", "营业收入(万元)"])
    for i in range(3):
        sheet.append([CODES[i], f"宜兴市新街{'一二三'[i]}号科技有限公司", "新街街道", f"201{i}-05-01", 100 + i])
    sheet.append([None, "共 3 家"])
    sheet.append(["2025年1月15日"])  # a date alone in column A
    sheet.append([None, "负责人：赵六", None, "分管领导签字："])
    sheet.append([None, None, None, dt.datetime(2025, 1, 15)])  # a date cell alone in the date column
    sheet.append([None, None, None, None, "2025.01.15"])  # a date as text alone in column E
    sheet.append([None, "（单位盖章）"])
    sheet.append([None, "(盖章)"])
    sheet.append([None, "单位（盖章）"])
    sheet.append([None, "以上数据仅供参考"])
    workbook.save(path)
    return path


def test_signatures_seals_dates_and_a_sentence_under_a_firm_list_are_skipped(sqlite_store, tmp_path):
    report = ingest_files(sqlite_store, [_signed_firm_list(tmp_path / "v.xlsx")])
    _invariant(report)
    assert report.rejections.empty
    assert sorted(sqlite_store.nodes("Enterprise").uscc) == sorted(CODES[:3])
    assert report.files[0]["skipped"] == 9
    reasons = report.skipped.set_index("row").reason
    assert list(reasons.index) == list(range(5, 14))
    assert reasons[5] == "计数行 / count row"
    for row in (6, 7, 8, 9, 10, 11, 12):
        assert reasons[row] == "签名或日期行 / signature or date line"
    assert reasons[13] == "注释行 / note"


def test_a_date_alone_in_the_last_column_of_a_bom_csv_is_skipped(sqlite_store, tmp_path):
    rows = [["序号", "企业名称", "统一社会信用代码", "营业收入(万元)"],
            *[[i + 1, f"宜兴市周铁{'一二三'[i]}环保科技有限公司", CODES[i], 200 + i] for i in range(3)],
            ["", "", "制表：王五", ""], ["", "", "", "2025.1.10"]]
    report = ingest_files(sqlite_store, [write_csv(tmp_path / "zt.csv", rows, encoding="utf-8-sig")])
    _invariant(report)
    assert report.rejections.empty and report.totals()["written"] == 3
    assert list(report.skipped.row) == [5, 6]


def test_a_one_cell_firm_list_and_a_firm_known_by_name_at_the_foot_are_kept(sqlite_store, tmp_path):
    one_cell = write_csv(tmp_path / "names.csv", [["企业名称"], ["宜兴甲科技有限公司"], ["宜兴乙陶瓷厂"],
                                                 ["张渚茶场"], ["以上数据仅供参考"], ["2025年1月15日"]])
    footed = write_csv(tmp_path / "firms.csv", [["企业名称", "统一社会信用代码", "所属镇"],
                                               ["宜兴丙科技有限公司", CODES[2], "丁蜀镇"],
                                               ["宜兴丁环保设备有限公司", "", ""], ["宜兴市张渚茶叶专业合作社", "", ""]])
    report = ingest_files(sqlite_store, [one_cell, footed])
    _invariant(report)
    assert report.rejections.empty
    assert sorted(sqlite_store.nodes("Enterprise").name) == sorted(
        ["宜兴甲科技有限公司", "宜兴乙陶瓷厂", "张渚茶场", "宜兴丙科技有限公司", "宜兴丁环保设备有限公司", "宜兴市张渚茶叶专业合作社"])
    assert list(report.skipped.reason) == ["注释行 / note", "签名或日期行 / signature or date line"]


def test_founding_dates_keep_the_precision_of_the_cell_and_year_columns_read_2021_0(store, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["统一社会信用代码", "企业名称", "成立日期", "高新技术企业认定年份"])
    values = [(2023.5, 2021), (2022.12, "2022.0"), (2019.1, 2019), ("2019.10", "2020.0"), (2015, 2018),
              (dt.datetime(2016, 3, 8), 2020), ("2018年6月", "2021.00"), ("2019", "2021年")]
    for i, (founded, year) in enumerate(values):
        sheet.append([CODES[i], f"宜兴市张渚{'一二三四五六七八'[i]}号茶业有限公司", founded, year])
    sheet["C6"].number_format = "yyyy-mm-dd"  # the year 2015 typed into a date cell shows 1905-07-07
    path = tmp_path / "dates.xlsx"
    workbook.save(path)
    rows = [["企业名称", "统一社会信用代码", "成立日期", "高新技术企业认定年份"],
            ["宜兴市宜城甲软件有限公司", MORE[0], "2019.1", "2021.0"], ["宜兴市宜城乙软件有限公司", MORE[1], "2020.00", "2020.00"]]
    csv_path = write_csv(tmp_path / "pandas.csv", rows)
    report = ingest_files(store, [path])
    _invariant(report)
    assert report.rejections.empty
    founded = store.nodes("Enterprise").set_index("uscc").founded
    assert [founded[c] for c in CODES[:8]] == ["2023-05", "2022-12", "2019", "2019-10", "2015", "2016-03-08",
                                               "2018-06", "2019"]
    tiers = store.relationships("REACHED_TIER").set_index("source").year
    assert [tiers[c] for c in CODES[:8]] == [2021, 2022, 2019, 2020, 2018, 2020, 2021, 2021]
    report = ingest_files(store, [csv_path])
    _invariant(report)
    assert report.rejections.empty
    founded = store.nodes("Enterprise").set_index("uscc").founded
    assert (founded[MORE[0]], founded[MORE[1]]) == ("2019", "2020")
    assert any("月份不明确" in n for n in report.notes.note)
    assert store.relationships("REACHED_TIER").set_index("source").year[MORE[0]] == 2021


def test_what_reads_founded_downstream_takes_a_year_or_a_month():
    from analysis.periods import counts_from
    from graph.projection import start_year

    assert [start_year({"founded": f}) for f in ("2019", "2023-05", "2016-03-08")] == [2019, 2023, 2016]
    assert [str(counts_from(f, f)) for f in ("2019", "2023-05", "2016-03-08")] == ["2019", "2023-05", "2016-03"]


def test_a_fraction_among_percents_is_kept_as_given_and_flagged(store, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "高新技术产品收入占比(%)"], ["宜兴甲科技有限公司", CODES[0], 65],
            ["宜兴乙科技有限公司", CODES[1], 70.5], ["宜兴丙科技有限公司", CODES[2], 0.8]]
    report = ingest_files(store, [write_csv(tmp_path / "share.csv", rows)])
    _invariant(report)
    shares = store.nodes("Enterprise").set_index("uscc").hightech_revenue_share
    assert (shares[CODES[0]], shares[CODES[1]], shares[CODES[2]]) == (65.0, 70.5, 0.8)
    [note] = report.notes.note
    assert "按原样保留为 0.8%" in note and "kept as given" in note and report.notes.row[0] == 4


@pytest.mark.parametrize("header", ["所在镇", "所在镇/街道", "所属镇街", "镇(街道)", "所在镇（街道）", "镇", "乡镇", "所屬鎮"])
def test_town_header_variants(sqlite_store, tmp_path, header):
    rows = [["企业名称", "统一社会信用代码", header], ["宜兴甲科技有限公司", CODES[0], "丁蜀镇"]]
    report = ingest_files(sqlite_store, [write_csv(tmp_path / "towns.csv", rows)])
    assert report.files[0]["ignored_columns"] == []
    assert sqlite_store.nodes("Enterprise").town.tolist() == ["丁蜀镇"]
    assert sqlite_store.counts()["relationships"] == {"LOCATED_IN": 1}


def _share_rows():
    """Header and rows of a firm list with a percent-formatted share (1 is 100 %), a formula without a stored result
    (研发投入 of the first firm) and a founding date typed as 2023.5."""
    header = ["企业名称", "统一社会信用代码", "成立日期", "高新技术产品收入占比(%)", "研发投入(万元)"]
    return header, [("宜兴甲科技有限公司", CODES[0], 2023.5, 1, None), ("宜兴乙科技有限公司", CODES[1], 2019, 0.65, 40)]


def _xls_with_percent_and_formula(path):
    """A real Excel 97-2003 workbook written by xlwt: a ``0%`` style on the share, an uncomputed formula."""
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("企业")
    percent = xlwt.easyxf(num_format_str="0%")
    header, rows = _share_rows()
    sheet.write(0, 0, "2025年企业名单")
    for c, value in enumerate(header):
        sheet.write(1, c, value)
    for r, (name, code, founded, share, rd_spend) in enumerate(rows, start=2):
        sheet.write(r, 0, name)
        sheet.write(r, 1, code)
        sheet.write(r, 2, founded)
        sheet.write(r, 3, share, percent)
        sheet.write(r, 4, xlwt.Formula("D3*100") if rd_spend is None else rd_spend)
    book.save(str(path))
    return path


def _ods_with_percent_and_formula(path):
    """An OpenDocument spreadsheet written by odfpy the way LibreOffice stores it: a ``percentage`` value type with a
    percent data style, and a ``table:formula`` cell without a value (never computed)."""
    pytest.importorskip("odf")
    from odf.number import Number, PercentageStyle, Text
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    data_style = PercentageStyle(name="N10")
    data_style.addElement(Number(decimalplaces="0", minintegerdigits="1"))
    data_style.addElement(Text(text="%"))
    document.automaticstyles.addElement(data_style)
    cell_style = Style(name="ce1", family="table-cell", datastylename="N10")
    document.automaticstyles.addElement(cell_style)
    table = Table(name="企业")

    def cell(value, kind="string", **extra):
        if kind == "formula":
            return TableCell(formula=value)
        if kind == "string":
            made = TableCell(valuetype="string")
        else:
            made = TableCell(valuetype=kind, value=value, **extra)
        made.addElement(P(text=f"{value * 100:g}%" if kind == "percentage" else str(value)))
        return made

    header, rows = _share_rows()
    for cells in [[cell("2025年企业名单")], [cell(h) for h in header]] + [
            [cell(name), cell(code), cell(founded, "float"), cell(share, "percentage", stylename=cell_style),
             cell("of:=[.D3]*100", "formula") if rd_spend is None else cell(rd_spend, "float")]
            for name, code, founded, share, rd_spend in rows]:
        row = TableRow()
        for made in cells:
            row.addElement(made)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


@pytest.mark.parametrize("make", [_xls_with_percent_and_formula, _ods_with_percent_and_formula], ids=["xls", "ods"])
def test_percent_cells_and_formulas_without_values_beyond_xlsx(store, tmp_path, make, caplog):
    path = make(tmp_path / ("list.xls" if make is _xls_with_percent_and_formula else "list.ods"))
    [sheet] = read_table(path)
    assert sheet.frame["高新技术产品收入占比(%)"].tolist() == ["100%", "65%"]
    assert isinstance(sheet.frame["研发投入(万元)"].iloc[0], FormulaWithoutValue) and sheet.problem_rows == [0]
    with caplog.at_level("WARNING", logger="innonet.ingest"):
        report = ingest_files(store, [path])
    _invariant(report)
    assert "formula" in caplog.text
    firms = store.nodes("Enterprise").set_index("uscc")
    assert (firms.loc[CODES[0], "hightech_revenue_share"], firms.loc[CODES[1], "hightech_revenue_share"]) == (100.0, 65.0)
    assert firms.loc[CODES[0], "founded"] == "2023-05" and firms.loc[CODES[1], "rd_spend"] == 40
    notes = report.notes.set_index("field")
    assert notes.loc["rd_spend", "row"] == 3 and "公式没有计算结果" in notes.loc["rd_spend", "note"]


def test_an_xls_share_column_with_a_traditional_header_reads_its_percent_format(store, tmp_path):
    """高新技術產品收入佔比 (Traditional, no (%)) with cells 1.0 / 0.6 formatted ``0%``: 100 % and 60 %, as 占比."""
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    percent = xlwt.easyxf(num_format_str="0%")
    for c, value in enumerate(["企业名称", "统一社会信用代码", "所属镇", "高新技術產品收入佔比"]):
        sheet.write(0, c, value)
    for r, (name, code, share) in enumerate([("宜兴甲科技有限公司", CODES[0], 1.0), ("宜兴乙科技有限公司", CODES[1], 0.6)],
                                            start=1):
        for c, value in enumerate([name, code, "丁蜀镇"]):
            sheet.write(r, c, value)
        sheet.write(r, 3, share, percent)
    path = tmp_path / "g1c.xls"
    book.save(str(path))
    [table] = read_table(path)
    assert table.frame.iloc[:, 3].tolist() == ["100%", "60%"]
    _invariant(ingest_files(store, [path]))
    firms = store.nodes("Enterprise").set_index("uscc")
    assert (firms.loc[CODES[0], "hightech_revenue_share"], firms.loc[CODES[1], "hightech_revenue_share"]) == (100.0, 60.0)


def test_an_xls_whose_share_column_is_not_percent_formatted_keeps_its_numbers(store, tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("企业")
    for c, value in enumerate(["企业名称", "统一社会信用代码", "高新技术产品收入占比(%)"]):
        sheet.write(0, c, value)
    for r, (name, code, share) in enumerate([("宜兴甲科技有限公司", CODES[0], 65), ("宜兴乙科技有限公司", CODES[1], 1)],
                                            start=1):
        sheet.write(r, 0, name)
        sheet.write(r, 1, code)
        sheet.write(r, 2, share)
    book.save(str(tmp_path / "plain.xls"))
    report = ingest_files(store, [tmp_path / "plain.xls"])
    shares = store.nodes("Enterprise").set_index("uscc").hightech_revenue_share
    assert (shares[CODES[0]], shares[CODES[1]]) == (65.0, 1.0)  # a plain 1 among 65 stays 1 %, and is flagged
    assert report.notes.row.tolist() == [3] and "kept as given" in report.notes.note[0]


def test_a_flagged_share_does_not_replace_a_stored_one(sqlite_store, tmp_path):
    """0.8 among 75 and 62.5 in a (%) column is kept as given and flagged, but it never overwrites a good 75 from
    an earlier file: the stored value stays, the note says so; a firm without a stored share gets the 0.8."""
    first = write_csv(tmp_path / "first.csv", [["企业名称", "统一社会信用代码", "高新技术产品收入占比(%)"],
                                               ["宜兴市宏达陶瓷有限公司", CODES[0], 75]])
    ingest_files(sqlite_store, [first])
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["企业名称", "统一社会信用代码", "所属镇", "高新技术产品收入占比(%)"])
    sheet.append(["宜兴市宏达陶瓷有限公司", CODES[0], "丁蜀镇", 0.8])
    sheet.append(["宜兴市太湖机电有限公司", CODES[1], "周铁镇", 75])
    sheet.append(["宜兴市竹海纸业有限公司", CODES[2], "张渚镇", 0.5])
    sheet.append(["宜兴市竹海二号有限公司", CODES[3], "张渚镇", 62.5])
    workbook.save(tmp_path / "g2.xlsx")
    report = ingest_files(sqlite_store, [tmp_path / "g2.xlsx"])
    _invariant(report)
    shares = sqlite_store.nodes("Enterprise").set_index("uscc").hightech_revenue_share
    assert [shares[c] for c in CODES[:4]] == [75.0, 75.0, 0.5, 62.5]
    notes = report.notes[report.notes.field == "hightech_revenue_share"].set_index("row").note
    assert sorted(notes.index) == [2, 4]
    assert "保留原值" in notes[2] and "the stored value is kept" in notes[2] and "has 75" in notes[2]
    assert "kept as given" in notes[4]
    before = sqlite_store.nodes(), sqlite_store.relationships()
    ingest_files(sqlite_store, [tmp_path / "g2.xlsx"])
    assert before[0].equals(sqlite_store.nodes()) and before[1].equals(sqlite_store.relationships())


def test_a_last_row_firm_without_a_legal_form_is_data_and_real_notes_are_still_skipped(sqlite_store, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "营业收入(万元)", "联系电话", "备注"],
            ["宜兴市和桥甲电缆有限公司", CODES[0], 1200, 87654321, "注：2024年新增"],
            ["宜兴市丁蜀镇紫砂工艺厂", CODES[1], 300, "", "注：个体"],
            ["张三个体户", "", 30, "", ""],
            ["注：数据截至2024年底", "", "", "", ""],
            ["填报人：李四", "", "", 13800000000, ""],
            ["", "", "", "", "2025年1月15日"]]
    report = ingest_files(sqlite_store, [write_csv(tmp_path / "foot.csv", rows)])
    _invariant(report)
    assert sorted(sqlite_store.nodes("Enterprise").name) == sorted(["宜兴市和桥甲电缆有限公司", "宜兴市丁蜀镇紫砂工艺厂",
                                                                    "张三个体户"])
    assert report.totals()["skipped"] == 3
    assert list(report.skipped.row) == [5, 6, 7]
    assert list(report.skipped.reason) == ["注释行 / note", "签名或日期行 / signature or date line",
                                           "签名或日期行 / signature or date line"]
    [alone] = read_table(write_csv(tmp_path / "alone.csv", [["企业名称", "所属镇"], ["宜兴甲科技有限公司", "丁蜀镇"],
                                                            ["张三个体户", ""]]))
    assert alone.frame["企业名称"].tolist() == ["宜兴甲科技有限公司", "张三个体户"] and alone.skipped == []


def test_a_big5_list_with_traditional_headers_and_towns(sqlite_store, tmp_path):
    """企業名稱 / 所屬鎮 are the headers 企业名称 / 所属镇; 萬石鎮 is the town 万石镇; the firm keeps its name."""
    rows = [["企業名稱", "統一社會信用代碼", "所屬鎮", "職工總數"], ["宜興市萬石電子科技有限公司", CODES[5], "萬石鎮", "40"]]
    report = ingest_files(sqlite_store, [write_csv(tmp_path / "big5.csv", rows, encoding="big5")])
    _invariant(report)
    assert report.files[0]["ignored_columns"] == []
    firm = sqlite_store.nodes("Enterprise").iloc[0]
    assert (firm["name"], firm["uscc"], firm["town"], firm["employees"]) == ("宜興市萬石電子科技有限公司", CODES[5], "万石镇", 40)
    assert sqlite_store.nodes("Town").name.tolist() == ["万石镇"]


def test_an_ods_error_result_is_a_field_rejection_with_its_code(sqlite_store, tmp_path):
    """LibreOffice stores a failed formula as ``office:value-type="string" office:string-value=""
    calcext:value-type="error"`` with the code as its text; calamine reads it as an empty cell."""
    path = _ods_with_percent_and_formula(tmp_path / "errors.ods")
    with zipfile.ZipFile(path) as source:
        parts = {info: source.read(info.filename) for info in source.infolist()}
    [content] = [info for info in parts if info.filename == "content.xml"]
    xml = parts[content].decode()
    xml = xml.replace("<office:document-content ", '<office:document-content xmlns:calcext="urn:org:documentfoundation:'
                      'names:experimental:calc:xmlns:calcext:1.0" ', 1)
    cell = '<table:table-cell office:value-type="float" office:value="40"><text:p>40</text:p></table:table-cell>'
    assert cell in xml
    xml = xml.replace(cell, '<table:table-cell table:formula="of:=[.D4]/0" office:value-type="string" '
                            'office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p>'
                            '</table:table-cell>')
    parts[content] = xml.encode()
    with zipfile.ZipFile(path, "w") as target:
        for info, data in parts.items():
            target.writestr(info, data)
    [sheet] = read_table(path)
    assert sheet.frame["研发投入(万元)"].iloc[1] == CellError("#DIV/0!") and sheet.problem_rows == [0, 1]
    report = ingest_files(sqlite_store, [path])
    _invariant(report)
    assert report.rejections.empty and report.totals()["written"] == 2
    [refused] = report.notes[report.notes.note.str.startswith(FIELD_REJECTED)].to_dict("records")
    assert refused["row"] == 4 and refused["value"] == "#DIV/0!" and refused["field"] == "rd_spend"


def test_traditional_totals_rows_are_skipped_in_a_big5_csv_and_an_xlsx(sqlite_store, tmp_path):
    """合計 / 共計2家 / 小計 / 總計 (in the 序號 column too) are totals like 合计 / 共计2家 / 小计 / 总计, never firms."""
    rows = [["企業名稱", "統一社會信用代碼", "所屬鎮", "營業收入(萬元)"], ["宜興市和橋環保設備有限公司", CODES[0], "和橋鎮", "3300"],
            ["合計", "", "", "3300"]]
    csv_path = write_csv(tmp_path / "big5.csv", rows, encoding="big5")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序號", "企業名稱", "統一社會信用代碼", "所屬鎮", "營業收入(萬元)"])
    sheet.append([1, "宜興市和橋甲有限公司", CODES[1], "和橋鎮", 100])
    sheet.append([2, "宜興市和橋乙有限公司", CODES[2], "和橋鎮", 250])
    sheet.append([3, "宜興市和橋丙有限公司", CODES[3], "和橋鎮", 5])
    sheet.append(["小計", None, None, None, 355])
    sheet.append(["合計", None, None, None, 355])
    sheet.append(["共計3家", None, None, None, None])
    sheet.append(["總計", None, None, None, 355])
    sheet.append(["填表人：陳大文", None, None, None, None])
    workbook.save(tmp_path / "trad.xlsx")
    report = ingest_files(sqlite_store, [csv_path, tmp_path / "trad.xlsx"])
    _invariant(report)
    assert sorted(sqlite_store.nodes("Enterprise").uscc) == sorted(CODES[:4])
    assert [(e["rows_read"], e["written"], e["skipped"]) for e in report.files] == [(1, 1, 1), (3, 3, 5)]
    assert report.skipped.row.tolist() == [3, 5, 6, 7, 8, 9]
    assert report.skipped.reason.tolist() == ["合计行 / total row"] * 5 + ["签名或日期行 / signature or date line"]
    assert sqlite_store.nodes("Town").name.tolist() == ["和桥镇"]


def test_an_error_value_in_an_optional_field_keeps_the_firm(store, tmp_path, caplog):
    """A stored #DIV/0! in 高新技术产品收入占比 of a firm with a valid USCC and revenue 12000: the firm is written without
    the share, the field's rejection is in the 提示 notes sheet and on the terminal (file, row, field); an error in
    the USCC still rejects the row (it is the firm's identity)."""
    path = tmp_path / "errors.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "企业名称", "统一社会信用代码", "营业收入(万元)", "高新技术产品收入占比"])
    sheet.append([1, "宜兴市龙窑耐火材料有限公司", CODES[0], 12000, "#DIV/0!"])
    sheet.append([2, "宜兴市丁山紫砂工艺厂", CODES[1], 900, "#N/A"])
    sheet.append([3, "宜兴市错值科技有限公司", "#REF!", 50, 0.7])
    workbook.save(path)
    data = io.BytesIO(path.read_bytes())
    with zipfile.ZipFile(data) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, code in (("E2", "#DIV/0!"), ("E3", "#N/A"), ("C4", "#REF!")):  # error results as Excel stores them
        start = xml.index(f'<c r="{ref}"')
        end = xml.index("</c>", start) + 4
        xml = xml[:start] + f'<c r="{ref}" t="e"><f>X1</f><v>{code}</v></c>' + xml[end:]
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, content in parts.items():
            target.writestr(name, content)
    with caplog.at_level("WARNING", logger="innonet.ingest"):
        report = ingest_files(store, [path])
    _invariant(report)
    assert [(e["rows_read"], e["written"], e["rejected"]) for e in report.files] == [(3, 2, 1)]
    firms = store.nodes("Enterprise").set_index("uscc")
    assert firms.loc[CODES[0], "revenue"] == 12000 and firms.loc[CODES[0]].get("hightech_revenue_share") is None
    refused = report.notes[report.notes.note.str.startswith(FIELD_REJECTED)]
    assert refused[["row", "field", "value"]].values.tolist() == [[2, "hightech_revenue_share", "#DIV/0!"],
                                                                  [3, "hightech_revenue_share", "#N/A"]]
    assert refused.note.str.contains("单元格为错误值").all() and refused.note.str.contains("error value").all()
    [rejection] = report.rejections.to_dict("records")
    assert (rejection["row"], rejection["field"], rejection["value"]) == (4, "uscc", "#REF!")
    assert "errors.xlsx [Sheet]: 2 个字段值被拒绝" in caplog.text
    assert "row 2 高新技术产品收入占比 (hightech_revenue_share)" in caplog.text
    before = store.nodes(), store.relationships()
    again = ingest_files(store, [path])
    assert before[0].equals(store.nodes()) and before[1].equals(store.relationships())
    assert len(again.notes) == len(report.notes)


def test_an_implausible_founding_date_is_a_field_rejection_with_the_right_reason(sqlite_store, tmp_path):
    """成立日期 1949 or 45000 (an .xls written by xlwt) and a date-formatted cell showing 1900-01-05 (an .xlsx): the
    firm is written without the date and the field rejection says the date is implausible, not that the cell is not
    date-formatted.  Text that is no date at all (明年) still rejects the row."""
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for c, value in enumerate(["企业名称", "统一社会信用代码", "成立日期"]):
        sheet.write(0, c, value)
    for r, (name, code, founded) in enumerate([("宜兴市续表二有限公司", CODES[0], 45000),
                                               ("宜兴市续表三有限公司", CODES[1], 1949)], start=1):
        sheet.write(r, 0, name)
        sheet.write(r, 1, code)
        sheet.write(r, 2, founded)
    book.save(str(tmp_path / "old.xls"))
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.append(["企业名称", "统一社会信用代码", "成立日期"])
    ws.append(["宜兴市前墅窑业有限公司", CODES[2], dt.datetime(1900, 1, 5)])
    ws.append(["宜兴市明年科技有限公司", CODES[3], "明年"])
    ws["C2"].number_format = "yyyy-mm-dd"
    workbook.save(tmp_path / "cell.xlsx")
    report = ingest_files(sqlite_store, [tmp_path / "old.xls", tmp_path / "cell.xlsx"])
    _invariant(report)
    assert [(e["written"], e["rejected"]) for e in report.files] == [(2, 0), (1, 1)]
    firms = sqlite_store.nodes("Enterprise").set_index("uscc")
    assert sorted(firms.index) == sorted(CODES[:3]) and "founded" not in firms.columns
    refused = report.notes[report.notes.note.str.startswith(FIELD_REJECTED)].set_index("value")
    assert refused.field.tolist() == ["founded"] * 3
    assert "not a date" in refused.loc[45000, "note"] and "年份超出合理范围" in refused.loc[1949, "note"]
    cell = refused.loc["1900-01-05", "note"]
    assert "日期不合理" in cell and "shows 1900-01-05, not a plausible date" in cell and "not date-formatted" not in cell
    [rejection] = report.rejections.to_dict("records")
    assert rejection["value"] == "明年" and rejection["row"] == 3


def test_a_number_in_a_firm_lists_tier_date_column_is_a_field_rejection(sqlite_store, tmp_path, caplog):
    """高新技术企业认定时间 45000 (a plain number in an .xls, no date cell) or 1949: the firm is written without that
    tier and the reason reaches the 提示 sheet and the terminal; the firm with 2021 gets its tier."""
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for c, value in enumerate(["企业名称", "统一社会信用代码", "所属镇", "高新技术企业认定时间"]):
        sheet.write(0, c, value)
    for r, (name, code, year) in enumerate([("宜兴市丁蜀甲科技有限公司", CODES[0], 45000),
                                            ("宜兴市丁蜀乙科技有限公司", CODES[1], 1949),
                                            ("宜兴市丁蜀丙科技有限公司", CODES[2], 2021)], start=1):
        for c, value in enumerate([name, code, "丁蜀镇", year]):
            sheet.write(r, c, value)
    path = tmp_path / "f2.xls"
    book.save(str(path))
    with caplog.at_level("WARNING", logger="innonet.ingest"):
        report = ingest_files(sqlite_store, [path])
    _invariant(report)
    assert report.rejections.empty and report.files[0]["written"] == 3
    assert sorted(sqlite_store.nodes("Enterprise").uscc) == sorted(CODES[:3])
    reached = sqlite_store.relationships("REACHED_TIER")
    assert reached.source.tolist() == [CODES[2]]
    refused = report.notes[report.notes.note.str.startswith(FIELD_REJECTED)].set_index("value")
    assert refused.field.tolist() == ["hte_year"] * 2 and refused.row.tolist() == [2, 3]
    assert "45000 is not a year" in refused.loc[45000, "note"] and "年份超出合理范围" in refused.loc[1949, "note"]
    assert "45000" in caplog.text
    before = sqlite_store.nodes(), sqlite_store.relationships()
    ingest_files(sqlite_store, [path])
    assert before[0].equals(sqlite_store.nodes()) and before[1].equals(sqlite_store.relationships())


def test_a_date_cell_before_1910_is_no_tier_year_before_the_tier_existed(sqlite_store, tmp_path):
    """A date cell showing 1905-06-06 holds the number 1984: read as a year, that is no 科技型中小企业 (evaluated
    since 2017) — the tiers row is rejected with the reason, a firm list's tier column is a field rejection; a
    date cell showing 1905-07-15 in 成立日期 holds 2023, the year typed into a date-formatted cell, and is read
    so with a note (an .xlsx stores both the same way)."""
    names = tmp_path / "firms.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["企业名称", "统一社会信用代码", "所属镇", "成立日期", "科技型中小企业入库日期"])
    sheet.append(["宜兴市甲科技有限公司", CODES[0], "丁蜀镇", dt.datetime(1905, 7, 15), dt.datetime(1905, 6, 6)])
    sheet.append(["宜兴市乙科技有限公司", CODES[1], "丁蜀镇", dt.datetime(2016, 3, 8), dt.datetime(2023, 5, 6)])
    for cell in ("D2", "E2", "D3", "E3"):
        sheet[cell].number_format = "yyyy-mm-dd"
    workbook.save(names)
    tiers = tmp_path / "tiers.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["企业名称", "统一社会信用代码", "梯次", "认定日期"])
    sheet.append(["宜兴市甲科技有限公司", CODES[0], "科技型中小企业", dt.datetime(1905, 6, 6)])
    sheet.append(["宜兴市乙科技有限公司", CODES[1], "高新技术企业", dt.datetime(1905, 7, 14)])
    for cell in ("D2", "D3"):
        sheet[cell].number_format = "yyyy-mm-dd"
    workbook.save(tiers)
    report = ingest_files(sqlite_store, [names, tiers])
    _invariant(report)
    [rejection] = report.rejections.to_dict("records")
    assert (rejection["row"], rejection["field"], rejection["value"]) == (2, "date", "1905-06-06")
    assert "no 科技型中小企业 before 2017" in rejection["reason"] and "holds the number 1984" in rejection["reason"]
    assert "年份超出合理范围" in rejection["reason"]
    assert not ((report.notes.file.str.endswith("tiers.xlsx")) & (report.notes.row == 2)).any()  # no "read as a year"
    reached = sqlite_store.relationships("REACHED_TIER")
    assert sorted(zip(reached.source, reached.year)) == sorted([(CODES[1], 2023), (CODES[1], 2022)])
    refused = report.notes[report.notes.note.str.startswith(FIELD_REJECTED)].to_dict("records")
    assert [(n["row"], n["field"], n["value"]) for n in refused] == [(2, "tech_sme_year", "1905-06-06")]
    assert "no 科技型中小企业 before 2017" in refused[0]["note"]
    founded = sqlite_store.nodes("Enterprise").set_index("uscc").founded
    assert founded[CODES[0]] == "2023"
    [note] = report.notes[(report.notes.field == "founded")].note.tolist()
    assert "实为数字 2023" in note and "showing 1905-07-15 holds the number 2023" in note


def test_a_plain_certificate_number_beside_the_only_tier_column_is_the_hte_certificate(sqlite_store, tmp_path):
    """证书编号 in a firm list whose only tier column is 高新技术企业认定时间 (the tester's f2) is the 高企 certificate;
    beside two tier columns it is ambiguous and stays unloaded; 研发人员占比 has no field in the schema (st_staff is a
    count) and stays unloaded, listed as not recognised."""
    one = write_csv(tmp_path / "hte.csv", [["企业名称", "统一社会信用代码", "高新技术企业认定时间", "证书编号", "研发人员占比"],
                                           ["宜兴市甲科技有限公司", CODES[0], 2022, "GR202232000123", "35%"]])
    two = write_csv(tmp_path / "two.csv", [["企业名称", "统一社会信用代码", "高新技术企业认定时间", "科技型中小企业入库时间",
                                            "证书编号"], ["宜兴市乙科技有限公司", CODES[1], 2022, 2023, "X-1"]])
    report = ingest_files(sqlite_store, [one, two])
    _invariant(report)
    assert [e["ignored_columns"] for e in report.files] == [["研发人员占比"], ["证书编号"]]
    reached = sqlite_store.relationships("REACHED_TIER").set_index(["source", "target"])
    assert reached.loc[(CODES[0], "tier:高新技术企业"), "certificate"] == "GR202232000123"
    assert pd.isna(reached.loc[(CODES[1], "tier:高新技术企业")].get("certificate"))
    assert any("高企 certificate number" in n for n in report.notes.note)


def test_tier_dates_typed_as_numbers_keep_their_year_and_month(store, tmp_path):
    """A tiers table whose 认定日期 was typed as numbers (2025.11, 2025.5, and 2024.10, which Excel keeps as 2024.1)
    reads like the organisations table: 2024.1 is the year 2024 with the month noted as ambiguous, never "year
    missing"; 2022.12 in a 高新技术企业认定年份 column keeps its month as the REACHED_TIER date."""
    firms = tmp_path / "firms.xlsx"
    write_xlsx(firms, {"企业": [["企业名称", "统一社会信用代码", "所属镇", "高新技术企业认定年份"],
                                ["宜兴市四零一科技有限公司", CODES[0], "芳桥街道", 2024.10],
                                ["宜兴市四零三科技有限公司", CODES[1], "芳桥街道", 2022.12],
                                ["宜兴市四零四科技有限公司", CODES[2], "芳桥街道", 2021]]})
    tiers = tmp_path / "tiers.xlsx"
    write_xlsx(tiers, {"Sheet": [["企业名称", "统一社会信用代码", "梯次", "认定日期", "证书编号"],
                                 ["宜兴市紫韵陶瓷科技有限公司", MORE[0], "高企", 2025.11, "GR202532000001"],
                                 ["宜兴市蜀山新材料有限公司", MORE[1], "科小", 2025.5, "2025320282000099"],
                                 ["宜兴市官林电缆科技有限公司", MORE[2], "高新技术企业", 2024.10, "GR202432000002"]]})
    names = [["企业名称", "统一社会信用代码"], ["宜兴市紫韵陶瓷科技有限公司", MORE[0]], ["宜兴市蜀山新材料有限公司", MORE[1]],
             ["宜兴市官林电缆科技有限公司", MORE[2]]]
    report = ingest_files(store, [firms, write_csv(tmp_path / "names.csv", names), tiers])
    _invariant(report)
    assert report.rejections.empty
    reached = store.relationships("REACHED_TIER").set_index("source")
    assert [reached.loc[c, "year"] for c in (*CODES[:3], *MORE[:3])] == [2024, 2022, 2021, 2025, 2025, 2024]
    dates = [reached.loc[c].get("date") for c in (*CODES[:3], *MORE[:3])]
    assert dates == [None, "2022-12", None, "2025-11", "2025-05", None]
    ambiguous = report.notes[report.notes.note.str.contains("月份不明确")]
    assert sorted(zip(ambiguous.file.map(lambda f: f.rsplit("/", 1)[-1]), ambiguous.row, ambiguous.field)) == [
        ("firms.xlsx", 2, "hte_year"), ("tiers.xlsx", 4, "date")]
    before = store.nodes(), store.relationships()
    ingest_files(store, [firms, tmp_path / "names.csv", tiers])
    assert before[0].equals(store.nodes()) and before[1].equals(store.relationships())


def test_region_and_tier_time_header_variants(sqlite_store, tmp_path):
    """所在地区 holding towns (an HTML table from a province system saved as .xls) is the town column, 宜兴市丁蜀镇 is
    丁蜀镇 and 宜兴市 alone (the whole city) gives no town, said in the notes; 所在地区 holding only 宜兴市 stays an
    ignored column.  高新技术企业认定时间 and 专精特新认定时间 are the tiers' year columns (a date cell keeps its date)."""
    html = ("<html><head><meta charset=\"gb2312\"></head><body><table><tr><td colspan=4>江苏省科技型中小企业评价系统导出"
            "</td></tr><tr><td>序号</td><td>企业名称</td><td>统一社会信用代码</td><td>所在地区</td></tr>"
            f"<tr><td>1</td><td>宜兴市周铁水产科技有限公司</td><td>{CODES[0]}</td><td>周铁镇</td></tr>"
            f"<tr><td>2</td><td>宜兴市万石农业科技有限公司</td><td>{CODES[1]}</td><td>万石镇</td></tr></table></body></html>")
    (tmp_path / "province.xls").write_bytes(html.encode("gb2312"))
    mixed = write_csv(tmp_path / "mixed.csv", [["企业名称", "统一社会信用代码", "所在地区"],
                                               ["宜兴市丁蜀甲科技有限公司", CODES[2], "宜兴市丁蜀镇"],
                                               ["宜兴市丁蜀乙科技有限公司", CODES[3], "丁蜀镇"],
                                               ["宜兴市某某科技有限公司", CODES[4], "宜兴市"]])
    city = write_csv(tmp_path / "city.csv", [["企业名称", "统一社会信用代码", "所在地区"], ["宜兴市城一科技有限公司", MORE[0], "宜兴市"],
                                             ["宜兴市城二科技有限公司", MORE[1], "宜兴市"]])
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["企业名称（盖章）", "统一社会信用代码（注册号）", "所属镇", "高新技术企业认定时间", "专精特新认定时间"])
    sheet.append(["宜兴市一号机械有限公司", MORE[2], "徐舍镇", dt.datetime(2022, 12, 1), 2024])
    sheet.append(["宜兴市二号机械有限公司", MORE[3], "徐舍镇", dt.datetime(2023, 11, 20), None])
    for row in (2, 3):
        sheet.cell(row, 4).number_format = "yyyy-mm-dd"
    workbook.save(tmp_path / "tiers.xlsx")
    report = ingest_files(sqlite_store, [tmp_path / "province.xls", mixed, city, tmp_path / "tiers.xlsx"])
    _invariant(report)
    assert [e["ignored_columns"] for e in report.files] == [["序号"], [], ["所在地区"], []]
    firms = sqlite_store.nodes("Enterprise").set_index("uscc")
    assert [firms.loc[c, "town"] for c in CODES[:4]] == ["周铁镇", "万石镇", "丁蜀镇", "丁蜀镇"]
    assert firms.loc[CODES[4], "town"] is None and firms.loc[MORE[0], "town"] is None
    assert sorted(sqlite_store.nodes("Town").name) == ["丁蜀镇", "万石镇", "周铁镇", "徐舍镇"]
    notes = report.notes[report.notes.field == "所在地区"].note.tolist()
    assert any("1 rows give 宜兴市" in n for n in notes) and any("holds towns" in n for n in notes)
    reached = sqlite_store.relationships("REACHED_TIER")
    assert sorted(zip(reached.source, reached.target, reached.year, reached.date)) == [
        (MORE[2], "tier:专精特新", 2024, None), (MORE[2], "tier:高新技术企业", 2022, "2022-12-01"),
        (MORE[3], "tier:高新技术企业", 2023, "2023-11-20")]


def test_the_city_in_a_real_town_column_is_no_town(sqlite_store, tmp_path, caplog):
    """宜兴市 (江苏省宜兴市, 宜興, 无锡市宜兴市) in 所属镇（街道、园区）: no Town 宜兴市, no LOCATED_IN, the firm is kept and
    the cell noted; 丁蜀镇 beside it is a town as ever."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["企业名称", "统一社会信用代码", "所属镇（街道、园区）"])
    for name, code, town in [("宜兴市城甲科技有限公司", CODES[0], "宜兴市"), ("宜兴市城乙科技有限公司", CODES[1], "江苏省宜兴市"),
                             ("宜兴市城丙科技有限公司", CODES[2], "宜興"), ("宜兴市城丁科技有限公司", CODES[3], "无锡市宜兴市"),
                             ("宜兴市丁蜀戊科技有限公司", CODES[4], "丁蜀镇")]:
        sheet.append([name, code, town])
    workbook.save(tmp_path / "f1.xlsx")
    with caplog.at_level("INFO", logger="innonet.ingest"):
        report = ingest_files(sqlite_store, [tmp_path / "f1.xlsx"])
    _invariant(report)
    assert report.files[0]["written"] == 5 and report.rejections.empty
    assert sqlite_store.nodes("Town").name.tolist() == ["丁蜀镇"]
    assert sqlite_store.relationships("LOCATED_IN").source.tolist() == [CODES[4]]
    firms = sqlite_store.nodes("Enterprise").set_index("uscc")
    assert firms.loc[CODES[0], "town"] is None
    notes = report.notes[report.notes.field == "town"]
    assert notes.row.tolist() == [2, 3, 4, 5] and notes.note.str.contains("全市，不是镇街").all()
    assert "the whole city, not a town" in notes.note.iloc[0]
    before = sqlite_store.nodes(), sqlite_store.relationships()
    ingest_files(sqlite_store, [tmp_path / "f1.xlsx"])
    assert before[0].equals(sqlite_store.nodes()) and before[1].equals(sqlite_store.relationships())


def test_targets_fold_traditional_towns_and_report_a_town_the_store_does_not_know(sqlite_store, tmp_path, caplog):
    """和橋鎮 in a targets workbook is the town 和桥镇; 高城镇 (a typo for 高塍镇) is written as a target but no town is
    created, and the 提示 notes sheet and the terminal name it with the closest known town."""
    towns = ["丁蜀镇", "和桥镇", "高塍镇", "新街街道"]
    firms = write_csv(tmp_path / "firms.csv", [["企业名称", "统一社会信用代码", "所属镇"],
                                               *[[f"宜兴市{t}科技有限公司", CODES[i], t] for i, t in enumerate(towns)]])
    ingest_files(sqlite_store, [firms])
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "分解表"
    sheet.append(["宜兴市2025年度创新型企业培育目标任务分解表"])
    sheet.append(["序号", "镇街", "新认定高新技术企业(家)", "新增产学研合作(项)"])
    for n, (town, a, b) in enumerate([("丁蜀镇", 40, 20), ("和橋鎮", 30, 8), ("高城镇", 50, 16), ("新街街道", 70, 24)], 1):
        sheet.append([n, town, a, b])
    sheet.append(["合计", None, 190, 68])
    workbook.save(tmp_path / "目标任务分解_2025.xlsx")
    with caplog.at_level("WARNING", logger="innonet.ingest"):
        report = ingest_files(sqlite_store, [tmp_path / "目标任务分解_2025.xlsx"], table="targets")
    _invariant(report)
    assert report.rejections.empty
    targets = sqlite_store.nodes("Target")
    assert sorted(set(targets.town)) == ["丁蜀镇", "全市", "和桥镇", "新街街道", "高城镇"]
    assert sorted(sqlite_store.nodes("Town").name) == sorted(towns)  # no town 高城镇, no 和橋鎮
    [note] = report.notes[report.notes.note.str.startswith(TOWN_NOT_FOUND)].to_dict("records")
    assert (note["row"], note["value"]) == (5, "高城镇")
    assert "closest: 高塍镇" in note["note"] and "known towns: 丁蜀镇, 和桥镇, 新街街道, 高塍镇" in note["note"]
    assert "town not found in the store" in caplog.text and "高城镇" in caplog.text and "目标任务分解_2025.xlsx" in caplog.text
    before = sqlite_store.nodes(), sqlite_store.relationships()
    ingest_files(sqlite_store, [tmp_path / "目标任务分解_2025.xlsx"], table="targets")
    assert before[0].equals(sqlite_store.nodes()) and before[1].equals(sqlite_store.relationships())


def test_a_targets_total_row_of_uncomputed_sums_is_skipped_and_a_lone_formula_is_noted(sqlite_store, tmp_path):
    """A 合计 row of =SUM() never computed (openpyxl writes no cached value) is skipped as a total, not rejected with a
    Python repr; a formula without value in a town's target cell gets the 公式没有计算结果 note, its row is written
    with its other targets; a 合计 row with numbers and one uncomputed formula is the city's target, the formula
    noted."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "分解表"
    sheet.append(["宜兴市2025年度目标任务分解表"])
    sheet.append(["序号", "镇（街道、园区）", "新认定高新技术企业(家)", "新增产学研合作(项)"])
    sheet.append([1, "丁蜀镇", 40, 20])
    sheet.append([2, "官林镇", "=C3+5", 8])
    sheet.append(["合计", None, "=SUM(C3:C4)", "=SUM(D3:D4)"])
    workbook.save(tmp_path / "uncomputed.xlsx")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "镇（街道、园区）", "新认定高新技术企业(家)", "新增产学研合作(项)"])
    sheet.append([1, "丁蜀镇", 40, 20])
    sheet.append([2, "官林镇", 45, 8])
    sheet.append(["合计", None, 85, "=SUM(D2:D3)"])
    workbook.save(tmp_path / "mixed_2025.xlsx")
    report = ingest_files(sqlite_store, [tmp_path / "uncomputed.xlsx", tmp_path / "mixed_2025.xlsx"], table="targets")
    _invariant(report)
    assert report.rejections.empty
    assert [(e["written"], e["skipped"]) for e in report.files] == [(2, 1), (3, 0)]
    [total] = [s for s in report.skipped.to_dict("records") if s["file"].endswith("uncomputed.xlsx")]
    assert total["row"] == 5 and "合计行" in total["reason"] and "not read as the city's target" in total["reason"]
    targets = sqlite_store.nodes("Target").set_index("name")
    city = targets[targets.town == "全市"]
    assert city.value.tolist() == [85]
    formula = report.notes[report.notes.note.str.contains("公式没有计算结果")]
    assert sorted(zip(formula.file.map(lambda f: f.rsplit("/", 1)[-1]), formula.row, formula.value)) == [
        ("mixed_2025.xlsx", 4, "=SUM(D2:D3)"), ("uncomputed.xlsx", 4, "=C3+5")]
    text = " ".join(report.notes.note) + " ".join(report.skipped.reason)
    assert "FormulaWithoutValue" not in text
    before = sqlite_store.nodes(), sqlite_store.relationships()
    ingest_files(sqlite_store, [tmp_path / "uncomputed.xlsx", tmp_path / "mixed_2025.xlsx"], table="targets")
    assert before[0].equals(sqlite_store.nodes()) and before[1].equals(sqlite_store.relationships())


def test_a_long_targets_table_with_action_numerals_a_time_column_and_a_task_value_column(sqlite_store, tmp_path):
    """单位 / 行动 / 指标名称 / 年度 / 时段 / 目标任务 (the tester's t2): 单位 holding towns is the place, 行动一 /
    行动十二 are actions 1 / 12, 目标任务 holding numbers beside 指标名称 is the target value, and 时段 (全年, 上半年,
    1-9月, 前三季度, Q3) is the part of the year, cumulative from January."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "2025目标"
    sheet.append(["2025年度重点指标目标（按行动）"])
    sheet.append(["单位", "行动", "指标名称", "年度", "时段", "目标任务"])
    rows = [("丁蜀镇", "行动一", "新成立科技型企业", 2025, "全年", 6), ("丁蜀镇", "行动十二", "科技副总", 2025, "上半年", 4),
            ("官林镇", "行动五", "新认定研发平台", 2025, "1-9月", 5), ("官林镇", 8, "发明专利（件）", 2025, "前三季度", 700),
            ("全市", "行动三", "高企", 2025, "Q3", 200), ("官林镇", "行动甲", "科小", 2025, "1-6月", 30)]
    for row in rows:
        sheet.append(list(row))
    workbook.save(tmp_path / "t2.xlsx")
    report = ingest_files(sqlite_store, [tmp_path / "t2.xlsx"])
    _invariant(report)
    assert report.files[0]["table"] == "targets" and report.rejections.empty and report.files[0]["written"] == 6
    targets = sqlite_store.nodes("Target").set_index(["town", "indicator"])
    got = {key: (r["period"], r["action"], r["value"]) for key, r in targets.iterrows()}
    assert got[("丁蜀镇", "新成立科技型企业")] == ("2025", 1, 6)
    assert got[("丁蜀镇", "科技副总")] == ("2025-Q2", 12, 4)
    assert got[("官林镇", "新认定研发平台")] == ("2025-Q3", 5, 5)
    assert got[("官林镇", "发明专利(件)")][:2] == ("2025-Q3", 8)
    assert got[("全市", "高企")] == ("2025-Q3", 3, 200)
    assert got[("官林镇", "科小")][:2] == ("2025-Q2", None)
    [refused] = report.notes[report.notes.field == "action"].to_dict("records")
    assert refused["row"] == 8 and "行动甲" in refused["note"] and refused["note"].startswith(FIELD_REJECTED)
    before = sqlite_store.nodes(), sqlite_store.relationships()
    ingest_files(sqlite_store, [tmp_path / "t2.xlsx"])
    assert before[0].equals(sqlite_store.nodes()) and before[1].equals(sqlite_store.relationships())


@pytest.mark.parametrize("header", ["时段", "期间", "时间段", "考核期"])
def test_a_targets_time_column_reads_parts_of_the_year_and_refuses_the_second_half(sqlite_store, tmp_path, header):
    """镇街 / 指标 / 时段 / 目标值: 上半年 is Q2, 1-9月 and 三季度 Q3, 全年 the year; 下半年 (not counted from January)
    rejects its row with the reason; 单位 holding units (家) is the unit, not the place; 目标任务 without another
    indicator column stays the indicator."""
    rows = [["镇街", "目标任务", header, "目标值", "单位"], ["官林镇", "高企", "上半年", 5, "家"],
            ["官林镇", "科小", "1-9月", 20, "家"], ["官林镇", "专精特新", "三季度", 4, "家"],
            ["官林镇", "产学研", "全年", 61, "项"], ["官林镇", "平台", "下半年", 3, "个"]]
    path = write_csv(tmp_path / "2025年目标.csv", rows)
    report = ingest_files(sqlite_store, [path], table="targets")
    _invariant(report)
    targets = sqlite_store.nodes("Target").set_index("indicator")
    assert targets.period.to_dict() == {"高企": "2025-Q2", "科小": "2025-Q3", "专精特新": "2025-Q3", "产学研": "2025"}
    assert targets.unit.to_dict()["产学研"] == "项" and set(targets.town) == {"官林镇"}
    [rejection] = report.rejections.to_dict("records")
    assert rejection["row"] == 6 and rejection["field"] == "quarter" and "下半年" in rejection["reason"]


def test_a_traditional_list_with_an_implausible_founding_date_and_tier_year_keeps_the_firm(sqlite_store, tmp_path):
    """A date cell showing 1900-01-05 in 成立日期 and 1905 in 高新技术企业認定年份 (the tester's 11_繁体_合計.xlsx): the firm
    is written without either, both field rejections are noted; 小計 / 總計 in the 序號 column are skipped."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["宜興市丁蜀鎮企業名單"])
    sheet.append(["序號", "企業名稱", "統一社會信用代碼", "所屬鎮", "成立日期", "高新技術企業認定年份", "營業收入(萬元)"])
    sheet.append([1, "宜興市陶都精工有限公司", CODES[0], "丁蜀鎮", 2019.1, 2021, 1500])
    sheet.append([2, "宜兴市前墅窑业有限公司", CODES[1], "丁蜀镇", dt.datetime(1900, 1, 5), 1905, 700])
    sheet["E4"].number_format = "yyyy-mm-dd"
    sheet.append(["小計", None, None, None, None, None, 2200])
    sheet.append(["總計", None, None, None, None, None, 2200])
    workbook.save(tmp_path / "trad.xlsx")
    report = ingest_files(sqlite_store, [tmp_path / "trad.xlsx"])
    _invariant(report)
    assert [(e["written"], e["rejected"], e["skipped"]) for e in report.files] == [(2, 0, 2)]
    firm = sqlite_store.nodes("Enterprise").set_index("uscc").loc[CODES[1]]
    assert firm["revenue"] == 700 and firm.get("founded") is None and firm.get("tier") is None
    refused = report.notes[report.notes.note.str.startswith(FIELD_REJECTED)]
    assert refused[["row", "field"]].values.tolist() == [[4, "founded"], [4, "hte_year"]]
    assert "日期不合理" in refused.note.iloc[0] and "year 1905 in 1905 is outside 1950-2100" in refused.note.iloc[1]
    assert sqlite_store.relationships("REACHED_TIER").source.tolist() == [CODES[0]]


def test_a_row_rejected_for_a_field_whose_cell_was_an_error_says_so(sqlite_store, tmp_path):
    firms = write_csv(tmp_path / "firms.csv", [["企业名称", "统一社会信用代码"], ["宜兴甲科技有限公司", CODES[0]]])
    tiers = write_csv(tmp_path / "tiers.csv", [["企业名称", "梯次", "认定日期", "证书编号"],
                                               ["宜兴甲科技有限公司", "高企", "#N/A", "#REF!"],
                                               ["宜兴甲科技有限公司", "科小", "2024-05-01", "#REF!"]])
    report = ingest_files(sqlite_store, [firms, tiers])
    _invariant(report)
    [rejection] = report.rejections.to_dict("records")
    assert (rejection["row"], rejection["field"], rejection["value"]) == (2, "year", "#N/A")
    assert "year is required and missing" in rejection["reason"] and "认定日期: 单元格为错误值" in rejection["reason"]
    [refused] = report.notes[report.notes.note.str.startswith(FIELD_REJECTED)].to_dict("records")
    assert (refused["row"], refused["field"], refused["value"]) == (3, "certificate", "#REF!")
    reached = sqlite_store.relationships("REACHED_TIER")
    assert reached.target.tolist() == ["tier:科技型中小企业"] and reached.date.tolist() == ["2024-05-01"]
