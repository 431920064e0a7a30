import datetime as dt

import pytest

from ingest.normalise import (
    clean_name,
    name_key,
    parse_amount,
    parse_date,
    parse_int,
    parse_list,
    parse_outcome,
    parse_percent,
    parse_year,
)


@pytest.mark.parametrize("raw", ["2023年5月1日", "2023/5/1", "2023-05-01", "2023.5.1", "20230501", 20230501,
                                 dt.datetime(2023, 5, 1, 9, 30), dt.date(2023, 5, 1), "２０２３年５月１日"])
def test_dates_in_every_form(raw):
    assert parse_date(raw) == "2023-05-01"


@pytest.mark.parametrize("raw", ["2023年5月", "2023.5", "2023/05", "202305"])
def test_month_dates_give_the_first(raw):
    assert parse_date(raw) == "2023-05-01"


@pytest.mark.parametrize("raw", ["明年", "2023-13-01", "1800-01-01", "2023年2月30日", "abc", 45047, "45047", 2023.13])
def test_bad_dates_say_what_is_expected(raw):
    with pytest.raises(ValueError):
        parse_date(raw)


def test_years():
    assert parse_year("2021年") == 2021
    assert parse_year(2019.0) == 2019
    assert parse_year("2018-09-30") == 2018
    assert parse_year(None) is None
    with pytest.raises(ValueError, match="outside"):
        parse_year("2150")


@pytest.mark.parametrize(("raw", "expected"), [("1.2亿元", 12000.0), ("350万元", 350.0), ("1,500,000元", 150.0),
                                               ("３５０", 350.0), (350, 350.0), ("￥2亿", 20000.0),
                                               ("-5万元", -5.0), ("", None), ("--", None)])
def test_amounts_in_wan_yuan(raw, expected):
    assert parse_amount(raw) == expected


def test_amount_rejects_text():
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount("很多")


def test_percent_and_int():
    assert parse_percent("35%") == 35.0
    assert parse_percent("0.35") == 35.0
    assert parse_percent(62.5) == 62.5
    with pytest.raises(ValueError):
        parse_percent("135%")
    assert parse_int("1,200人") == 1200
    with pytest.raises(ValueError, match="whole"):
        parse_int("3.5")


def test_lists_split_on_chinese_separators():
    assert parse_list("环保、水处理，膜材料;污泥；固废/土壤") == ["环保", "水处理", "膜材料", "污泥", "固废", "土壤"]
    assert parse_list("紫砂 陶瓷") == ["紫砂", "陶瓷"]
    assert parse_list("machine learning") == ["machine learning"]
    assert parse_list("环保、环保") == ["环保"]


def test_names_and_keys():
    assert clean_name("宜兴 华通\n环保（集团）有限公司") == "宜兴华通环保(集团)有限公司"
    assert clean_name("Jiangsu  Tongda Co., Ltd.") == "Jiangsu Tongda Co., Ltd."
    variants = ["宜兴华通环保科技有限公司", "宜兴华通环保科技有限责任公司", "宜兴华通环保科技股份有限公司",
                "宜兴华通环保科技（集团）有限公司", "宜兴 华通环保科技有限公司", "【宜兴】华通环保科技有限公司".replace("【宜兴】", "宜兴"),
                "ＳＴ宜兴华通环保科技有限公司", "*ST宜兴华通环保科技"]
    assert {name_key(v) for v in variants} == {"宜兴华通环保科技"}
    assert name_key("宜兴华通环保科技有限公司") != name_key("宜兴华达环保科技有限公司")


@pytest.mark.parametrize(("raw", "expected"), [("签约", "signed"), ("已签约", "signed"), ("signed", "signed"),
                                               ("跟进", "follow-up"), ("待跟进", "follow-up"), ("无", "none"),
                                               ("未达成", "none"), (None, None)])
def test_outcomes(raw, expected):
    assert parse_outcome(raw) == expected


def test_unknown_outcome():
    with pytest.raises(ValueError, match="signed / follow-up / none"):
        parse_outcome("maybe")


@pytest.mark.parametrize(("raw", "expected"), [(2023.5, "2023-05-01"), (2022.12, "2022-12-01"), (2019.1, "2019-01-01"),
                                               (2023, "2023-01-01"), (dt.datetime(1905, 7, 15), "2023-01-01"),
                                               (dt.datetime(1905, 7, 15, 12), "2023-05-01")])
def test_numbers_typed_as_year_month_are_never_1905(raw, expected):
    assert parse_date(raw, earliest=1950) == expected


def test_ambiguous_month_and_year_month_years():
    from ingest.normalise import date_note

    assert "2019" in date_note(2019.1) and date_note(2019.11) is None
    assert parse_year(2022.12) == 2022 and parse_year(dt.datetime(1905, 7, 14), earliest=1950) == 2022
    with pytest.raises(ValueError, match="1890"):
        parse_date("1890-01-01", earliest=1950)


def test_header_aliases_are_their_own_simplified_form():
    """ingest.fields builds its alias index without the converter: a Traditional header folds onto these."""
    from graph.text import simplified
    from ingest.fields import TABLES, field_for_header

    aliases = {alias for fields in TABLES.values() for field, names in fields.items() for alias in [field, *names]}
    assert [alias for alias in aliases if simplified(alias) != alias] == []
    assert field_for_header("企業名稱", "organisations") == "name"
    assert field_for_header("所屬鎮（街道）", "organisations") == "town"


def test_ids_are_built_without_the_fold_and_two_surnames_stay_two_people(tmp_path):
    """於 and 于 are two surnames: the talent ids (identity_key) keep them apart; organisations meet (name_key)."""
    from graph.sqlite_store import SQLiteStore
    from ingest.normalise import identity_key, name_key
    from ingest.pipeline import ingest_files

    assert name_key("宜興環保") == name_key("宜兴环保") and identity_key("宜興環保") != identity_key("宜兴环保")
    path = tmp_path / "talents.csv"
    path.write_text("姓名,工作单位\n於明,江南大学\n于明,江南大学\n", encoding="utf-8")
    store = SQLiteStore(":memory:")
    ingest_files(store, [path])
    assert store.counts()["nodes"].get("Talent") == 2
