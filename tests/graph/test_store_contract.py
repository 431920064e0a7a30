"""The store contract: every test runs against SQLiteStore and Neo4jStore (a real Bolt server)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from graph.errors import NotFoundError, SchemaError
from graph.neo4j_store import Neo4jStore
from graph.sqlite_store import SQLiteStore
from graph.testing import synthetic_rows

INJECTION = "x' }) DETACH DELETE n //"


def _load(store, node_rows, rel_rows) -> None:
    for kind, rows in node_rows.items():
        store.upsert_nodes(kind, rows)
    for type_, rows in rel_rows.items():
        store.upsert_relationships(type_, rows)


def _small_graph(store) -> None:
    store.upsert_nodes(
        "Enterprise",
        [
            {"id": "e1", "name": "宜兴甲环保科技有限公司", "employees": 120, "revenue": 1.0},
            {"id": "e2", "name": "宜兴乙电缆有限公司", "keywords": ["电线电缆", "新材料"]},
        ],
    )
    store.upsert_nodes("University", [{"id": "u1", "name": "江南大学", "category": "高校"}])
    store.upsert_nodes("Talent", [{"id": "t1", "name": "张某"}])
    store.upsert_relationships(
        "COLLABORATES_WITH",
        [
            {"source": "e1", "target": "u1", "year": 2021, "basis": "联合项目"},
            {"source": "e2", "target": "u1", "year": 2023},
        ],
    )
    store.upsert_relationships("EMPLOYS", [{"source": "e1", "target": "t1", "role": "科技副总"}])
    store.upsert_relationships("AFFILIATED_WITH", [{"source": "t1", "target": "u1"}])


# ---- idempotence and round trips -------------------------------------------------------------
def test_same_rows_twice_give_the_same_store(store):
    _small_graph(store)
    nodes, rels, counts = store.nodes(), store.relationships(), store.counts()
    _small_graph(store)
    pd.testing.assert_frame_equal(store.nodes(), nodes)
    pd.testing.assert_frame_equal(store.relationships(), rels)
    assert store.counts() == counts == {
        "nodes": {"Enterprise": 2, "Talent": 1, "University": 1},
        "relationships": {"AFFILIATED_WITH": 1, "COLLABORATES_WITH": 2, "EMPLOYS": 1},
    }


def test_types_round_trip_exactly(store):
    row = {
        "id": "e1",
        "name": "宜兴市丁蜀镇紫砂陶瓷（集团）有限公司",
        "employees": 12,
        "revenue": 1.0,
        "rd_spend": 2.5,
        "keywords": ["紫砂", "陶瓷"],
        "aliases": [],
        "listed": True,
        "exporter": False,
        "big": 2**53 + 1,
        "town": None,
    }
    store.upsert_nodes("Enterprise", [row, {"id": "e2", "name": "乙"}])
    frame = store.nodes()
    assert list(frame.columns[:3]) == ["id", "kind", "name"]
    assert all(dtype == object for dtype in frame.dtypes)
    first = frame.iloc[0].to_dict()
    expected = {k: v for k, v in row.items() if v is not None}
    for key, value in expected.items():
        assert first[key] == value and type(first[key]) is type(value), key
    assert "town" not in frame.columns
    second = frame.iloc[1].to_dict()
    assert second["employees"] is None and second["keywords"] is None and second["listed"] is None


def test_dataframe_rows_with_nan_are_missing_values(store):
    frame = pd.DataFrame(
        {"id": ["e1", "e2"], "name": ["甲", "乙"], "employees": [10, None], "revenue": [float("nan"), 3.0]}
    )
    assert store.upsert_nodes("Enterprise", frame) == 2
    got = store.nodes().set_index("id")
    assert got.loc["e1", "employees"] == 10 and type(got.loc["e1", "employees"]) is int
    assert got.loc["e1", "revenue"] is None
    assert got.loc["e2", "employees"] is None and got.loc["e2", "revenue"] == 3.0


def test_nodes_filter_by_kind_and_ids(store):
    _small_graph(store)
    assert list(store.nodes(kind="Enterprise")["id"]) == ["e1", "e2"]
    assert list(store.nodes(ids=["u1", "e2", "nope", "u1"])["id"]) == ["e2", "u1"]
    assert list(store.nodes(kind="University", ids=["u1", "e2"])["id"]) == ["u1"]
    empty = store.nodes(kind="Fund")
    assert len(empty) == 0 and list(empty.columns) == ["id", "kind"]


def test_relationship_keys_and_properties(store):
    store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲"}])
    store.upsert_nodes("Tier", [{"id": "tier:高新技术企业", "name": "高新技术企业", "rank": 2}])
    history = [
        {"source": "e1", "target": "tier:高新技术企业", "key": "2019", "year": 2019, "valid_until": 2022},
        {"source": "e1", "target": "tier:高新技术企业", "key": 2022, "year": 2022, "certificate": "GR202232000123"},
    ]
    assert store.upsert_relationships("REACHED_TIER", history) == 2
    store.upsert_relationships("REACHED_TIER", history)
    rels = store.relationships("REACHED_TIER")
    assert list(rels.columns[:4]) == ["source", "target", "type", "key"]
    assert list(rels["key"]) == ["2019", "2022"]
    assert rels.loc[0, "valid_until"] == 2022 and rels.loc[0, "certificate"] is None
    assert rels.loc[1, "certificate"] == "GR202232000123"
    assert store.counts()["relationships"] == {"REACHED_TIER": 2}
    # no key means key ""
    store.upsert_relationships("REACHED_TIER", [{"source": "e1", "target": "tier:高新技术企业", "year": 2018}])
    assert list(store.relationships()["key"]) == ["", "2019", "2022"]


def test_upserts_merge_missing_values_keep_stored_ones(store):
    store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲", "revenue": 10.0, "town": "丁蜀镇"}])
    store.upsert_nodes("Enterprise", [{"id": "e1", "revenue": None, "town": "和桥镇", "employees": 5}])
    node = store.nodes().iloc[0].to_dict()
    assert node == {"id": "e1", "kind": "Enterprise", "name": "甲", "employees": 5, "revenue": 10.0, "town": "和桥镇"}
    store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    store.upsert_relationships("COLLABORATES_WITH", [{"source": "e1", "target": "u1", "year": 2020, "basis": "专利"}])
    store.upsert_relationships("COLLABORATES_WITH", [{"source": "e1", "target": "u1", "year": None, "weight": 2.0}])
    rel = store.relationships().iloc[0].to_dict()
    assert rel == {"source": "e1", "target": "u1", "type": "COLLABORATES_WITH", "key": "",
                   "basis": "专利", "weight": 2.0, "year": 2020}


def test_rows_repeating_an_id_in_one_call_are_merged(store):
    written = store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲"}, {"id": "e1", "employees": 3}])
    assert written == 1
    assert store.nodes().iloc[0].to_dict() == {"id": "e1", "kind": "Enterprise", "name": "甲", "employees": 3}


# ---- deletes -----------------------------------------------------------------------------
def test_delete_nodes_removes_their_relationships(store):
    _small_graph(store)
    assert store.delete_nodes(["u1", "nope", "u1"]) == 1
    assert list(store.nodes()["id"]) == ["e1", "e2", "t1"]
    rels = store.relationships()
    assert list(zip(rels["source"], rels["type"], rels["target"])) == [("e1", "EMPLOYS", "t1")]
    assert store.counts() == {"nodes": {"Enterprise": 2, "Talent": 1}, "relationships": {"EMPLOYS": 1}}
    assert store.delete_nodes([]) == 0


def test_delete_relationships_keeps_the_nodes(store):
    _small_graph(store)
    store.upsert_relationships("COLLABORATES_WITH", [{"source": "e1", "target": "u1", "key": "p9", "year": 2024}])
    before = store.nodes()
    deleted = store.delete_relationships("COLLABORATES_WITH", [("e1", "u1", ""), ("e2", "u1", "nope"), ("x", "y", "")])
    assert deleted == 1  # only the first names a relationship: the keyed one and e2's stay
    rels = store.relationships("COLLABORATES_WITH")
    assert sorted(zip(rels["source"], rels["target"], rels["key"])) == [("e1", "u1", "p9"), ("e2", "u1", "")]
    assert store.nodes().equals(before)
    assert store.delete_relationships("COLLABORATES_WITH", []) == 0
    with pytest.raises(SchemaError):
        store.delete_relationships("LIKES", [("e1", "u1", "")])


def test_clear_empties_the_store(store):
    _small_graph(store)
    store.clear()
    assert store.counts() == {"nodes": {}, "relationships": {}}
    assert len(store.nodes()) == 0 and len(store.relationships()) == 0
    _small_graph(store)  # usable again
    assert store.counts()["nodes"]["Enterprise"] == 2


# ---- neighbours --------------------------------------------------------------------------
def test_neighbours_in_and_out_with_type_filter(store):
    _small_graph(store)
    frame = store.neighbours("u1")
    assert list(frame.columns[:6]) == ["id", "kind", "name", "type", "direction", "key"]
    assert list(zip(frame["id"], frame["type"], frame["direction"])) == [
        ("t1", "AFFILIATED_WITH", "in"),
        ("e1", "COLLABORATES_WITH", "in"),
        ("e2", "COLLABORATES_WITH", "in"),
    ]
    assert frame.loc[1, "name"] == "宜兴甲环保科技有限公司" and frame.loc[1, "year"] == 2021
    out = store.neighbours("e1")
    assert set(zip(out["id"], out["direction"])) == {("u1", "out"), ("t1", "out")}
    only = store.neighbours("e1", type="EMPLOYS")
    assert list(only["id"]) == ["t1"] and only.loc[0, "role"] == "科技副总"
    assert len(store.neighbours("e2", type="EMPLOYS")) == 0


def test_neighbours_of_an_unknown_id_raise_not_found(store):
    _small_graph(store)
    with pytest.raises(NotFoundError, match="nope"):
        store.neighbours("nope")
    with pytest.raises(LookupError):
        store.neighbours(INJECTION)


# ---- injection and unknown labels ----------------------------------------------------------
def test_injection_string_is_stored_verbatim_as_name_and_id(store):
    store.upsert_nodes("Enterprise", [{"id": "e1", "name": INJECTION, "town": INJECTION}])
    store.upsert_nodes("University", [{"id": INJECTION, "name": INJECTION}])
    store.upsert_relationships("COLLABORATES_WITH", [{"source": "e1", "target": INJECTION, "key": INJECTION}])
    nodes = store.nodes()
    assert list(nodes["id"]) == ["e1", INJECTION]
    assert list(nodes["name"]) == [INJECTION, INJECTION]
    rel = store.relationships().iloc[0]
    assert (rel["target"], rel["key"]) == (INJECTION, INJECTION)
    assert list(store.neighbours(INJECTION)["id"]) == ["e1"]
    assert store.delete_nodes([INJECTION]) == 1
    assert list(store.nodes()["id"]) == ["e1"]


@pytest.mark.parametrize("bad", ["Company", "Enterprise`) DETACH DELETE n //", "", None])
def test_unknown_kind_is_a_value_error(store, bad):
    with pytest.raises(ValueError, match="unknown node kind"):
        store.upsert_nodes(bad, [{"id": "e1", "name": "甲"}])
    if bad is not None:  # nodes(kind=None) means every kind
        with pytest.raises(ValueError, match="unknown node kind"):
            store.nodes(kind=bad)
    assert store.counts()["nodes"] == {}


@pytest.mark.parametrize("bad", ["KNOWS", "MET]->() DETACH DELETE n //"])
def test_unknown_relationship_type_is_a_value_error(store, bad):
    _small_graph(store)
    with pytest.raises(ValueError, match="unknown relationship type"):
        store.upsert_relationships(bad, [{"source": "e1", "target": "u1"}])
    with pytest.raises(ValueError, match="unknown relationship type"):
        store.relationships(type=bad)
    with pytest.raises(ValueError, match="unknown relationship type"):
        store.neighbours("e1", type=bad)


def test_bad_property_value_is_a_schema_error_and_writes_nothing(store):
    with pytest.raises(SchemaError, match="employees"):
        store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲"}, {"id": "e2", "employees": "many"}])
    assert store.counts()["nodes"] == {}


# ---- endpoints and atomicity ---------------------------------------------------------------
def test_missing_endpoint_is_a_schema_error_and_nothing_is_written(store):
    _small_graph(store)
    before = store.relationships()
    rows = [{"source": "e2", "target": "t1"}, {"source": "e1", "target": "ghost"}]
    with pytest.raises(SchemaError, match="'ghost' does not exist"):
        store.upsert_relationships("EMPLOYS", rows)
    pd.testing.assert_frame_equal(store.relationships(), before)


def test_endpoint_of_the_wrong_kind_is_a_schema_error_and_nothing_is_written(store):
    _small_graph(store)
    before = store.relationships()
    rows = [{"source": "e2", "target": "u1", "key": "new"}, {"source": "u1", "target": "e1"}]
    with pytest.raises(SchemaError, match="'u1' is a University; COLLABORATES_WITH needs Enterprise"):
        store.upsert_relationships("COLLABORATES_WITH", rows)
    pd.testing.assert_frame_equal(store.relationships(), before)


def test_id_used_by_another_kind_is_a_schema_error_and_nothing_is_written(store):
    _small_graph(store)
    before = store.nodes()
    with pytest.raises(SchemaError, match="'u1' is a University"):
        store.upsert_nodes("Enterprise", [{"id": "e9", "name": "新"}, {"id": "u1", "name": "冒名"}])
    pd.testing.assert_frame_equal(store.nodes(), before)


def test_a_failing_later_batch_rolls_back_the_earlier_ones(store):
    store.batch_size = 2
    store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    rows = [{"id": f"e{i}", "name": f"企业{i}"} for i in range(5)] + [{"id": "u1", "name": "冒名"}]
    with pytest.raises(SchemaError):
        store.upsert_nodes("Enterprise", rows)
    assert store.counts()["nodes"] == {"University": 1}
    store.upsert_nodes("Enterprise", rows[:5])
    rels = [{"source": f"e{i}", "target": "u1"} for i in range(5)] + [{"source": "e0", "target": "ghost"}]
    with pytest.raises(SchemaError, match="ghost"):
        store.upsert_relationships("COLLABORATES_WITH", rels)
    assert store.counts()["relationships"] == {}


# ---- the two stores hold the same thing ------------------------------------------------------
def _assert_same_store(left, right) -> None:
    pd.testing.assert_frame_equal(left.nodes(), right.nodes())
    pd.testing.assert_frame_equal(left.relationships(), right.relationships())
    assert left.counts() == right.counts()
    for kind in ("Enterprise", "Talent"):
        pd.testing.assert_frame_equal(left.nodes(kind=kind), right.nodes(kind=kind))
    some = list(left.nodes()["id"][::7])
    pd.testing.assert_frame_equal(left.nodes(ids=some), right.nodes(ids=some))
    for node_id in some[:5]:
        pd.testing.assert_frame_equal(left.neighbours(node_id), right.neighbours(node_id))


@pytest.mark.integration
def test_both_stores_give_equal_frames_for_the_same_rows(sqlite_store, neo4j_driver, bolt_server):
    node_rows, rel_rows = synthetic_rows(500, 2_000, seed=1)
    neo = Neo4jStore(neo4j_driver, database=bolt_server.database, batch_size=700)
    neo.clear()
    _load(sqlite_store, node_rows, rel_rows)
    _load(neo, node_rows, rel_rows)
    _assert_same_store(sqlite_store, neo)
    assert sum(sqlite_store.counts()["relationships"].values()) == 2_000


@pytest.mark.integration
@pytest.mark.slow
def test_5k_nodes_20k_relationships_equal_in_both_stores(sqlite_store, neo4j_driver, bolt_server):
    node_rows, rel_rows = synthetic_rows(5_000, 20_000, seed=2)
    neo = Neo4jStore(neo4j_driver, database=bolt_server.database)
    neo.clear()
    _load(sqlite_store, node_rows, rel_rows)
    _load(neo, node_rows, rel_rows)
    _assert_same_store(sqlite_store, neo)
    assert sum(neo.counts()["nodes"].values()) == 5_000
    assert sum(neo.counts()["relationships"].values()) == 20_000
    neo.clear()


# ---- SQLite only ---------------------------------------------------------------------------
def test_sqlite_uses_wal(sqlite_store):
    assert sqlite_store._read("PRAGMA journal_mode")[0][0] == "wal"


def test_sqlite_reader_in_another_process_sees_committed_data_while_a_writer_writes(tmp_path):
    path = tmp_path / "shared.db"
    writer = SQLiteStore(path)
    writer.upsert_nodes("Enterprise", [{"id": "e1", "name": "已提交"}])
    reader_code = textwrap.dedent(
        f"""
        import json
        from graph.sqlite_store import SQLiteStore
        store = SQLiteStore({str(path)!r}, timeout=2)
        print(json.dumps(sorted(store.nodes()["id"])))
        """
    )
    with writer._write() as conn:  # a write transaction stays open while the reader reads
        conn.execute(
            "INSERT INTO nodes (id, kind, props) VALUES ('e2', 'Enterprise', '{\"name\": \"未提交\"}')"
        )
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-c", reader_code], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == '["e1"]'
        assert time.monotonic() - started < 30
    result = subprocess.run(
        [sys.executable, "-c", reader_code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == '["e1", "e2"]'
    writer.close()


def test_nodes_by_many_ids_returns_each_once(store):
    store.batch_size = 300
    store.upsert_nodes("Enterprise", [{"id": f"e{i:04d}", "name": f"企业{i}"} for i in range(1200)])
    wanted = [f"e{i:04d}" for i in range(0, 1200, 2)] * 2
    frame = store.nodes(kind="Enterprise", ids=wanted)
    assert list(frame["id"]) == sorted(set(wanted))
    assert len(store.nodes(kind="University", ids=wanted)) == 0


def test_concurrent_upserts_of_the_same_ids_both_succeed(store):
    from concurrent.futures import ThreadPoolExecutor

    rows = [{"id": f"e{i:03d}", "name": f"企业{i}"} for i in range(300)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda part: store.upsert_nodes("Enterprise", part), [rows, rows[::-1], rows]))
    assert results == [300, 300, 300]
    assert store.counts()["nodes"] == {"Enterprise": 300}


# ---- transactions: a load is all or nothing (SQLite) or marked and resumable (Neo4j) -------------------
class _Killed(Exception):
    pass


def _firms_with_towns(store, upto: int | None = None) -> None:
    store.upsert_nodes("Town", [{"id": "town:丁蜀镇", "name": "丁蜀镇"}])
    store.upsert_nodes("Enterprise", [{"id": f"f{i}", "name": f"企业{i}"} for i in range(20)])
    if upto is not None:
        raise _Killed
    store.upsert_relationships("LOCATED_IN", [{"source": f"f{i}", "target": "town:丁蜀镇"} for i in range(20)])


def test_a_failed_transaction_leaves_the_store_as_before_or_marked_and_a_rerun_completes_it(store):
    _small_graph(store)
    nodes, rels = store.nodes(), store.relationships()
    with pytest.raises(_Killed), store.transaction("firms.csv"):
        _firms_with_towns(store, upto=1)
    if store.atomic_transactions:
        pd.testing.assert_frame_equal(store.nodes(), nodes)
        pd.testing.assert_frame_equal(store.relationships(), rels)
        assert store.incomplete_loads() == []
    else:
        assert [mark["label"] for mark in store.incomplete_loads()] == ["firms.csv"]
    with store.transaction("firms.csv"):
        _firms_with_towns(store)
    assert store.incomplete_loads() == []
    assert store.counts()["nodes"]["Enterprise"] == 22
    assert store.counts()["relationships"]["LOCATED_IN"] == 20


def test_a_failing_call_inside_a_transaction_writes_nothing_and_the_rest_commits(store):
    with store.transaction("mixed"):
        store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
        with pytest.raises(SchemaError):
            store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲"}, {"id": "u1", "name": "冒名"}])
        store.upsert_nodes("Enterprise", [{"id": "e2", "name": "乙"}])
    assert store.counts()["nodes"] == {"Enterprise": 1, "University": 1}
    assert store.incomplete_loads() == []


def test_rename_nodes_keeps_kind_properties_and_relationships(store):
    _small_graph(store)
    store.upsert_relationships("SECONDED_TO", [{"source": "t1", "target": "e2", "role": "科技副总", "year": 2020}])
    before = store.neighbours("t1")
    assert store.rename_nodes({"t1": "talent:new", "ghost": "x"}) == 1
    assert store.nodes(ids=["t1"]).empty
    moved = store.nodes(ids=["talent:new"])
    assert moved.loc[0, "kind"] == "Talent" and moved.loc[0, "name"] == "张某"
    pd.testing.assert_frame_equal(store.neighbours("talent:new"), before)
    assert store.counts()["relationships"] == {
        "AFFILIATED_WITH": 1, "COLLABORATES_WITH": 2, "EMPLOYS": 1, "SECONDED_TO": 1}


def test_sqlite_readers_in_other_threads_see_the_last_commit_during_a_transaction(sqlite_store):
    import threading

    sqlite_store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    version = sqlite_store.data_version()
    seen: list[int] = []
    with sqlite_store.transaction("big"):
        sqlite_store.upsert_nodes("University", [{"id": "u2", "name": "南京工业大学"}])
        assert len(sqlite_store.nodes()) == 2  # the writing thread reads its own writes
        reader = threading.Thread(target=lambda: seen.append(len(sqlite_store.nodes())))
        reader.start()
        reader.join(timeout=5)
        assert seen == [1]  # not blocked, and sees the state before the transaction
        assert sqlite_store.data_version() == version  # nothing committed yet: caches need not rebuild
    assert len(sqlite_store.nodes()) == 2 and sqlite_store.data_version() != version
