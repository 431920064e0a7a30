"""Targets (目标任务分解) from a workbook laid out as a bureau lays it out, read against the indicators."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook

from analysis.indicators import indicators
from analysis.periods import Period
from analysis.targets import match_indicator, target_progress, target_table, town_ranking
from ingest.pipeline import ingest_files


def _bureau_workbook(path):
    book = Workbook()
    wide = book.active
    wide.title = "2023年度目标任务"
    wide.append(["2023年度宜兴市创新型企业培育目标任务分解表"])
    wide.merge_cells("A1:F1")
    wide.append(["单位:家", None, None, None, None, "市科技局 2023年1月"])
    wide.append(["序号", "镇街", "新认定高新技术企业(家)", "科技型中小企业入库(家)", "新增专精特新企业(家)", "备注"])
    wide.append([1, "丁蜀镇", 2, 1, 2, None])
    wide.append([2, "高塍镇", 4, 2, None, "新设"])
    wide.append([3, "官林镇", 1, 1, 1, None])
    wide.append([None, "全市", 8, 5, 3, None])
    long = book.create_sheet("分季度")
    long.append(["2023年分季度目标(累计)"])
    long.append(["镇街", "年度", "季度", "指标", "目标值"])
    long.append(["高塍镇", 2023, "第三季度", "行动3", 3])
    long.append(["高塍镇", 2023, "第四季度", "新认定高新技术企业(家)", 4])
    book.save(path)
    return path


@pytest.fixture
def targeted(eco_store, tmp_path):
    report = ingest_files(eco_store, [_bureau_workbook(tmp_path / "目标任务分解.xlsx")])
    assert report.totals()["rejected"] == 0, report.to_dict()
    return eco_store


def test_bureau_workbook_is_read(targeted) -> None:
    table = target_table(targeted)
    assert len(table) == 3 * 4 - 1 + 2  # 高塍镇 has no 专精特新 target (blank cell), the 备注 column is no target
    assert set(table["town"]) == {"丁蜀镇", "高塍镇", "官林镇", "全市"}
    assert table["indicator"].notna().all()
    assert set(table["period"]) == {"2023", "2023-Q3", "2023-Q4"}
    quarters = table[table["period"].str.contains("Q")].set_index("period")
    # the long layout: a unit written in the indicator itself is the target's unit; an action number names none
    assert quarters.loc["2023-Q4", "unit"] == "家" and pd.isna(quarters.loc["2023-Q3", "unit"])


def test_completion_and_ranking_match_the_indicators(targeted) -> None:
    progress = target_progress(targeted, "2023")
    values = indicators(targeted, period="2023")
    for row in progress[progress["status"] == "ok"].itertuples(index=False):
        place = "all" if row.town == "全市" else row.town
        ytd = values[(values["indicator"] == row.indicator) & (values["town"] == place)]["ytd"]
        actual = float(ytd.iloc[0]) if len(ytd) else 0.0
        assert row.actual == actual and row.completion == pytest.approx(actual / row.target)
        assert row.gap == pytest.approx(row.target - actual)
    high_tech = progress[(progress["indicator"] == match_indicator("高企")) & (progress["target_period"] == "2023")]
    # 2023: e1 and e6 re-certified (both 高企 of 丁蜀镇 / 高塍镇 ...): the ranking follows the completion rates
    towns = high_tech[high_tech["town"] != "全市"].sort_values("rank")
    assert towns["completion"].is_monotonic_decreasing
    assert (high_tech["elapsed"] == 1.0).all()
    ranking = town_ranking(progress)
    assert ranking["rank"].tolist() == sorted(ranking["rank"].tolist()) and set(ranking["town"]) <= {
        "丁蜀镇", "高塍镇", "官林镇"}


def test_schedule_and_quarter_targets(targeted) -> None:
    progress = target_progress(targeted, "2023-Q3")
    gaocheng = progress[progress["town"] == "高塍镇"].set_index("target_period")
    assert gaocheng.loc["2023-Q3", "elapsed"] == 1.0  # a quarter target runs to the quarter's end
    yearly = progress[(progress["target_period"] == "2023")]
    assert set(yearly["elapsed"]) == {Period.parse("2023-Q3").elapsed_share(Period.year(2023))} == {0.75}
    assert (yearly["behind"] == (yearly["completion"] < yearly["elapsed"])).all()


def test_a_towns_rank_is_its_place_among_all_towns_and_a_tie_of_all_is_no_rank(targeted) -> None:
    progress = target_progress(targeted, "2023")
    ranked = progress[(progress["town"] != "全市") & progress["rank"].notna()]
    assert len(ranked) and ranked["rank"].max() > 1  # something to rank
    for place in ranked["town"].unique():
        own = target_progress(targeted, "2023", town=place)
        assert set(own["town"]) <= {place, "全市"}
        merged = own.merge(progress, on=["town", "indicator", "target_period"], suffixes=("", "_all"))
        assert len(merged) == len(own)
        assert merged["rank"].equals(merged["rank_all"])  # not re-ranked among the town alone
    # every town at the same rate (here: nothing done yet in the year's first month) → no rank, not "all first"
    january = target_progress(targeted, "2023-01")
    for _, rows in january[january["town"] != "全市"].groupby(["indicator", "target_period"]):
        if rows["completion"].nunique() == 1 and len(rows) > 1:
            assert rows["rank"].isna().all()
    assert not (january.groupby(["indicator", "target_period"])["rank"].apply(
        lambda r: len(r.dropna()) > 1 and r.dropna().nunique() == 1)).any()


def test_a_target_for_a_town_the_store_does_not_know_is_not_ranked(targeted, tmp_path) -> None:
    typo = tmp_path / "typo.csv"
    typo.write_text("镇街,年度,指标,目标值\n高城镇,2023,新认定高新技术企业(家),3\n", encoding="utf-8")
    ingest_files(targeted, [typo])
    progress = target_progress(targeted, "2023")
    row = progress[progress["town"] == "高城镇"].iloc[0]
    assert row["status"] == "unknown town" and pd.isna(row["rank"])  # a typo is not the town ranked last
    assert "高城镇" not in set(town_ranking(progress)["town"])
    assert (progress.loc[progress["town"] == "高塍镇", "status"] != "unknown town").all()


def test_match_indicator() -> None:
    assert match_indicator("有效期内高新技术企业数") == "有效期内高企 / valid high-tech firms"
    assert match_indicator("12") == "基金投资金额 / investment amount"
    assert match_indicator("颜色") is None


def _merged_header_workbook(path):
    """As a bureau lays it out: a title, a units line, two header rows (each indicator merged over 全年 and the
    four quarters; 序号 / 镇街 / 备注 merged down), a 合计 row; 2023 appears only in the title."""
    book = Workbook()
    sheet = book.active
    sheet.title = "目标分解"
    sheet.append(["2023年度宜兴市创新型企业培育目标任务分解表"])
    sheet.merge_cells("A1:M1")
    sheet.append(["填报单位:宜兴市科学技术局", *[None] * 11, "单位:家"])
    sheet.append(["序号", "镇(街道、园区)", "新认定高新技术企业(家)", *[None] * 4, "新增专精特新企业(家)", *[None] * 4,
                  "备注"])
    sheet.append([None, None, *["全年", "一季度", "二季度", "三季度", "四季度"] * 2, None])
    for cells in ("A3:A4", "B3:B4", "C3:G3", "H3:L3", "M3:M4"):
        sheet.merge_cells(cells)
    # 高企: cumulative quarter targets (四季度 = 全年); 专精特新: per-quarter targets that add up to 全年
    sheet.append([1, "丁蜀镇", 2, 0, 0, 1, 2, 2, 0, 1, 0, 1, None])
    sheet.append([2, "高塍镇", 3, 0, 1, 2, 3, 1, 0, 0, 1, 0, None])
    sheet.append([3, "官林镇", 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, "新设"])
    sheet.append(["合计", None, 6, 0, 1, 3, 6, 4, 0, 1, 1, 2, None])
    sheet.merge_cells("A8:B8")
    long = book.create_sheet("按指标")
    long.append(["宜兴市2023年科技型中小企业入库目标"])
    long.append(["序号", "镇街", "指标名称", "计量单位", "2023年目标", None, None, None, None])
    long.append([None, None, None, None, "全年", "一季度", "二季度", "三季度", "四季度"])
    for cells in ("A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:I2"):
        long.merge_cells(cells)
    long.append([1, "丁蜀镇", "科技型中小企业入库", "家", 2, 1, 1, 2, 2])
    long.append([2, "高塍镇", "科技型中小企业入库", "家", 2, 0, 1, 1, 2])
    long.append([3, "官林镇", "科技型中小企业入库", "家", 3, 1, 2, 2, 3])
    long.append(["合计", None, None, None, 7, 2, 4, 5, 7])
    book.save(path)
    return path


def test_merged_two_row_headers_totals_and_quarters(eco_store, tmp_path) -> None:
    report = ingest_files(eco_store, [_merged_header_workbook(tmp_path / "目标任务分解(2023).xlsx")])
    assert report.totals()["rejected"] == 0, report.to_dict()
    table = target_table(eco_store)
    assert table["indicator"].notna().all() and set(table["unit"]) == {"家"}
    keyed = table.set_index(["town", "period", "indicator"])["target"]
    high_tech, srdi = match_indicator("高企"), match_indicator("专精特新")
    sme = match_indicator("科技型中小企业")
    assert keyed[("全市", "2023", high_tech)] == 6  # the 合计 row is the city's target
    assert keyed[("高塍镇", "2023-Q3", high_tech)] == 2  # cumulative quarter targets as written
    assert [keyed[("丁蜀镇", f"2023-Q{q}", srdi)] for q in range(1, 5)] == [0, 1, 1, 2]  # per quarter → cumulative
    assert keyed[("丁蜀镇", "2023", sme)] == 2 and keyed[("官林镇", "2023-Q2", sme)] == 2
    assert ("全市", "2023", sme) not in keyed.index  # a long table's 合计 over its rows names no indicator
    progress = target_progress(eco_store, "2023-Q3")
    values = indicators(eco_store, period="2023-Q3")
    for row in progress.itertuples(index=False):
        assert row.status == ("target 0" if row.target == 0 else "ok")
        place = "all" if row.town == "全市" else row.town
        ytd = values[(values["indicator"] == row.indicator) & (values["town"] == place)]["ytd"]
        actual = float(ytd.iloc[0]) if len(ytd) else 0.0
        assert row.actual == actual and row.completion == pytest.approx(actual / row.target if row.target else
                                                                        float("nan"), nan_ok=True)
        expected = 0.75 if row.target_period == "2023" else 1.0
        assert row.elapsed == expected
    for _, rows in progress[progress["town"] != "全市"].groupby(["indicator", "target_period"]):
        ranked = rows.dropna(subset=["completion"]).sort_values("rank")
        assert ranked["completion"].is_monotonic_decreasing
        if ranked["completion"].nunique() > 1:
            assert ranked["rank"].iloc[0] == 1
        else:  # the same rate everywhere: nobody is ranked
            assert ranked["rank"].isna().all() or len(ranked) == 1
    assert set(town_ranking(progress)["town"]) == {"丁蜀镇", "高塍镇", "官林镇"}


def test_targets_of_another_year_read_as_none(targeted) -> None:
    progress = target_progress(targeted, period="2022-Q3")  # the targets are 2023's
    assert progress.empty and "completion" in progress.columns and town_ranking(progress).empty


def test_one_indicator_under_two_names_is_read_once_and_a_disagreement_is_a_conflict(targeted) -> None:
    """A second workbook names 科技型中小企业入库 differently: 丁蜀镇's value agrees (read once), 高塍镇's (written
    高塍鎮) does not."""
    sme = match_indicator("科小")
    targeted.upsert_nodes("Target", [
        {"id": "target:丁蜀镇:2023:科技型中小企业入库数", "name": "丁蜀镇 2023 科技型中小企业入库数", "town": "丁蜀镇",
         "period": "2023", "indicator": "科技型中小企业入库数", "value": 1.0, "data_source": "另一表.xlsx"},
        {"id": "target:高塍鎮:2023:科技型中小企业入库数", "name": "高塍鎮 2023 科技型中小企业入库数", "town": "高塍鎮",
         "period": "2023", "indicator": "科技型中小企业入库数", "value": 5.0, "data_source": "另一表.xlsx"},
    ])
    table = target_table(targeted)
    assert len(table) == 3 * 4 - 1 + 2 + 2 and "高塍鎮" not in set(table["town"])  # every node; towns in Simplified
    progress = target_progress(targeted, "2023")
    keys = progress[progress["indicator"].notna()][["town", "indicator", "target_period"]]
    assert not keys.duplicated().any()  # one target per place, indicator and target period
    dingshu = progress[(progress["town"] == "丁蜀镇") & (progress["indicator"] == sme)].iloc[0]
    assert dingshu["status"] == "ok" and dingshu["target"] == 1.0 and "两种写法" in dingshu["note"]
    gaocheng = progress[(progress["town"] == "高塍镇") & (progress["indicator"] == sme)].iloc[0]
    assert gaocheng["status"] == "conflict" and gaocheng["target"] == 5.0  # the higher of 2 and 5
    assert "= 2" in gaocheng["note"] and "= 5" in gaocheng["note"] and "另一表.xlsx" in gaocheng["note"]
    ranking = town_ranking(progress).set_index("town")
    year_targets = progress[(progress["target_period"] == "2023") & (progress["town"] != "全市")]
    # each town counts each of its indicators once (the conflict row too: its actual is measured)
    assert ranking["indicators"].to_dict() == year_targets.groupby("town").size().to_dict()
    assert ranking.loc["丁蜀镇", "indicators"] == 3


def test_a_quarter_target_is_ranked_among_the_towns_with_one_and_kept_out_of_the_overall_ranking(targeted) -> None:
    progress = target_progress(targeted, "2023-Q4")
    quarter = progress[progress["target_period"] == "2023-Q4"]
    assert set(quarter["town"]) == {"高塍镇"} and quarter["rank"].tolist() == [1.0]  # first of the one town given it
    ranking = town_ranking(progress)
    assert ranking.set_index("town").loc["高塍镇", "indicators"] == len(
        progress[(progress["town"] == "高塍镇") & (progress["target_period"] == "2023")])


def test_a_conflict_is_shown_in_the_workbook_and_the_report(targeted, tmp_path) -> None:
    from analysis.report import run_analysis
    from api.render.report import workbook_sheets, write_report

    targeted.upsert_nodes("Target", [{"id": "target:高塍镇:2023:科小数", "name": "高塍镇 2023 科小数", "town": "高塍镇",
                                      "period": "2023", "indicator": "科技型中小企业入库数", "value": 5.0,
                                      "data_source": "另一表.xlsx"}])
    result = run_analysis(targeted, period="2023", keep=False)
    sheet = next(s for s in workbook_sheets(result) if s.name == "目标完成 targets")
    conflict = sheet.frame[sheet.frame["status"] == "conflict"]
    assert len(conflict) == 1 and "另一表.xlsx" in conflict["note"].iloc[0]
    html = write_report(result, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "目标值冲突 conflict" in html and "conflicting targets, the higher kept" in html
    assert "季度目标只在下达了该季度目标的镇街中排名" in html


def test_chinese_action_numbers_and_kinds_that_disagree_are_not_matched() -> None:
    assert match_indicator("行动二") == match_indicator("行动2") == "科技型中小企业入库 / tech SMEs registered"
    assert match_indicator("行动十二") == match_indicator("行动12") == "基金投资金额 / investment amount"
    # a flow (新增) never reads a stock (累计), a rate (覆盖率) never a count
    assert match_indicator("新增省级以上研发平台") is None
    assert match_indicator("新增国家级专精特新小巨人") is None
    assert match_indicator("规上工业企业研发机构覆盖率") is None
    assert match_indicator("省级以上研发平台") == "省级以上研发平台累计 / provincial+ platforms"
    assert match_indicator("有效期内高新技术企业数") == "有效期内高企 / valid high-tech firms"
    assert match_indicator("对接签约率") == "对接签约率 / meetings signed"
    assert match_indicator("新增产学研合作项目") == "新增产学研合作 / new university collaborations"


def test_unmatched_and_zero_targets_are_not_rated_nor_ranked(targeted, tmp_path) -> None:
    extra = tmp_path / "extra.csv"
    extra.write_text("镇街,年度,指标,目标值\n官林镇,2023,行动十三,5\n官林镇,2023,新增国家级专精特新小巨人,1\n"
                     "丁蜀镇,2023,新增专精特新企业(家),0\n", encoding="utf-8")
    ingest_files(targeted, [extra])
    progress = target_progress(targeted, "2023")
    unmatched = progress[progress["status"] == "unmatched"]
    assert set(unmatched["as_written"]) == {"行动十三", "新增国家级专精特新小巨人"}
    assert unmatched["actual"].isna().all() and unmatched["completion"].isna().all()
    assert unmatched["rank"].isna().all() and not unmatched["behind"].any()
    zero = progress[(progress["town"] == "丁蜀镇") & (progress["target"] == 0)]
    assert len(zero) == 1 and zero.iloc[0]["status"] == "target 0"
    assert pd.isna(zero.iloc[0]["completion"]) and pd.isna(zero.iloc[0]["rank"])
    ranking = town_ranking(progress).set_index("town")
    rated = progress[progress["status"].isin(["ok", "conflict"]) & (progress["town"] != "全市")
                     & ~progress["target_period"].str.contains("Q")]
    for place, rows in rated.groupby("town"):  # the count and the mean are over the same rated targets
        assert ranking.loc[place, "indicators"] == len(rows)
        assert ranking.loc[place, "mean_completion"] == pytest.approx(rows["completion"].clip(upper=1.2).mean())
    assert ranking.loc["官林镇", "indicators"] == 3


def test_schedule_applies_to_flows_only(targeted, tmp_path) -> None:
    extra = tmp_path / "rates.csv"
    extra.write_text("镇街,年度,指标,目标值\n丁蜀镇,2023,对接签约率,45\n丁蜀镇,2023,发明专利,1000\n", encoding="utf-8")
    ingest_files(targeted, [extra])
    progress = target_progress(targeted, "2023-Q3")
    for name in ("对接签约率 / meetings signed", "发明专利 / invention patents (current)"):
        row = progress[(progress["town"] == "丁蜀镇") & (progress["indicator"] == name)].iloc[0]
        assert pd.isna(row["elapsed"])
        if pd.notna(row["actual"]):
            assert row["schedule_gap"] == pytest.approx(row["target"] - row["actual"])
            assert row["behind"] == bool(row["completion"] < 1)
    flows = progress[progress["target_period"] == "2023"]
    flows = flows[flows["indicator"].str.startswith("新认定高企")]
    assert (flows["elapsed"] == 0.75).all()
