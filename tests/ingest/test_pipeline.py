import json

import pandas as pd
import pytest

from api.render.export import write_ingest_report, write_review_file
from graph import uscc
from graph.errors import IngestError, SchemaError
from ingest.pipeline import COLLABORATION_KEY, MERGE_RULES, IngestReport, ingest_files

from .conftest import example_paths, snapshot, write_csv

FIRM = uscc.with_check_digit("91320282MA1HT0010")
FIRM2 = uscc.with_check_digit("91320282MA1YD0020")
UNI = uscc.with_check_digit("12100000466008546")
ORG_HEADER = ["企业名称", "统一社会信用代码", "所属镇(街道、园区)", "所属行业", "营业收入(万元)", "研发投入(万元)"]


def _invariant(report: IngestReport) -> None:
    for entry in report.files:
        assert entry["rows_read"] == (entry["written"] + entry["merged"] + entry["rejected"]
                                      + entry["held_for_review"]), entry


def test_examples_ingest_cleanly_and_twice_changes_nothing(store):
    report = ingest_files(store, example_paths())
    _invariant(report)
    totals = report.totals()
    assert totals["rows_read"] == totals["written"] == 40
    assert report.rejections.empty and report.reviews.empty
    counts = store.counts()
    assert counts["nodes"]["Enterprise"] == 5 and counts["nodes"]["University"] == 4
    assert counts["relationships"]["MET"] == 3
    before = snapshot(store)
    again = ingest_files(store, list(reversed(example_paths())))
    assert again.to_dict()["files"] == sorted(report.to_dict()["files"], key=lambda f: f["path"], reverse=True)
    after = snapshot(store)
    assert before[0].equals(after[0]) and before[1].equals(after[1])


def test_examples_build_the_expected_graph(sqlite_store):
    ingest_files(sqlite_store, example_paths())
    firms = sqlite_store.nodes("Enterprise").set_index("id")
    huatong = uscc.with_check_digit("91320282MA1HT0010")
    assert firms.loc[huatong, "tier"] == "专精特新"  # the 2021 专精特新 outranks the 2021 高企 of tiers.csv
    assert firms.loc[huatong, "revenue"] == 8650.0
    tiers = sqlite_store.relationships("REACHED_TIER")
    hte = tiers[(tiers.source == huatong) & (tiers.target == "tier:高新技术企业")].set_index("key")
    assert hte.loc["2018", "valid_until"] == 2021 and hte.loc["2021", "certificate"] == "GR202132000777"
    collaborations = sqlite_store.relationships("COLLABORATES_WITH")
    assert set(collaborations.key) == {COLLABORATION_KEY}
    assert len(collaborations) == 3 and set(collaborations.basis) == {"联合项目"}
    met = sqlite_store.relationships("MET").set_index("key")
    assert sorted(met.outcome) == ["follow-up", "follow-up", "signed"]
    seconded = sqlite_store.relationships("SECONDED_TO")
    assert set(seconded.role) == {"科技副总", "科技镇长团"}
    assert "town:丁蜀镇" in set(seconded.target)


def test_rows_are_accounted_for_with_reasons(sqlite_store, csv_file):
    path = csv_file([
        ORG_HEADER,
        ["宜兴华通环保科技有限公司", FIRM, "高塍镇", "环保", "1000", "80"],
        ["宜兴华通环保科技有限责任公司", FIRM, "高塍镇", "环保", "1000", "80"],     # same USCC → merged
        ["宜兴坏码科技有限公司", "91320282MA1HT00101", "高塍镇", "环保", "", ""],   # bad check digit
        ["", FIRM2, "官林镇", "", "", ""],                                         # no name
        ["宜兴负收入有限公司", "", "官林镇", "", "-5", ""],                          # negative revenue
        ["宜兴研发大于收入有限公司", "", "官林镇", "", "10", "50"],                   # suspicious but allowed
    ])
    report = ingest_files(sqlite_store, [path])
    _invariant(report)
    assert report.files[0] | {} == report.files[0]
    entry = report.to_dict()["files"][0]
    assert (entry["written"], entry["merged"], entry["rejected"]) == (2, 1, 3)
    reasons = report.rejections.set_index("row")
    assert reasons.loc[4, "field"] == "uscc" and "check digit" in reasons.loc[4, "reason"]
    assert reasons.loc[5, "field"] == "name"
    assert reasons.loc[6, "field"] == "revenue" and "negative" in reasons.loc[6, "reason"]
    assert report.merges.loc[0, "merged_into"] == FIRM and report.merges.loc[0, "rule"] == "重复行（本次已读入同一记录） / duplicate"
    firm = sqlite_store.nodes(ids=[FIRM]).iloc[0]
    assert firm["name"] == "宜兴华通环保科技有限公司" and firm["aliases"] == ["宜兴华通环保科技有限责任公司"]


def test_name_only_record_migrates_to_its_uscc(store, csv_file):
    first = csv_file([["企业名称", "所属镇"], ["宜兴华通环保科技有限公司", "高塍镇"]], name="a.csv")
    tiers = csv_file([["企业名称", "梯次", "认定年份"], ["宜兴华通环保科技有限公司", "科小", "2019"]], name="t.csv")
    ingest_files(store, [first, tiers])
    assert set(store.nodes("Enterprise").id) == {"org:宜兴华通环保科技"}
    later = csv_file([["企业名称", "统一社会信用代码"], ["宜兴华通环保科技(集团)有限公司", FIRM]], name="b.csv")
    report = ingest_files(store, [later])
    assert report.migrations.to_dict("records") == [
        {"old_id": "org:宜兴华通环保科技", "new_id": FIRM, "name": "宜兴华通环保科技有限公司"}]
    firms = store.nodes("Enterprise")
    assert list(firms.id) == [FIRM]
    assert firms.loc[0, "town"] == "高塍镇" and firms.loc[0, "tier"] == "科技型中小企业"
    assert firms.loc[0, "aliases"] == ["宜兴华通环保科技有限公司"]
    rels = store.relationships()
    assert set(rels.source) == {FIRM}
    assert set(rels.type) == {"LOCATED_IN", "REACHED_TIER"}
    before = snapshot(store)
    ingest_files(store, [first, tiers, later])
    after = snapshot(store)
    assert before[0].equals(after[0]) and before[1].equals(after[1])


def test_fuzzy_matches_are_held_then_decided(sqlite_store, csv_file, tmp_path):
    base = csv_file([["企业名称"], ["宜兴市华通环保水处理科技有限公司"]], name="a.csv")
    ingest_files(sqlite_store, [base])
    typo = csv_file([["企业名称", "所属镇"], ["宜兴市华通环保水处里科技有限公司", "高塍镇"],
                     ["宜兴市华通环保水处里科技有限公司", "高塍镇"]], name="b.csv")
    review = tmp_path / "review.xlsx"
    report = ingest_files(sqlite_store, [typo])
    write_review_file(report, review)
    _invariant(report)
    assert report.files[0]["held_for_review"] == 2
    assert report.reviews.loc[0, "candidate_id"] == "org:宜兴市华通环保水处理科技"
    assert report.reviews.loc[0, "score"] >= 90
    assert len(sqlite_store.nodes("Enterprise")) == 1
    decided = pd.read_excel(review, dtype=object, engine="openpyxl")
    decided["决定 (merge/separate) / decision"] = "merge"  # the header as written: 中文 / english
    decided.to_excel(tmp_path / "decided.xlsx", index=False)
    merged = ingest_files(sqlite_store, [typo], accept_review=tmp_path / "decided.xlsx")
    # the first row merges by the decision; the second then matches the alias it left
    assert merged.files[0]["merged"] == 2 and list(merged.merges.rule) == [MERGE_RULES["review"], MERGE_RULES["name"]]
    firm = sqlite_store.nodes("Enterprise").iloc[0]
    assert firm["aliases"] == ["宜兴市华通环保水处里科技有限公司"] and firm["town"] == "高塍镇"
    fresh = csv_file([["企业名称"], ["宜兴市华通环保水处里科技有限公司"]], name="c.csv")
    # an alias now matches exactly, so the name resolves without review
    assert ingest_files(sqlite_store, [fresh]).files[0]["merged"] == 1


def test_separate_decision_creates_its_own_record(sqlite_store, csv_file, tmp_path):
    ingest_files(sqlite_store, [csv_file([["企业名称"], ["宜兴市华通环保水处理科技有限公司"]], name="a.csv")])
    typo = csv_file([["企业名称"], ["宜兴市华通环保水处里科技有限公司"]], name="b.csv")
    held = ingest_files(sqlite_store, [typo])
    decisions = held.reviews.assign(decision="不合并")
    decisions.to_csv(tmp_path / "d.csv", index=False)
    report = ingest_files(sqlite_store, [typo], accept_review=tmp_path / "d.csv")
    assert report.files[0]["written"] == 1
    assert len(sqlite_store.nodes("Enterprise")) == 2


def test_updated_file_updates_properties_and_adds_history(store, csv_file):
    header = ["企业名称", "统一社会信用代码", "营业收入(万元)", "高新技术企业认定年份"]
    ingest_files(store, [csv_file([header, ["宜兴华通环保科技有限公司", FIRM, "1000", "2018"]], name="v1.csv")])
    ingest_files(store, [csv_file([header, ["宜兴华通环保科技有限公司", FIRM, "1500万元", "2021"]], name="v1.csv")])
    firm = store.nodes(ids=[FIRM]).iloc[0]
    assert firm["revenue"] == 1500.0 and firm["tier"] == "高新技术企业" and firm["tier_year"] == 2018
    assert sorted(store.relationships("REACHED_TIER").key) == ["2018", "2021"]
    # an older row of a lower tier never lowers the current tier
    ingest_files(store, [csv_file([["企业名称", "梯次", "认定年份"], [FIRM, "专精特新", "2022"]], name="t.csv")])
    ingest_files(store, [csv_file([["统一社会信用代码", "梯次", "认定年份"], [FIRM, "科小", "2015"]], name="u.csv")])
    firm = store.nodes(ids=[FIRM]).iloc[0]
    assert (firm["tier"], firm["tier_year"]) == ("专精特新", 2022)


def test_a_merge_that_changes_a_field_is_noted_and_a_vaguer_date_keeps_the_precise_one(store, csv_file):
    header = ["企业名称", "统一社会信用代码", "营业收入(万元)", "成立日期"]
    ingest_files(store, [csv_file([header, ["宜兴华通环保科技有限公司", FIRM, "4000", "2016-03-08"]], name="a.csv")])
    again = ingest_files(store, [csv_file([header, ["宜兴华通环保科技有限公司", FIRM, "4000", "2016-03-08"]],
                                          name="a.csv")])
    assert again.notes.empty  # the same values: nothing to say, nothing changed
    report = ingest_files(store, [csv_file([header, ["宜兴华通环保科技有限公司", FIRM, "5000", "2016.3"]],
                                           name="b.csv")])
    firm = store.nodes(ids=[FIRM]).iloc[0]
    assert firm["revenue"] == 5000.0  # the newer file's value is kept ...
    assert firm["founded"] == "2016-03-08"  # ... but 2016-03 only blurs 2016-03-08: the precise date stays
    notes = report.notes
    assert list(notes.field) == ["revenue"] and notes.iloc[0]["row"] == 2
    assert "4000" in notes.iloc[0]["note"] and "5000" in notes.iloc[0]["note"] and " / " in notes.iloc[0]["note"]


def test_collaborations_are_recomputed_from_all_participations(sqlite_store, csv_file):
    orgs = csv_file([["单位名称", "类型", "统一社会信用代码"], ["宜兴甲科技有限公司", "企业", FIRM],
                     ["江南大学", "高校", UNI], ["宜兴乙科技有限公司", "企业", FIRM2]], name="o.csv")
    header = ["项目编号", "承担单位", "角色", "立项年份"]
    p1 = csv_file([header, ["P1", "宜兴甲科技有限公司", "牵头", "2019"], ["P1", "江南大学", "参与", "2019"]],
                  name="p1.csv")
    ingest_files(sqlite_store, [orgs, p1])
    p2 = csv_file([header, ["P2", FIRM, "牵头", "2022"], ["P2", "江南大学", "参与", "2022"],
                   ["P2", "宜兴乙科技有限公司", "参与", "2022"], ["P2", "宜兴不存在有限公司", "参与", "2022"]],
                  name="p2.csv")
    report = ingest_files(sqlite_store, [p2])
    assert report.rejections.loc[0, "field"] == "organisation"
    collaborations = sqlite_store.relationships("COLLABORATES_WITH").set_index("source")
    assert collaborations.loc[FIRM, "weight"] == 2.0
    assert (collaborations.loc[FIRM, "year"], collaborations.loc[FIRM, "last_year"]) == (2019, 2022)
    assert collaborations.loc[FIRM2, "weight"] == 1.0
    before = snapshot(sqlite_store)
    ingest_files(sqlite_store, [p1, p2])
    assert before[1].equals(snapshot(sqlite_store)[1])


def test_derived_collaboration_carries_the_first_joint_projects_date(sqlite_store, csv_file):
    orgs = csv_file([["单位名称", "类型", "统一社会信用代码"], ["宜兴甲科技有限公司", "企业", FIRM],
                     ["江南大学", "高校", UNI], ["宜兴乙科技有限公司", "企业", FIRM2]], name="o.csv")
    header = ["项目编号", "承担单位", "角色", "立项日期"]
    projects = csv_file([header, ["P1", FIRM, "牵头", "2025-08-15"], ["P1", "江南大学", "参与", "2025-08-15"],
                         ["P0", FIRM, "牵头", "2023-03-01"], ["P0", "江南大学", "参与", "2023-03-01"]], name="p.csv")
    year_only = csv_file([["项目编号", "承担单位", "角色", "立项年份"], ["P2", FIRM2, "牵头", "2025"],
                          ["P2", "江南大学", "参与", "2025"]], name="y.csv")
    ingest_files(sqlite_store, [orgs, projects, year_only])
    collaborations = sqlite_store.relationships("COLLABORATES_WITH").set_index("source")
    assert (collaborations.loc[FIRM, "year"], collaborations.loc[FIRM, "date"]) == (2023, "2023-03-01")
    assert collaborations.loc[FIRM, "last_year"] == 2025
    assert collaborations.loc[FIRM2, "year"] == 2025 and pd.isna(collaborations.loc[FIRM2, "date"])  # year only
    from analysis.indicators import indicators  # a monthly report sees the new collaboration in its month

    march = indicators(sqlite_store, period="2023-03")
    row = march[(march["indicator"].str.startswith("新增产学研合作")) & (march["town"] == "all")].iloc[0]
    assert row["value"] == 1.0


def test_relationships_table_resolves_and_rejects(sqlite_store, csv_file):
    orgs = csv_file([["机构名称", "类型", "统一社会信用代码"], ["宜兴甲科技有限公司", "企业", FIRM],
                     ["宜兴新动能基金", "基金", ""], ["宜兴市科学技术局", "部门", ""]], name="o.csv")
    rels = csv_file([["起点", "终点", "关系类型", "年份", "金额(万元)"],
                     ["宜兴新动能基金", FIRM, "投资", "2023", "0.5亿元"],
                     ["宜兴市科学技术局", "宜兴甲科技有限公司", "LIAISES_WITH", "2023", ""],
                     ["宜兴新动能基金", "宜兴没有公司", "INVESTS_IN", "2023", ""],
                     ["宜兴新动能基金", FIRM, "LIKES", "2023", ""],
                     [FIRM, "宜兴新动能基金", "INVESTS_IN", "2023", ""]], name="r.csv")
    report = ingest_files(sqlite_store, [rels, orgs])
    _invariant(report)
    rel_entry = next(f for f in report.files if f["table"] == "relationships")
    assert (rel_entry["written"], rel_entry["rejected"]) == (2, 3)
    reasons = report.rejections.set_index("row")
    assert reasons.loc[4, "field"] == "target" and "宜兴没有公司" in reasons.loc[4, "reason"]
    assert reasons.loc[5, "field"] == "type" and "LIKES" in reasons.loc[5, "reason"]
    assert reasons.loc[6, "field"] == "source" and "Enterprise" in reasons.loc[6, "reason"]
    invest = sqlite_store.relationships("INVESTS_IN").iloc[0]
    assert invest["amount"] == 5000.0 and invest["target"] == FIRM


def test_mapping_file_and_kind_option(sqlite_store, csv_file, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("学校名称: name\n主管部门: ''\n所在地: city\n", encoding="utf-8")
    unis = csv_file([["序号", "学校名称", "学校标识码", "主管部门", "所在地"],
                     ["1", "江南大学", "4132010295", "教育部", "无锡市"],
                     ["2", "江 南 大 学", "4132010295", "教育部", "无锡市"]], name="u.csv")
    report = ingest_files(sqlite_store, [unis], kind="高校", mapping=mapping)
    _invariant(report)
    assert "主管部门" in report.files[0]["ignored_columns"] and "序号" in report.files[0]["ignored_columns"]
    node = sqlite_store.nodes("University").iloc[0]
    assert (node["id"], node["city"], node["category"]) == ("moe:4132010295", "无锡市", "高校")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"学校名称": "colour"}), encoding="utf-8")
    with pytest.raises(IngestError, match="colour"):
        ingest_files(sqlite_store, [unis], mapping=bad)
    with pytest.raises(SchemaError):
        ingest_files(sqlite_store, [unis], kind="Spaceship")


def test_unreadable_file_among_good_ones_writes_nothing(sqlite_store, csv_file, tmp_path):
    good = csv_file([["企业名称"], ["宜兴甲科技有限公司"]])
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(IngestError, match="junk.xlsx"):
        ingest_files(sqlite_store, [good, junk])
    assert sqlite_store.counts() == {"nodes": {}, "relationships": {}}


def test_unrecognised_table_says_what_to_do(sqlite_store, csv_file):
    with pytest.raises(IngestError, match="--table"):
        ingest_files(sqlite_store, [csv_file([["颜色", "大小"], ["红", "大"]])])


def test_events_and_outcomes(sqlite_store, csv_file):
    orgs = csv_file([["单位名称", "类型"], ["宜兴甲科技有限公司", "企业"], ["江南大学", "高校"]], name="o.csv")
    events = csv_file([["活动编号", "活动名称", "活动日期", "参会单位", "对接单位", "对接结果"],
                       ["E1", "对接会", "2023年5月", "宜兴甲科技有限公司", "江南大学", "签约"],
                       ["E1", "对接会", "2023年5月", "宜兴甲科技有限公司", "江南大学", "签约"],
                       ["E1", "对接会", "2023年5月", "江南大学", "宜兴甲科技有限公司", "签约"],
                       ["E1", "对接会", "2023年5月", "宜兴甲科技有限公司", "江南大学", "maybe"],
                       ["E1", "对接会", "2023年5月", "宜兴甲科技有限公司", "", "跟进"]], name="e.csv")
    report = ingest_files(sqlite_store, [orgs, events])
    _invariant(report)
    entry = next(f for f in report.files if f["table"] == "events")
    assert (entry["written"], entry["merged"], entry["rejected"]) == (1, 1, 3)
    met = sqlite_store.relationships("MET").iloc[0]
    assert (met["key"], met["outcome"], met["year"]) == ("E1", "signed", 2023)
    event = sqlite_store.nodes("Event").iloc[0]
    assert (event["id"], event["date"], event["year"]) == ("event:E1", "2023-05", 2023)  # a month, no day


def test_report_excel_has_every_sheet_and_formulas_stay_text(sqlite_store, csv_file, tmp_path):
    path = csv_file([["企业名称", "统一社会信用代码"], ["=1+1", ""], ["@SUM(A1)", "X"]])
    report = ingest_files(sqlite_store, [path])
    _invariant(report)
    out = write_ingest_report(report, tmp_path / "ingest_report.xlsx")
    import openpyxl

    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["汇总 summary", "拒绝 rejected", "合并 merged", "待审核 review", "迁移 migrated",
                                   "跳过 skipped", "提示 notes"]
    assert workbook["汇总 summary"]["A1"].value == "文件 / path"
    assert all(cell.data_type != "f" for row in workbook["拒绝 rejected"].iter_rows() for cell in row)
    assert workbook["拒绝 rejected"].freeze_panes == "A2"
    assert sqlite_store.nodes("Enterprise").iloc[0]["name"] == "=1+1"


def test_one_sheet_only_and_progress_bars(sqlite_store, xlsx_file):
    path = xlsx_file({"企业": [["企业名称", "所属镇"], ["宜兴甲科技有限公司", "高塍镇"]],
                      "高校院所": [["单位名称", "类型"], ["江南大学", "高校"]]})
    report = ingest_files(sqlite_store, path, sheet="高校院所", progress=True)
    assert [(f["sheet"], f["written"]) for f in report.files] == [("高校院所", 1)]
    assert list(sqlite_store.nodes().kind) == ["University"]
    report = ingest_files(sqlite_store, [path])
    assert [f["sheet"] for f in report.files] == ["企业", "高校院所"]
    assert report.to_dict()["files"] == [{"path": str(path), "rows_read": 2, "written": 2, "merged": 0,
                                          "rejected": 0, "held_for_review": 0}]


def test_public_list_style_file_with_mapping(store, tmp_path):
    """The shape of the outside check: a listed-company list with a BOM, ST prefixes, full-width letters,
    a title row, codes as numbers and an unknown column, loaded with a mapping file, twice."""
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"公司全称": "name", "信用代码证号": "uscc", "证券简称": "aliases",
                                   "证券代码": None, "注册地所在镇": "town", "上市日期": "listed_year",
                                   "营业总收入(元)": "revenue"}, ensure_ascii=False), encoding="utf-8")
    codes = [uscc.with_check_digit(f"91320282MA1{c}00010") for c in "ABCDE"]
    rows = [["2024年宜兴市上市公司名单"], ["证券代码", "证券简称", "公司全称", "信用代码证号", "注册地所在镇", "上市日期",
                                   "营业总收入(元)", "备注"],
            ["300090", "*ST盛运", "宜兴盛运环保科技股份有限公司", codes[0], "高塍镇", "2010-06-25", "1,234,567,890", ""],
            ["002005", "ＳＴ德豪", "宜兴德豪Ｌｅｄ照明股份有限公司", codes[1].lower(), "宜城街道", "2004/6/25", "5000万元", "x"],
            ["688001", "华兴源创", "宜兴华兴源创科技股份有限公司", codes[2], "丁蜀镇", "20190722", "", ""],
            ["688002", "华兴源创", "宜兴华兴源创科技股份有限公司", codes[2], "丁蜀镇", "20190722", "", ""],
            ["600001", "坏代码", "宜兴坏代码股份有限公司", codes[3][:-1] + "0", "官林镇", "2001", "", ""],
            ["600002", "无代码", "宜兴无代码股份有限公司", "", "官林镇", "", "", ""]]
    path = tmp_path / "listed.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        import csv

        csv.writer(handle).writerows(rows)
    report = ingest_files(store, [path], mapping=mapping, kind="企业")
    _invariant(report)
    entry = report.to_dict()["files"][0]
    assert (entry["rows_read"], entry["written"], entry["merged"], entry["rejected"]) == (6, 4, 1, 1)
    assert report.rejections.loc[0, "row"] == 7 and report.rejections.loc[0, "field"] == "uscc"
    firms = store.nodes("Enterprise").set_index("id")
    assert firms.loc[codes[0], "revenue"] == 123456.789
    assert firms.loc[codes[1], "name"] == "宜兴德豪Led照明股份有限公司"
    assert firms.loc[codes[0], "tier"] == "科技上市企业" and firms.loc[codes[0], "tier_year"] == 2010
    assert "备注" in report.files[0]["ignored_columns"]
    before = snapshot(store)
    again = ingest_files(store, [path], mapping=mapping, kind="企业")
    assert again.to_dict() == report.to_dict()
    after = snapshot(store)
    assert before[0].equals(after[0]) and before[1].equals(after[1])


def test_a_firm_that_moves_town_is_located_in_the_new_town_only(store, tmp_path):
    """a_2024.csv (徐舍镇) then b_2025.csv (杨巷镇) for one USCC: the firm is LOCATED_IN 杨巷镇 only, its other
    relationships and properties stay, the change is noted; two rows of one file, and a record known by name that
    gets its USCC in another town, end the same way; re-running changes nothing."""
    code, other = uscc.with_check_digit("91320282MA2000210"), uscc.with_check_digit("91320282MA2000220")
    header = ["企业名称", "统一社会信用代码", "所属镇", "营业收入(万元)", "高新技术企业认定年份"]
    first = write_csv(tmp_path / "a_2024.csv", [header, ["宜兴市迁址科技有限公司", code, "徐舍镇", "500", "2021"],
                                           ["宜兴市名录科技有限公司", "", "丁蜀镇", "80", ""]])
    second = write_csv(tmp_path / "b_2025.csv", [header, ["宜兴市迁址科技有限公司", code, "杨巷镇", "650", ""],
                                            ["宜兴市名录科技有限公司", other, "官林镇", "", ""]])
    projects = write_csv(tmp_path / "p.csv", [["项目编号", "承担单位", "立项年份"], ["P1", "宜兴市迁址科技有限公司", "2024"]])
    ingest_files(store, [first, projects])
    report = ingest_files(store, [second])
    located = store.relationships("LOCATED_IN")
    assert sorted(zip(located.source, located.target)) == [(code, "town:杨巷镇"), (other, "town:官林镇")]
    firm = store.nodes("Enterprise").set_index("id").loc[code]
    assert (firm["town"], firm["revenue"], firm["tier"]) == ("杨巷镇", 650, "高新技术企业")
    assert store.relationships("PARTICIPATES_IN").source.tolist() == [code]
    assert store.relationships("REACHED_TIER").source.tolist() == [code]
    assert any("徐舍镇" in n and "杨巷镇" in n for n in report.notes.note)
    before = snapshot(store)
    ingest_files(store, [second])  # the same command again: nothing changes
    after = snapshot(store)
    assert before[0].equals(after[0]) and before[1].equals(after[1])
    ingest_files(store, [first, second, projects])  # both files in one call: one town per firm, as its town says
    before = snapshot(store)
    ingest_files(store, [first, second, projects])
    after = snapshot(store)
    assert before[0].equals(after[0]) and before[1].equals(after[1])
    firms = store.nodes("Enterprise").set_index("id").town
    located = store.relationships("LOCATED_IN")
    assert sorted(zip(located.source, located.target)) == sorted((i, f"town:{t}") for i, t in firms.items())
    both = write_csv(tmp_path / "both.csv", [header[:3], ["宜兴市名录科技有限公司", other, "徐舍镇"],
                                        ["宜兴市名录科技有限公司", other, "杨巷镇"]])
    ingest_files(store, [both])
    located = store.relationships("LOCATED_IN")
    assert sorted(zip(located.source, located.target)) == [(code, "town:杨巷镇"), (other, "town:杨巷镇")]
