"""POST /schedule: meeting plans from an event or lists of attendees, JSON or Excel, cached recommender, errors."""

from __future__ import annotations

import io
from collections import Counter

import openpyxl
import pytest
from fastapi.testclient import TestClient

from analysis.pairing import PairingRecommender, schedule_meetings
from api.http.app import create_app
from api.http.routes.schedule import XLSX
from api.http.security import KeyRing
from graph.sqlite_store import SQLiteStore
from tests.api.conftest import fill_pairing_world

KEYS = KeyRing([("viewer", "viewer-key-0123456789"), ("matchmaker", "matchmaker-key-0123456789"), ("admin", "admin-key-0123456789")])
FIRMS = [f"e{i:03d}" for i in range(0, 24, 2)]
PARTNERS = ["u00", "u01", "u02", "u03", "t-expert"]


@pytest.fixture(scope="module")
def schedule_client():
    store = SQLiteStore(":memory:")
    fill_pairing_world(store)
    store.upsert_nodes("Event", [{"id": "ev1", "name": "2023年膜材料产学研对接会", "year": 2023},
                                 {"id": "ev-empty", "name": "空场", "year": 2023}])
    store.upsert_relationships("ATTENDED", [{"source": a, "target": "ev1"} for a in FIRMS + PARTNERS])
    app = create_app(store=store, keyring=KEYS)
    with TestClient(app, headers={"X-API-Key": "matchmaker-key-0123456789"}, raise_server_exceptions=False) as client:
        app.state.cache.wait_idle()  # the recommender is fitted in the background at start-up
        yield client, app, store


def _check_feasible(meetings: list[dict], slots: int, max_meetings: int) -> None:
    assert all(1 <= m["slot"] <= slots for m in meetings)
    for side in ("enterprise_id", "partner_id"):
        per_slot = Counter((m[side], m["slot"]) for m in meetings)
        assert max(per_slot.values()) == 1, f"{side} double-booked"
        assert max(Counter(m[side] for m in meetings).values()) <= max_meetings
    assert len({(m["enterprise_id"], m["partner_id"]) for m in meetings}) == len(meetings)


def test_event_schedule_as_json(schedule_client):
    client, app, _store = schedule_client
    response = client.post("/schedule", json={"event_id": "ev1", "slots": 3, "max_meetings": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["event_id"] == "ev1" and body["enterprises"] == len(FIRMS) and body["partners"] == len(PARTNERS)
    meetings = body["meetings"]
    assert body["total"] == len(meetings) > 0
    _check_feasible(meetings, 3, 2)
    # 5 partners × 2 meetings = 10 meetings at most; all of them are used, each by a different firm
    assert len(meetings) == 10 and body["firms_met"] == 10
    assert all(m["explanation"] and 0 <= m["score"] <= 1 for m in meetings)
    assert "赵专家" in {m["partner_name"] for m in meetings}  # matchmakers see expert names
    assert len(body["agenda"]) == 2 * len(meetings)
    # the same plan as the library gives with the app's cached recommender
    recommender = app.state.cache.peek("recommender")
    direct, _agenda = schedule_meetings(recommender, FIRMS + PARTNERS, 3, 2)
    assert sum(m["score"] for m in meetings) == pytest.approx(float(direct["score"].sum()), abs=1e-3)


def test_lists_by_id_uscc_or_name_and_the_recommender_is_not_refitted(schedule_client, monkeypatch):
    client, app, _store = schedule_client
    client.get("/pairings/e000")
    fitted = app.state.cache.peek("recommender")
    assert fitted is not None

    def no_refit(*args, **kwargs):
        raise AssertionError("POST /schedule refitted the recommender")

    monkeypatch.setattr(PairingRecommender, "fit", no_refit)
    response = client.post("/schedule", json={
        "enterprise_ids": ["e000", "宜兴企业4", "e008"], "partner_ids": ["u00", "大学1"], "slots": 2, "max_meetings": 2,
        "include_existing": True})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["event_id"] is None and body["enterprises"] == 3 and body["partners"] == 2
    assert {m["enterprise_id"] for m in body["meetings"]} <= {"e000", "e004", "e008"}
    assert {m["partner_id"] for m in body["meetings"]} <= {"u00", "u01"}
    _check_feasible(body["meetings"], 2, 2)
    assert body["firms_met"] == 3  # 2 partners × 2 meetings: every firm gets one
    assert app.state.cache.peek("recommender") is fitted


def test_excel_when_accept_asks_for_it(schedule_client):
    client, _app, _store = schedule_client
    plan = {"event_id": "ev1", "slots": 2, "max_meetings": 2}
    as_json = client.post("/schedule", json=plan).json()
    response = client.post("/schedule", json=plan, headers={"Accept": XLSX})
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert 'filename="schedule-ev1.xlsx"' in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["按时段", "按单位", "说明"]
    rows = list(book["按时段"].iter_rows(values_only=True))
    assert rows[0][:7] == ("时段", "开始", "结束", "桌号", "企业编号", "企业", "对接方编号")
    assert len(rows) - 1 == as_json["total"]
    assert sorted((r[0], r[4], r[6]) for r in rows[1:]) == sorted(
        (m["slot"], m["enterprise_id"], m["partner_id"]) for m in as_json["meetings"])
    assert len(list(book["按单位"].iter_rows())) - 1 == 2 * as_json["total"]
    book.close()
    # JSON stays the default, and is preferred when the client weighs it higher
    weighted = client.post("/schedule", json=plan, headers={"Accept": f"application/json, {XLSX};q=0.5"})
    assert weighted.headers["content-type"] == "application/json"


def test_times_tables_and_minimum_score(schedule_client):
    client, _app, _store = schedule_client
    plan = {"event_id": "ev1", "slots": 3, "max_meetings": 3, "start": "2025-05-20T13:30:00", "slot_minutes": 30,
            "tables": 2, "min_score": 0.0}
    body = client.post("/schedule", json=plan).json()
    meetings = body["meetings"]
    assert body["tables"] == 2 and body["slot_minutes"] == 30 and body["min_score"] == 0.0
    assert Counter(m["slot"] for m in meetings).most_common(1)[0][1] <= 2
    assert {(m["slot"], m["start"], m["end"]) for m in meetings} <= {
        (1, "2025-05-20 13:30", "2025-05-20 14:00"), (2, "2025-05-20 14:00", "2025-05-20 14:30"),
        (3, "2025-05-20 14:30", "2025-05-20 15:00")}
    assert all(m["table"] in (1, 2) and 0 <= m["match_index"] <= 100 for m in meetings)
    default = client.post("/schedule", json={"event_id": "ev1", "slots": 3, "max_meetings": 3}).json()
    assert default["min_score"] > 0 and all(m["score"] >= default["min_score"] - 1e-4 for m in default["meetings"])
    assert default["meetings"][0]["start"] == "09:00"  # the event has no date


def test_an_event_without_attendees_gives_an_empty_plan(schedule_client):
    client, _app, _store = schedule_client
    body = client.post("/schedule", json={"event_id": "ev-empty", "slots": 2, "max_meetings": 1}).json()
    assert body["total"] == 0 and body["meetings"] == [] and body["firms_met"] == 0


@pytest.mark.parametrize(("payload", "status", "says"), [
    ({"event_id": "ev-nope", "slots": 2, "max_meetings": 1}, 404, "ev-nope"),
    ({"enterprise_ids": ["e000", "nobody"], "partner_ids": ["u00"], "slots": 2, "max_meetings": 1}, 404, "nobody"),
    ({"event_id": "e000", "slots": 2, "max_meetings": 1}, 422, "not an Event"),
    ({"enterprise_ids": ["u00"], "partner_ids": ["u01"], "slots": 2, "max_meetings": 1}, 422, "partner_ids"),
    ({"enterprise_ids": ["e000"], "partner_ids": ["e001"], "slots": 2, "max_meetings": 1}, 422, "enterprise_ids"),
    ({"slots": 2, "max_meetings": 1}, 422, "either event_id"),
    ({"event_id": "ev1", "enterprise_ids": ["e000"], "partner_ids": ["u00"], "slots": 2, "max_meetings": 1}, 422,
     "not both"),
    ({"enterprise_ids": ["e000"], "partner_ids": [], "slots": 2, "max_meetings": 1}, 422, "at least one"),
    ({"event_id": "ev1", "slots": 0, "max_meetings": 1}, 422, "slots"),
    ({"event_id": "ev1", "slots": 2, "max_meetings": 1, "colour": "red"}, 422, "colour"),
])
def test_errors(schedule_client, payload, status, says):
    client, _app, _store = schedule_client
    response = client.post("/schedule", json=payload)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert says in response.json()["detail"]


def test_matchmaker_or_stronger(schedule_client):
    client, _app, _store = schedule_client
    plan = {"event_id": "ev1", "slots": 1, "max_meetings": 1}
    assert client.post("/schedule", json=plan, headers={"X-API-Key": "viewer-key-0123456789"}).status_code == 403
    assert client.post("/schedule", json=plan, headers={"X-API-Key": "admin-key-0123456789"}).status_code == 200
    assert client.post("/schedule", json=plan, headers={"X-API-Key": "wrong"}).status_code == 401


def test_too_little_history_is_409(client):
    response = client("matchmaker").post("/schedule", json={"enterprise_ids": ["e2"], "partner_ids": ["u1"],
                                                            "slots": 1, "max_meetings": 1})
    assert response.status_code == 409


def test_a_plan_at_the_old_maxima_is_refused_at_once_naming_the_limit(schedule_client):
    import time

    client, _app, _store = schedule_client
    huge = {"enterprise_ids": [f"宜兴企业{i}" for i in range(1000)], "partner_ids": [f"大学{j}" for j in range(1000)],
            "slots": 48, "max_meetings": 48, "candidates_per_firm": 100, "time_limit": 60}
    started = time.perf_counter()
    response = client.post("/schedule", json=huge)
    assert time.perf_counter() - started < 2
    assert response.status_code == 422 and "time_limit" in response.text  # at most MAX_SOLVER_SECONDS
    huge["time_limit"] = 30
    response = client.post("/schedule", json=huge)
    assert response.status_code == 422 and "MAX_ATTENDEES" in response.json()["detail"]
    wide = {"enterprise_ids": [f"e{i:03d}" for i in range(0, 60, 2)], "partner_ids": ["u00", "u01", "u02"],
            "slots": 48, "max_meetings": 48, "candidates_per_firm": 100}
    from api.http.routes import schedule as route

    original = route.MAX_CHOICES
    route.MAX_CHOICES = 1000
    try:
        response = client.post("/schedule", json=wide)
        event = client.post("/schedule", json={"event_id": "ev1", "slots": 48, "max_meetings": 48})
    finally:
        route.MAX_CHOICES = original
    assert response.status_code == 422
    assert "4,320 meeting choices" in response.json()["detail"] and "MAX_CHOICES" in response.json()["detail"]
    assert event.status_code == 422 and "MAX_CHOICES" in event.json()["detail"]  # resolved attendees, same bound
