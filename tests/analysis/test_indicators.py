"""Indicators of the 12 actions."""

from __future__ import annotations

import math

from analysis.indicators import NO_DATA, indicators


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
