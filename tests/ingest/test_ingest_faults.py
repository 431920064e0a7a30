"""An ingest is one transaction: a killed ingest leaves the store as it was, and readers (the API) keep
answering while it writes.  Talent ids are keyed with the deployment's secret, and unkeyed ids migrate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.security import KeyRing
from graph import uscc
from graph.ids import ID_KEY_ENV, id_key, id_key_file, legacy_talent_id, talent_id
from graph.sqlite_store import SQLiteStore
from ingest.normalise import identity_key as name_key  # what talent ids are built from
from ingest.pipeline import ingest_files

from .conftest import snapshot, write_csv

VIEWER = "viewer-key-0123456789"
ROOT = Path(__file__).resolve().parents[2]


def _firms_file(path: Path, count: int, prefix: str = "宜兴新材") -> Path:
    """``count`` firms, each with its own USCC (so the names, alike on purpose, are not held for review)."""
    towns = ["丁蜀镇", "高塍镇", "和桥镇", "官林镇"]
    industries = ["节能环保", "电线电缆", "新材料"]
    serial = 1 if prefix == "宜兴新材" else 2
    rows = [["企业名称", "统一社会信用代码", "所属镇", "所属行业"]]
    rows += [[f"{prefix}{i:06d}科技有限公司", uscc.with_check_digit(f"91320282M{serial}{i:07d}"), towns[i % 4],
              industries[i % 3]] for i in range(count)]
    return write_csv(path, rows)


# A child process that ingests FILE into DB and stops for good inside the transaction, after the firms
# are written and while the town / industry relationships are being written (the worst moment to die).
_CHILD = textwrap.dedent(
    """
    import sys, time
    from graph.sqlite_store import SQLiteStore
    from ingest.pipeline import ingest_files

    real = SQLiteStore.upsert_relationships

    def slow(self, type, rows):
        written = real(self, type, rows)
        print("WRITING", type, flush=True)
        time.sleep(600)
        return written

    SQLiteStore.upsert_relationships = slow
    ingest_files(SQLiteStore(sys.argv[1]), [sys.argv[2]])
    print("DONE", flush=True)
    """
)


def test_reads_go_on_during_an_ingest_and_a_killed_ingest_leaves_the_store_unchanged(tmp_path):
    db = tmp_path / "city.db"
    store = SQLiteStore(db)
    ingest_files(store, [_firms_file(tmp_path / "old.csv", 200, prefix="宜兴老厂")])
    before = snapshot(store)
    big = _firms_file(tmp_path / "big.csv", 20_000)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(db), str(big)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, cwd=ROOT, start_new_session=True,
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("WRITING"), child.stderr.read()
        # the ingest holds its write transaction: the API, on the same file, answers from the last commit
        app = create_app(store=store, keyring=KeyRing([("viewer", VIEWER)]))
        with TestClient(app, headers={"X-API-Key": VIEWER}) as http:
            app.state.cache.wait_idle()
            for path in ("/entities?kind=Enterprise", "/ecosystem/summary", "/indicators"):
                started = time.perf_counter()
                response = http.get(path)
                assert response.status_code == 200, (path, response.text)
                assert time.perf_counter() - started < 10, path
            assert http.get("/entities", params={"kind": "Enterprise"}).json()["total"] == 200
        os.killpg(child.pid, signal.SIGKILL)  # kill -9, late in the ingest
        child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
    store.close()
    after = SQLiteStore(db)  # a fresh connection recovers from the WAL
    nodes, rels = snapshot(after)
    pd.testing.assert_frame_equal(nodes, before[0])
    pd.testing.assert_frame_equal(rels, before[1])
    report = ingest_files(after, [big])  # re-running completes it
    assert report.totals()["written"] == 20_000
    counts = after.counts()
    assert counts["nodes"]["Enterprise"] == 20_200
    assert counts["relationships"]["LOCATED_IN"] == counts["relationships"]["IN_INDUSTRY"] == 20_200
    after.close()


# ---- ids that reveal nothing -----------------------------------------------------------------------------
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
#: 3,755 characters standing for the common-character list (GB2312 level 1) an attacker would try.
CANDIDATES = [chr(0x4E00 + i) for i in range(3755)]


def _talents_file(path: Path, count: int = 40) -> tuple[Path, list[tuple[str, str]]]:
    affiliations = ["江南大学", "东南大学", "南京工业大学"]
    people = [(SURNAMES[i % len(SURNAMES)] + CANDIDATES[(i * 97) % len(CANDIDATES)], affiliations[i % 3])
              for i in range(count)]
    rows = [["姓名", "工作单位", "专业领域"]] + [[name, affiliation, "环境工程"] for name, affiliation in people]
    return write_csv(path, rows), people


def _brute_force(records: list[dict], id_of) -> dict[str, str]:
    """What an attacker who sees the id, the masked name and the affiliation can rebuild."""
    found = {}
    for record in records:
        first, affiliation = record["name"][0], record.get("affiliation") or ""
        for candidate in CANDIDATES:
            name = first + candidate
            if id_of(name, affiliation) == record["id"]:
                found[record["id"]] = name
                break
    return found


def test_brute_force_over_common_characters_recovers_no_talent_name(tmp_path):
    store = SQLiteStore(tmp_path / "t.db")
    path, people = _talents_file(tmp_path / "talents.csv")
    ingest_files(store, [path])
    app = create_app(store=store, keyring=KeyRing([("viewer", VIEWER)]))
    with TestClient(app, headers={"X-API-Key": VIEWER}) as http:
        page = http.get("/entities", params={"kind": "Talent", "limit": 500}).json()
    records = page["items"]
    assert len(records) == len(people) and all(r["name"].endswith("*") for r in records)
    names = {name for name, _ in people}
    assert not any(name in str(record) for record in records for name in names)

    def unkeyed(name, affiliation):  # the ids before this fix: the attack of the report
        return legacy_talent_id(name_key(name), name_key(affiliation))

    def guessed_keys(name, affiliation):  # keyed, but the attacker has to guess the key
        for key in (b"", b"innonet", bytes(32)):
            candidate = talent_id(key, name_key(name), name_key(affiliation))
            if candidate.startswith("talent:"):
                return candidate
        return None

    started = time.perf_counter()
    assert _brute_force(records, unkeyed) == {}
    assert _brute_force(records, guessed_keys) == {}
    # the same attack on unkeyed ids recovers every name: the test would see the leak
    legacy = [{**r, "id": legacy_talent_id(name_key(n), name_key(a))} for r, (n, a) in
              zip(sorted(records, key=lambda r: r["id"]), sorted(people, key=lambda p: talent_id(
                  id_key(store), name_key(p[0]), name_key(p[1]))))]
    assert sorted(_brute_force(legacy, unkeyed).values()) == sorted(names)
    assert time.perf_counter() - started < 60
    store.close()


def test_the_id_key_lives_next_to_the_database_private_and_keeps_ids_stable(tmp_path, monkeypatch):
    monkeypatch.delenv(ID_KEY_ENV, raising=False)
    store = SQLiteStore(tmp_path / "t.db")
    path, _people = _talents_file(tmp_path / "talents.csv", 5)
    ingest_files(store, [path])
    key_file = id_key_file(store)
    assert key_file == tmp_path / "t.db.idkey" and key_file.stat().st_mode & 0o777 == 0o600
    secret = key_file.read_text().strip()
    assert len(bytes.fromhex(secret)) == 32
    assert secret not in (tmp_path / "t.db").read_bytes().hex()
    ids = snapshot(store)
    ingest_files(store, [path])  # the same people keep their ids
    pd.testing.assert_frame_equal(snapshot(store)[0], ids[0])
    store.close()
    reopened = SQLiteStore(tmp_path / "t.db")
    ingest_files(reopened, [path])
    pd.testing.assert_frame_equal(snapshot(reopened)[0], ids[0])
    elsewhere = tmp_path / "keys" / "id.key"
    monkeypatch.setenv(ID_KEY_ENV, str(elsewhere))
    assert id_key_file(SQLiteStore(":memory:")) == elsewhere
    reopened.close()


def test_a_store_with_unkeyed_talent_ids_migrates_on_the_next_ingest_without_losing_links(tmp_path):
    store = SQLiteStore(tmp_path / "old.db")
    old_id = legacy_talent_id(name_key("王小明"), name_key("江南大学"))
    store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    store.upsert_nodes("Program", [{"id": "program:太湖人才计划", "name": "太湖人才计划"}])
    store.upsert_nodes("Talent", [{"id": old_id, "name": "王小明", "affiliation": "江南大学", "field": "膜"},
                                  {"id": "staff-7", "name": "李四"}])  # an id given by the file: kept
    store.upsert_relationships("AFFILIATED_WITH", [{"source": old_id, "target": "u1"}])
    store.upsert_relationships("IN_PROGRAM", [{"source": old_id, "target": "program:太湖人才计划", "year": 2020}])
    ingest_files(store, [_firms_file(tmp_path / "firms.csv", 3)])  # any ingest migrates
    new_id = talent_id(id_key(store), name_key("王小明"), name_key("江南大学"))
    assert store.nodes(ids=[old_id]).empty
    assert set(store.nodes(kind="Talent")["id"]) == {new_id, "staff-7"}
    links = store.neighbours(new_id)
    assert sorted(links["type"]) == ["AFFILIATED_WITH", "IN_PROGRAM"]
    assert links.loc[links["type"] == "IN_PROGRAM", "year"].tolist() == [2020]
    path = write_csv(tmp_path / "talents.csv", [["姓名", "工作单位"], ["王小明", "江南大学"]])
    ingest_files(store, [path])  # the same person from a file finds the migrated record
    assert store.counts()["nodes"]["Talent"] == 2
    store.close()


@pytest.mark.integration
def test_neo4j_marks_an_interrupted_load_and_the_rerun_completes_it(tmp_path, neo4j_driver, bolt_server):
    from graph.neo4j_store import Neo4jStore

    store = Neo4jStore(neo4j_driver, database=bolt_server.database)
    store.clear()
    big = _firms_file(tmp_path / "firms.csv", 300)
    real = Neo4jStore.upsert_relationships

    def dies(self, type, rows):
        raise KeyboardInterrupt

    Neo4jStore.upsert_relationships = dies
    try:
        with pytest.raises(KeyboardInterrupt):
            ingest_files(store, [big])
    finally:
        Neo4jStore.upsert_relationships = real
    assert [mark["label"] for mark in store.incomplete_loads()] == ["firms.csv"]
    ingest_files(store, [big])
    assert store.incomplete_loads() == []
    assert store.counts()["relationships"]["LOCATED_IN"] == 300
    store.clear()
