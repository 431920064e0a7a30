"""Indicators of the 12 actions."""

from __future__ import annotations

import math
import random

import pytest

from analysis.indicators import NO_DATA, indicators
from graph import SQLiteStore
from graph.schema import TIERS, tier_id


def _value(table, action, name_part, year, town="all"):
    rows = table[(table.action == action) & table.indicator.str.contains(name_part, regex=False)
                 & (table.year == year) & (table.town == town)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_every_action_has_an_indicator_and_first_column_is_action(eco_store) -> None:
    table = indicators(eco_store)
    assert table.columns[0] == "action"
    assert sorted(table.action.unique()) == list(range(1, 13))
    assert set(table.year) == {2021, 2022, 2023}


def test_measured_values_and_changes(eco_store) -> None:
    table = indicators(eco_store)
    row = _value(table, 3, "new high-tech", 2023)
    assert row.value == 2 and row.change == 1 and row.status == "ok"
    assert _value(table, 12, "investment amount", 2023).value == 500
    assert _value(table, 10, "科技副总 seconded", 2022, town="丁蜀镇").value == 1
    assert _value(table, 10, "科技副总 seconded", 2022, town="高塍镇").value == 0


def test_missing_input_says_no_data(eco_store) -> None:
    table = indicators(eco_store)
    projects = _value(table, 6, "national & provincial", 2023)
    assert projects.status == NO_DATA and math.isnan(projects.value)
    assert "PARTICIPATES_IN" in projects.input
    history_less = _value(table, 8, "invention patents", 2022)
    assert history_less.status == NO_DATA
    assert _value(table, 8, "invention patents", 2023).value == 12


def test_town_filter(eco_store) -> None:
    table = indicators(eco_store, years=[2023], town="官林镇")
    assert set(table.town) == {"all", "官林镇"}


# ---- per-town values against the city-wide values, on a random ecosystem -------------------------------------

_TOWNS = ("丁蜀镇", "和桥镇", "官林镇", "高塍镇", "宜城街道")
_YEARS = (2020, 2021, 2022, 2023)

#: Indicators whose every counted item belongs to exactly one firm, hence one town: towns must sum to "all".
_ADDITIVE = (
    "enterprises founded", "tech SMEs registered", "new high-tech certificates", "valid high-tech firms",
    "new 专精特新 firms", "national little giants", "new university collaborations", "matchmaking meetings",
    "firms under liaison", "new liaisons", "科技副总 seconded", "firms served by agencies", "funded firms",
    "investment amount", "invention patents (current)", "valid patents (current)",
)


def _random_ecosystem(seed: int = 5) -> tuple[SQLiteStore, dict]:
    """About 120 firms over five towns with random tiers and dated ties; returns the store and what was written."""
    rng = random.Random(seed)
    store = SQLiteStore(":memory:")
    firms = {f"e{i}": rng.choice(_TOWNS) for i in range(120)}
    store.upsert_nodes("Tier", [{"id": tier_id(t), "name": t, "rank": i} for i, t in enumerate(TIERS, start=1)])
    store.upsert_nodes("University", [{"id": f"u{i}", "name": f"大学{i}"} for i in range(6)])
    store.upsert_nodes("Talent", [{"id": f"t{i}", "name": f"专家{i}"} for i in range(30)])
    store.upsert_nodes("Fund", [{"id": "f1", "name": "基金"}])
    store.upsert_nodes("ServiceAgency", [{"id": "a1", "name": "服务机构"}])
    store.upsert_nodes("Department", [{"id": "d1", "name": "市科技局"}])
    store.upsert_nodes("Enterprise", [
        {"id": e, "name": f"企业{e}", "town": town, "founded": f"{rng.randint(2015, 2023)}-05-01",
         "patents": rng.randint(0, 9), "invention_patents": rng.randint(0, 3)} for e, town in firms.items()
    ])
    history = []
    for e in firms:
        year = rng.randint(2017, 2023)
        history.append((e, TIERS[0], year, {}))
        if rng.random() < 0.6:
            granted = min(year + rng.randint(0, 2), 2023)  # 2023 is the latest year: the snapshot's as_of
            history.append((e, TIERS[1], granted, {"valid_until": granted + 3}))
            if granted <= 2020 and rng.random() < 0.5:
                history.append((e, TIERS[1], granted + 3, {"valid_until": granted + 6}))
            if granted <= 2022 and rng.random() < 0.3:
                history.append((e, TIERS[2], granted + 1, {"level": rng.choice(["省级", "国家级小巨人"])}))
    store.upsert_relationships("REACHED_TIER", [
        {"source": e, "target": tier_id(t), "key": f"{t}{y}", "year": y, **extra} for e, t, y, extra in history
    ])
    ids = list(firms)
    collaborations = [(rng.choice(ids), f"u{rng.randrange(6)}", rng.choice(_YEARS)) for _ in range(150)]
    store.upsert_relationships("COLLABORATES_WITH", [
        {"source": e, "target": u, "key": str(k), "year": y} for k, (e, u, y) in enumerate(collaborations)
    ])
    store.upsert_relationships("MET", [
        {"source": rng.choice(ids), "target": f"u{rng.randrange(6)}", "key": str(k), "year": rng.choice(_YEARS),
         "outcome": rng.choice(["signed", "follow-up", "none"])} for k in range(100)
    ])
    store.upsert_relationships("LIAISES_WITH", [
        {"source": "d1", "target": e, "key": str(y), "year": y} for e in rng.sample(ids, 40) for y in [rng.choice(_YEARS)]
    ])
    store.upsert_relationships("SECONDED_TO", [
        {"source": f"t{k}", "target": rng.choice(ids), "role": "科技副总", "year": rng.choice(_YEARS)} for k in range(30)
    ])
    store.upsert_relationships("SERVES", [
        {"source": "a1", "target": rng.choice(ids), "key": str(k), "year": rng.choice(_YEARS), "service_type": "知识产权"}
        for k in range(80)
    ])
    store.upsert_relationships("INVESTS_IN", [
        {"source": "f1", "target": rng.choice(ids), "key": str(k), "year": rng.choice(_YEARS),
         "amount": float(rng.randint(10, 900))} for k in range(25)
    ])
    return store, {"firms": firms, "history": history, "collaborations": collaborations}


@pytest.fixture(scope="module")
def random_table() -> tuple:
    store, written = _random_ecosystem()
    table = indicators(store, years=_YEARS[1:])
    store.close()
    return table, written


@pytest.mark.parametrize("name", _ADDITIVE)
def test_towns_sum_to_the_city_wide_value(random_table, name) -> None:
    table, _ = random_table
    rows = table[table.indicator.str.contains(name, regex=False)]
    assert len(rows) and (rows.status == "ok").any()
    city = rows[rows.town == "all"].set_index("year")
    towns = rows[rows.town != "all"]
    assert set(towns.town) == set(_TOWNS)
    sums = towns.groupby("year")[["value", "change"]].sum(min_count=1)
    assert sums["value"].fillna(-1).to_dict() == pytest.approx(city["value"].fillna(-1).to_dict())
    assert sums["change"].fillna(-1).to_dict() == pytest.approx(city["change"].fillna(-1).to_dict())
    assert city["value"].max() > 0  # the random ecosystem gives every additive indicator something to count


def test_per_town_values_match_a_direct_count(random_table) -> None:
    table, written = random_table
    firms, history = written["firms"], written["history"]
    for year in _YEARS[1:]:
        for town in _TOWNS:
            collaborations = sum(1 for e, _, y in written["collaborations"] if y == year and firms[e] == town)
            assert _value(table, 7, "new university collaborations", year, town).value == collaborations
            valid = {e for e, t, y, extra in history
                     if t == TIERS[1] and y <= year <= extra["valid_until"] and firms[e] == town}
            assert _value(table, 3, "valid high-tech", year, town).value == len(valid)
            founded_before = _value(table, 1, "enterprises founded", year - 1, town).value if year > 2021 else None
            if founded_before is not None:
                row = _value(table, 1, "enterprises founded", year, town)
                assert row.change == row.value - founded_before


def test_change_is_on_the_year_before_even_when_years_skip(eco_store) -> None:
    table = indicators(eco_store, years=[2021, 2023])
    assert set(table.year) == {2021, 2023}
    full = indicators(eco_store, years=[2022, 2023])
    skipped = _value(table, 3, "new high-tech", 2023)
    assert skipped.change == _value(full, 3, "new high-tech", 2023).change == 1


def test_a_rates_year_to_date_is_the_rate_over_the_years_records(eco_store) -> None:
    """对接签约率 in 2023-Q3: no meeting in the quarter, but the three meetings dated this year to September, one signed,
    give 33.3 % (the year-only 2023 meeting is not known before the year ends)."""
    eco_store.upsert_relationships("MET", [
        {"source": "e1", "target": "u1", "key": "m1", "outcome": "signed", "year": 2023, "date": "2023-02"},
        {"source": "e1", "target": "u2", "key": "m2", "outcome": "follow-up", "year": 2023, "date": "2023-05"},
        {"source": "e2", "target": "u1", "key": "m3", "outcome": "follow-up", "year": 2023, "date": "2023-06"},
    ])
    table = indicators(eco_store, period="2023-Q3", town="高塍镇")
    row = table[table.indicator.str.contains("meetings signed") & (table.town == "高塍镇")].iloc[0]
    assert math.isnan(row.value) and row.status == NO_DATA  # no meeting in July–September
    assert row.ytd == pytest.approx(100 / 3)
    stock = table[table.indicator.str.contains("valid high-tech") & (table.town == "高塍镇")].iloc[0]
    assert stock.ytd == stock.value  # a stock's year to date is its value at the period's end
