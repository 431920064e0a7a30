"""What-if runs on the small ecosystem."""

from __future__ import annotations

import pytest

from analysis.simulate import secondment_plan, what_if
from graph.errors import NotFoundError


def _row(table, part):
    return table[table.measure.str.contains(part, regex=False)].iloc[0]


def test_secondments_close_gaps_and_move_indicators(eco_store) -> None:
    nodes, rels = secondment_plan("u1", ["e2", "e5"], year=2023)
    table = what_if(eco_store, nodes=nodes, relationships=rels, year=2023)
    isolated = _row(table, "isolated innovators")
    assert (isolated.before, isolated.after) == (2, 0)
    seconded = _row(table, "科技副总 seconded")
    assert (seconded.before, seconded.after, seconded.change) == (0, 2, 2)
    assert len(eco_store.nodes(kind="Talent")) == 1  # the store is untouched


def test_pairing_across_communities_adds_bridges(eco_store) -> None:
    table = what_if(eco_store, pairings=[("e5", "u2")], year=2023)
    bridges = _row(table, "bridges between communities")
    assert bridges.before == 0 and bridges.after == 1
    assert _row(table, "new university collaborations").change == 1


def test_unknown_ids_are_rejected(eco_store) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        what_if(eco_store, pairings=[("nope", "u1")])
