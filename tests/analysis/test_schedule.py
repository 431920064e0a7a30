"""Tests for analysis.pairing.schedule and the pairing CLI commands."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from analysis.pairing import (
    AGENDA_COLUMNS,
    SCHEDULE_COLUMNS,
    PairingRecommender,
    event_attendees,
    event_hit_rates,
    schedule_meetings,
    signed_pairs,
)
from api.cli import cli
from api.render.agenda import write_agenda
from graph import SQLiteStore
from graph.errors import InvalidArgumentError, NotFoundError

TOPICS = [["膜材料"], ["电线电缆"], ["紫砂陶瓷"]]


def world(seed: int = 2) -> nx.MultiDiGraph:
    """30 firms, 6 universities, links driven by topic, one event with attendees and meetings."""
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph()
    for i in range(30):
        g.add_node(f"e{i:02d}", kind="Enterprise", name=f"企业{i}", keywords=TOPICS[i % 3], founded="2010-01-01")
    for j in range(6):
        g.add_node(f"u{j}", kind="University", name=f"大学{j}", keywords=TOPICS[j % 3], category="高校")
    linked = np.zeros((30, 6), bool)
    for year in range(2012, 2023):
        for i in rng.choice(30, 10, replace=False):
            w = np.where(np.arange(6) % 3 == i % 3, 10.0, 1.0) * ~linked[i]
            if not w.any():
                continue
            j = rng.choice(6, p=w / w.sum())
            linked[i, j] = True
            g.add_edge(f"e{i:02d}", f"u{j}", type="COLLABORATES_WITH", year=int(year))
    g.add_node("ev1", kind="Event", name="2022春季对接会", year=2022)
    g.add_node("ev2", kind="Event", name="2023对接会", year=2023)
    for node in [f"e{i:02d}" for i in range(8)] + ["u0", "u1", "u2"]:
        g.add_edge(node, "ev1", type="ATTENDED", year=2022)
    for firm, uni, outcome in [("e00", "u1", "signed"), ("e01", "u2", "none"), ("e02", "u0", "follow-up"),
                               ("e03", "u0", "none")]:
        g.add_edge(firm, uni, type="MET", year=2022, event="ev1", outcome=outcome)
    g.add_edge("e05", "u1", type="MET", year=2023, event="ev2", outcome="signed")
    return g


@pytest.fixture(scope="module")
def fitted() -> PairingRecommender:
    return PairingRecommender(min_positives=5).fit(world())


def test_schedule_respects_slots_capacity_and_covers_every_firm(fitted: PairingRecommender) -> None:
    attendees = event_attendees(fitted.data_, "ev1")
    assert attendees == sorted([f"e{i:02d}" for i in range(8)] + ["u0", "u1", "u2"])
    table, agenda = schedule_meetings(fitted, attendees, slots=3, max_meetings=3, include_existing=True,
                                      min_score=0.0)
    assert list(table.columns) == SCHEDULE_COLUMNS and list(agenda.columns) == AGENDA_COLUMNS
    # 3 universities × 3 slots = 9 meetings at most; 8 firms must each get one
    assert set(table["enterprise_id"]) == {f"e{i:02d}" for i in range(8)}
    assert len(table) <= 9
    assert table.groupby(["slot", "partner_id"]).size().max() == 1
    assert table.groupby(["slot", "enterprise_id"]).size().max() == 1
    assert table.groupby("partner_id").size().max() <= 3
    assert not table.duplicated(["enterprise_id", "partner_id"]).any()
    assert set(table["slot"]) <= {1, 2, 3}
    assert len(agenda) == 2 * len(table)
    assert table["explanation"].str.contains("Why:").all()


def test_schedule_maximises_score_not_greedy(fitted: PairingRecommender) -> None:
    """With one slot, the assignment must be the optimum of the score matrix (checked by brute force)."""
    from itertools import permutations

    firms, unis = ["e00", "e01", "e02"], ["u0", "u1", "u2"]
    table, _ = schedule_meetings(fitted, firms + unis, slots=1, max_meetings=1, include_existing=True, min_score=0.0)
    data = fitted.data_
    scores = 1 / (1 + np.exp(-fitted.score_grid(np.array([data.local[data.pos[f]] for f in firms]), "University",
                                                np.array([data.local[data.pos[u]] for u in unis]))))
    signed = signed_pairs(data)  # e00–u1 signed at ev1: never booked again
    scores[[(f, u) in signed for f in firms for u in unis].index(True) // 3, 1] = -10.0
    best = max(sum(scores[i, p[i]] for i in range(3)) for p in permutations(range(3)))
    assert len(table) == 3
    assert table["score"].sum() == pytest.approx(best, abs=1e-3)


def test_more_slots_give_more_meetings(fitted: PairingRecommender) -> None:
    attendees = [f"e{i:02d}" for i in range(8)] + ["u0", "u1", "u2"]
    one, _ = schedule_meetings(fitted, attendees, slots=1, max_meetings=5, include_existing=True, min_score=0.0)
    four, _ = schedule_meetings(fitted, attendees, slots=4, max_meetings=5, include_existing=True, min_score=0.0)
    assert len(one) == 3 and len(four) > len(one)


def test_schedule_errors(fitted: PairingRecommender) -> None:
    with pytest.raises(InvalidArgumentError, match="at least 1"):
        schedule_meetings(fitted, ["e00", "u0"], slots=0, max_meetings=1)
    with pytest.raises(NotFoundError, match="ghost"):
        schedule_meetings(fitted, ["e00", "ghost"], slots=1, max_meetings=1)
    with pytest.raises(NotFoundError, match="Event"):
        event_attendees(fitted.data_, "e00")
    table, _agenda = schedule_meetings(fitted, ["e00", "e01"], slots=2, max_meetings=1)
    assert table.empty and list(table.columns) == SCHEDULE_COLUMNS


def test_excel_has_chinese_headers_times_and_tables(fitted: PairingRecommender, tmp_path) -> None:
    table, agenda = schedule_meetings(fitted, [f"e{i:02d}" for i in range(4)] + ["u0", "u1"], slots=2,
                                      max_meetings=2, include_existing=True, min_score=0.0)
    path = write_agenda(tmp_path / "s.xlsx", table, agenda)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["按时段", "按单位", "说明"]
    headers = [c.value for c in book["按时段"][1]]
    assert headers[:5] == ["时段", "开始", "结束", "桌号", "企业编号"] and "推荐理由" in headers and "匹配指数" in headers
    assert book["按时段"].max_row == len(table) + 1
    assert [c.value for c in book["按单位"][1]][:3] == ["单位编号", "单位", "身份"]


def test_times_tables_and_minimum_score(fitted: PairingRecommender) -> None:
    import datetime as dt

    attendees = [f"e{i:02d}" for i in range(8)] + ["u0", "u1", "u2"]
    table, agenda = schedule_meetings(fitted, attendees, slots=4, max_meetings=4, include_existing=True,
                                      min_score=0.0, start=dt.datetime(2025, 5, 20, 9, 0), slot_minutes=15, tables=2)
    assert table.groupby("slot").size().max() <= 2  # two tables: at most two meetings at once
    assert set(table["table"]) <= {1, 2}
    assert not table.duplicated(["slot", "table"]).any()
    first = table[table["slot"] == 1].iloc[0]
    assert (first["start"], first["end"]) == ("2025-05-20 09:00", "2025-05-20 09:15")
    assert set(table[table["slot"] == 3]["start"]) <= {"2025-05-20 09:30"}
    assert {"start", "end", "table", "match_index"} <= set(agenda.columns)
    # three partners, three tables: each university keeps its table all event
    table3, _ = schedule_meetings(fitted, attendees, slots=3, max_meetings=3, include_existing=True, min_score=0.0,
                                  tables=3)
    assert (table3.groupby("partner_id")["table"].nunique() == 1).all()
    assert table3.iloc[0]["start"] == "09:00"
    # the default minimum is the median score of all possible pairs: nothing below it is booked
    default, _ = schedule_meetings(fitted, attendees, slots=4, max_meetings=4, include_existing=True)
    median = fitted.score_at_index(50)
    assert default.attrs["min_score"] == pytest.approx(median)
    assert (default["score"] >= median - 1e-4).all() and (default["match_index"] >= 49).all()
    strict, _ = schedule_meetings(fitted, attendees, slots=4, max_meetings=4, include_existing=True, min_score=0.999)
    assert strict.empty


def test_a_pair_that_signed_is_never_booked_again(fitted: PairingRecommender) -> None:
    assert ("e00", "u1") in signed_pairs(fitted.data_) and ("e01", "u2") not in signed_pairs(fitted.data_)
    table, _ = schedule_meetings(fitted, ["e00", "u0", "u1", "u2"], slots=3, max_meetings=3, include_existing=True,
                                 min_score=0.0)
    assert len(table) and not ((table["enterprise_id"] == "e00") & (table["partner_id"] == "u1")).any()


def test_hit_rates_per_event() -> None:
    rates = event_hit_rates(world()).set_index("event_id")
    assert rates.loc["ev1", "meetings"] == 4
    assert rates.loc["ev1", "signed"] == 1 and rates.loc["ev1", "follow_up"] == 1 and rates.loc["ev1", "none"] == 2
    assert rates.loc["ev1", "hit_rate"] == 0.5 and rates.loc["ev1", "signed_rate"] == 0.25
    assert rates.loc["ev1", "event_name"] == "2022春季对接会"
    assert rates.loc["ev2", "hit_rate"] == 1.0


@pytest.fixture
def store_env(tmp_path, monkeypatch) -> str:
    g = world()
    path = tmp_path / "cli.db"
    store = SQLiteStore(str(path))
    for kind in ("Enterprise", "University", "Event"):
        store.upsert_nodes(kind, [{"id": n, **{k: v for k, v in d.items() if k != "kind"}}
                                  for n, d in g.nodes(data=True) if d["kind"] == kind])
    for rel in ("COLLABORATES_WITH", "ATTENDED", "MET"):
        store.upsert_relationships(rel, [{"source": s, "target": t, "key": f"{d.get('year')}",
                                          **{k: v for k, v in d.items() if k != "type"}}
                                         for s, t, d in g.edges(data=True) if d["type"] == rel])
    store.close()
    monkeypatch.setenv("INNONET_DB", str(path))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    return str(path)


def test_cli_recommend_evaluate_schedule(store_env: str, tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["recommend", "企业3", "-k", "2"])
    assert result.exit_code == 0, result.output
    assert "企业3 (e03)" in result.output and "Why:" in result.output
    result = runner.invoke(cli, ["recommend", "e03", "--json", "-k", "2"])
    records = json.loads(result.output)
    assert 1 <= len(records) <= 2 and {"rank", "id", "score", "explanation", "reasons"} <= set(records[0])
    result = runner.invoke(cli, ["recommend", "nobody"])
    assert result.exit_code == 2 and "nobody" in result.output
    result = runner.invoke(cli, ["evaluate", "--cutoff-year", "2019", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    measures = {"p_at_k", "r_at_k", "mrr", "ndcg", "firms", "coverage", "top_share", "top_partner_id",
                "popularity_percentile", "lists"}
    assert set(payload["model"]) == measures
    assert set(payload["baselines"]) == {"popularity", "three_path", "three_path_popularity", "content"}
    assert all(set(m) == measures for m in payload["baselines"].values())
    if payload["selection"] is not None:  # the tolerance reaches the fit: 100 % accepts every penalty tried
        result = runner.invoke(cli, ["evaluate", "--cutoff-year", "2019", "--json", "--diversity-tolerance", "1"])
        assert result.exit_code == 0, result.output
        loose = json.loads(result.output)["selection"]["blend"]
        assert loose["popularity_penalty"] >= payload["selection"]["blend"]["popularity_penalty"]
    result = runner.invoke(cli, ["evaluate", "--cutoff-year", "2019", "--diversity-tolerance", "2"])
    assert result.exit_code == 2 and "diversity-tolerance" in result.output
    out = tmp_path / "s.xlsx"
    result = runner.invoke(cli, ["schedule", "--event", "ev1", "--slots", "2", "--max-meetings", "2",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and "meetings in 2 slots" in result.output
    result = runner.invoke(cli, ["schedule", "--slots", "2", "--max-meetings", "2"])
    assert result.exit_code == 2 and "exactly one" in result.output
    signup = tmp_path / "报名.csv"  # a GB18030 list with a title row, the way towns send them
    signup.write_bytes("对接会报名表\n单位名称\n企业1\n企业2\n大学0\n".encode("gb18030"))
    result = runner.invoke(cli, ["schedule", "--attendees", str(signup), "--slots", "2", "--max-meetings", "2"])
    assert result.exit_code == 0, result.output
    assert "of 2 firms meet someone" in result.output
    signup.write_bytes("单位名称\n企业1\n没有这家单位\n".encode("gb18030"))
    result = runner.invoke(cli, ["schedule", "--attendees", str(signup), "--slots", "2", "--max-meetings", "2"])
    assert result.exit_code == 2 and "没有这家单位" in result.output and "not found" in result.output
    result = runner.invoke(cli, ["hit-rates", "--json"])
    assert json.loads(result.output)[0]["event_id"] == "ev1"
