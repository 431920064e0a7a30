import math
from pathlib import Path

import numpy as np
import pytest

from graph.errors import SchemaError
from graph.schema import (
    KINDS,
    RELATIONSHIP_TYPES,
    TIERS,
    check_kind,
    check_type,
    clean_properties,
    markdown_tables,
    tier_id,
    tier_rank,
)


def test_core_kinds_are_the_five_the_bureau_counts():
    assert {k for k, v in KINDS.items() if v.core} == {"Enterprise", "University", "Talent", "Fund", "ServiceAgency"}


def test_every_relationship_joins_known_kinds():
    for rel in RELATIONSHIP_TYPES.values():
        assert set(rel.sources) <= set(KINDS), rel.name
        assert set(rel.targets) <= set(KINDS), rel.name
        assert {"year", "data_source", "weight"} <= set(rel.properties)
        assert not {"source", "target", "type", "key"} & set(rel.properties), "would clash with endpoint columns"


def test_design_relationship_types_are_all_there():
    design = ["COLLABORATES_WITH", "PARTICIPATES_IN", "EMPLOYS", "AFFILIATED_WITH", "SECONDED_TO", "IN_PROGRAM", "INVESTS_IN", "SERVES", "HAS_PLATFORM", "CO_BUILDS", "LIAISES_WITH", "ATTENDED", "MET", "LOCATED_IN", "IN_INDUSTRY"]
    assert set(design) <= set(RELATIONSHIP_TYPES)


@pytest.mark.parametrize("bad", ["Company", "enterprise", "", None, "Entity"])
def test_unknown_kind_is_a_value_error_naming_it(bad):
    with pytest.raises(ValueError, match="unknown node kind"):
        check_kind(bad)


def test_unknown_type_lists_the_known_ones():
    with pytest.raises(SchemaError, match="COLLABORATES_WITH"):
        check_type("KNOWS")


def test_tier_ladder_order_and_aliases():
    assert [tier_rank(t) for t in TIERS] == [1, 2, 3, 4, 5]
    assert tier_rank("高企") == 2 and tier_rank("小巨人") == 3 and tier_rank("Listed") == 5
    assert tier_id("科小") == "tier:科技型中小企业"
    with pytest.raises(SchemaError, match="unknown tier"):
        tier_rank("独角兽")


def test_clean_properties_coerces_and_drops_missing():
    spec = KINDS["Enterprise"].properties
    out = clean_properties(
        spec,
        {"name": "甲", "employees": np.int64(12), "revenue": 100, "town": math.nan, "keywords": ("环保", "膜"),
         "extra_flag": True, "empty": []},
        "row 2",
    )
    assert out == {"name": "甲", "employees": 12, "revenue": 100.0, "keywords": ["环保", "膜"], "extra_flag": True}
    assert type(out["employees"]) is int and type(out["revenue"]) is float


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"employees": 1.5}, "expected int"),
        ({"revenue": "很多"}, "expected float"),
        ({"keywords": ["a", 1]}, "expected list"),
        ({"employees": True}, "expected int"),
        ({"nested": {"a": 1}}, "values must be"),
    ],
)
def test_clean_properties_rejects_wrong_types_naming_where(props, message):
    with pytest.raises(SchemaError, match=message) as info:
        clean_properties(KINDS["Enterprise"].properties, props, "file.xlsx row 7")
    assert "file.xlsx row 7" in str(info.value)


def test_strict_rejects_unknown_properties():
    with pytest.raises(SchemaError, match="unknown property"):
        clean_properties(KINDS["Town"].properties, {"mayor": "x"}, "row", strict=True)


def test_readme_shows_the_current_model():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert markdown_tables() in readme, "README's data model is stale: paste `innonet schema` into it"
