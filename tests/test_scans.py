"""POST /api/scans (docs/api.md, Scans: many parts at once, and offline replay), on both
databases: the batch's shape, each item's checks and outcomes, keys shared with the single
endpoint, `scannedAt` on the events. A rejected or conflicting item writes nothing."""
import dataclasses

import pytest

from jobs import clock
from jobs.http.contract import contract_of
from schemas.fields import format_timestamp
from tests.conftest import bearer, error_body, make_token

SHAPE = "scans must be a list of 1 to 1000 scans"
BAD_KEY = "key must be 1 to 255 visible ASCII characters"
OTHER = "Idempotency-Key has already been used for a different request"
WHEN = "2024-01-20T16:45:00.000Z"


def scan(client, *items, headers=None):
    response = client.post("/api/scans", json={"scans": list(items)}, headers=headers)
    assert response.status_code == 200, response.json
    assert list(response.json) == ["results"]
    return response.json["results"]


def event_count(client):
    return len(client.get("/api/events").json)


def serial(client, serial_id):
    return client.get(f"/api/serials/{serial_id}").json


@pytest.fixture
def ids(path, make_serials):
    return [made["id"] for made in make_serials(path, 4)]


def test_an_applied_item_is_the_single_move_with_its_answer(client, ids):
    [result] = scan(client, {"key": "k-1", "serialId": ids[0], "action": "advance",
                             "operator": "B-1042"})
    assert list(result) == ["key", "serialId", "outcome", "status", "serial"]
    assert result["key"] == "k-1" and result["serialId"] == ids[0]
    assert (result["outcome"], result["status"]) == ("applied", 200)
    assert result["serial"] == serial(client, ids[0]) and result["serial"]["currentStepIndex"] == 1
    event = client.get(f"/api/serials/{ids[0]}/history").json[-1]
    assert (event["type"], event["operator"]) == ("serial.advanced", "B-1042")
    assert "scannedAt" not in event


def test_items_run_in_order_each_with_its_own_outcome(client, ids):
    results = scan(client,
                   {"key": "a", "serialId": ids[0], "action": "advance"},
                   {"key": "b", "serialId": ids[0], "action": "advance", "expectedStepIndex": 0},
                   {"key": "c", "serialId": ids[1], "action": "scrap", "reason": "damaged"},
                   {"key": "d", "serialId": "SN-99999", "action": "advance"},
                   {"key": "e", "serialId": ids[0], "action": "advance", "expectedStepIndex": 1})
    assert [(r["key"], r["outcome"], r["status"]) for r in results] == [
        ("a", "applied", 200), ("b", "conflict", 409), ("c", "applied", 200),
        ("d", "rejected", 404), ("e", "applied", 200)]
    assert results[1]["message"] == f"Serial {ids[0]} is at step 1, not 0"
    assert results[1]["serial"]["currentStepIndex"] == 1
    assert results[3]["message"] == "Serial not found: SN-99999" and "serial" not in results[3]
    assert serial(client, ids[0])["currentStepIndex"] == 2
    assert serial(client, ids[1])["status"] == "scrapped"


@pytest.mark.parametrize("action,body", [("advance", {}), ("scrap", {"reason": "damaged"}),
                                         ("hold", {"reason": "suspect"}),
                                         ("rework", {"reason": "damaged", "toStepIndex": 0})])
def test_a_serial_id_with_a_nul_character_names_nothing_as_in_a_url(client, ids, action, body):
    events, sid = event_count(client), ids[0] + "\x00"
    for _ in range(2):
        [result] = scan(client, {"key": "nul", "serialId": sid, "action": action, **body})
        assert result == {"key": "nul", "serialId": sid, "outcome": "rejected", "status": 404,
                          "message": f"Serial not found: {sid}"}
    assert client.post(f"/api/serials/{ids[0]}%00/{action}", json=body).status_code == 404
    assert event_count(client) == events and serial(client, ids[0])["currentStepIndex"] == 0


def test_a_conflict_carries_the_serial_as_it_really_is_and_writes_nothing(client, ids):
    client.post(f"/api/serials/{ids[0]}/advance")
    before, events = serial(client, ids[0]), event_count(client)
    [result] = scan(client, {"key": "late", "serialId": ids[0], "action": "advance",
                             "expectedStepIndex": 0})
    assert (result["outcome"], result["status"], result["message"]) == (
        "conflict", 409, f"Serial {ids[0]} is at step 1, not 0")
    assert result["serial"] == before == serial(client, ids[0])
    assert event_count(client) == events


def test_a_conflict_stores_nothing_and_its_key_may_be_sent_again(client, ids):
    stale = {"key": "retry", "serialId": ids[0], "action": "advance", "expectedStepIndex": 1}
    assert scan(client, stale)[0]["outcome"] == "conflict"
    fixed = {**stale, "expectedStepIndex": 0}
    assert scan(client, fixed)[0]["outcome"] == "applied"


def test_a_rule_of_the_single_endpoint_is_its_message(client, ids):
    client.post(f"/api/serials/{ids[0]}/scrap", json={"reason": "damaged"})
    before, events = serial(client, ids[0]), event_count(client)
    results = scan(client, {"key": "x", "serialId": ids[0], "action": "advance"},
                   {"key": "y", "serialId": ids[1], "action": "scrap"},
                   {"key": "z", "serialId": ids[1], "action": "rework", "toStepIndex": 2,
                    "reason": "damaged"},
                   {"key": "w", "serialId": ids[1], "action": "advance",
                    "expectedStepIndex": -1})
    assert [(r["outcome"], r["status"], r["message"]) for r in results] == [
        ("rejected", 400, "Cannot advance a scrapped serial"),
        ("rejected", 400, "reason is required"),
        ("rejected", 400, "toStepIndex must be from 0 to 0"),
        ("rejected", 400, "expectedStepIndex must be a non-negative integer")]
    assert results[0]["serial"] == before and results[1]["serial"] == serial(client, ids[1])
    assert event_count(client) == events


@pytest.mark.parametrize("item,message", [
    ({"serialId": "SN-00001", "action": "advance"}, BAD_KEY),
    ({"key": "", "serialId": "SN-00001", "action": "advance"}, BAD_KEY),
    ({"key": "a b", "serialId": "SN-00001", "action": "advance"}, BAD_KEY),
    ({"key": "clé", "serialId": "SN-00001", "action": "advance"}, BAD_KEY),
    ({"key": "k" * 256, "serialId": "SN-00001", "action": "advance"}, BAD_KEY),
    ({"key": 7, "serialId": "SN-00001", "action": "advance"}, BAD_KEY),
    ({"key": "k", "action": "advance"}, "serialId is required"),
    ({"key": "k", "serialId": "", "action": "advance"}, "serialId is required"),
    ({"key": "k", "serialId": ["SN-00001"], "action": "advance"}, "serialId is required"),
    ({"key": "k", "serialId": "SN-00001"}, "action must be one of: advance, scrap, hold, rework"),
    ({"key": "k", "serialId": "SN-00001", "action": "undo"},
     "action must be one of: advance, scrap, hold, rework"),
    ({"key": "k", "serialId": "SN-00001", "action": "advance", "scannedAt": "2024-01-20"},
     "scannedAt must be a timestamp like 2024-01-20T16:45:00.000Z"),
    ({"key": "k", "serialId": "SN-00001", "action": "advance", "scannedAt": 1705769100000},
     "scannedAt must be a timestamp like 2024-01-20T16:45:00.000Z"),
    ({"key": "k", "serialId": "SN-00001", "action": "advance",
      "scannedAt": "2024-01-20T16:45:00.000+00:00"},
     "scannedAt must be a timestamp like 2024-01-20T16:45:00.000Z"),
])
def test_an_item_with_bad_own_fields_is_rejected_400_and_writes_nothing(client, ids, item,
                                                                         message):
    events = event_count(client)
    [result] = scan(client, item)
    assert (result["outcome"], result["status"], result["message"]) == ("rejected", 400, message)
    assert event_count(client) == events
    assert serial(client, "SN-00001")["currentStepIndex"] == 0
    if isinstance(item.get("key"), str):
        assert result["key"] == item["key"]
    else:
        assert "key" not in result


def test_scanned_at_up_to_five_minutes_ahead_is_recorded_later_is_rejected(client, ids):
    now = clock.now_ms()
    ahead, too_far = format_timestamp(now + 4 * 60_000), format_timestamp(now + 6 * 60_000)
    results = scan(client, {"key": "p", "serialId": ids[0], "action": "advance",
                            "scannedAt": too_far},
                   {"key": "q", "serialId": ids[1], "action": "advance", "scannedAt": ahead},
                   {"key": "r", "serialId": ids[2], "action": "scrap", "reason": "damaged",
                    "scannedAt": WHEN})
    assert (results[0]["status"], results[0]["message"]) == (
        400, "scannedAt must not be more than 5 minutes in the future")
    assert serial(client, ids[0])["currentStepIndex"] == 0
    for serial_id, when in ((ids[1], ahead), (ids[2], WHEN)):
        event = client.get(f"/api/serials/{serial_id}/history").json[-1]
        assert list(event)[:7] == ["id", "at", "type", "actor", "requestId", "scannedAt",
                                   "jobId"]
        assert event["scannedAt"] == when and event["at"] != when
    listed = client.get(f"/api/events?serialId={ids[2]}").json[-1]
    assert listed["scannedAt"] == WHEN


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00.000Z", "0999-12-31T23:59:59.999Z"])
def test_a_scan_time_before_the_year_1000_reads_back_with_four_year_digits(client, ids, when):
    [result] = scan(client, {"key": "old", "serialId": ids[0], "action": "advance",
                             "scannedAt": when})
    assert result["outcome"] == "applied"
    assert client.get(f"/api/serials/{ids[0]}/history").json[-1]["scannedAt"] == when


def test_a_key_applied_earlier_in_the_batch_or_before_is_replayed(client, ids):
    item = {"key": "twice", "serialId": ids[0], "action": "advance", "scannedAt": WHEN}
    first, again = scan(client, item, item)
    assert first["outcome"] == "applied"
    assert list(again) == ["key", "serialId", "outcome", "status", "serial"]
    assert (again["outcome"], again["status"]) == ("replayed", 200)
    client.post(f"/api/serials/{ids[0]}/advance")
    events = event_count(client)
    [later] = scan(client, item)
    assert (later["outcome"], later["status"]) == ("replayed", 200)
    assert later["serial"] == serial(client, ids[0]) and later["serial"]["currentStepIndex"] == 2
    assert event_count(client) == events


def test_a_key_reused_with_another_item_body_is_rejected_422(client, ids):
    scan(client, {"key": "same", "serialId": ids[0], "action": "advance"})
    events = event_count(client)
    results = scan(client, {"key": "same", "serialId": ids[1], "action": "advance"},
                   {"key": "same", "serialId": ids[0], "action": "advance", "operator": "B-1"},
                   {"key": "same", "serialId": ids[0], "action": "scrap", "reason": "damaged"})
    assert [(r["outcome"], r["status"], r["message"]) for r in results] == [
        ("rejected", 422, OTHER)] * 3
    assert event_count(client) == events


def test_an_item_and_a_single_request_with_the_same_key_replay_each_other(client, ids):
    [item] = scan(client, {"key": "shared-1", "serialId": ids[0], "action": "scrap",
                           "reason": "damaged", "note": "dropped"})
    single = client.post(f"/api/serials/{ids[0]}/scrap", json={"note": "dropped",
                                                               "reason": "damaged"},
                         headers={"Idempotency-Key": "shared-1"})
    assert (single.status_code, single.headers["Idempotent-Replayed"]) == (200, "true")
    assert single.json == item["serial"]
    first = client.post(f"/api/serials/{ids[1]}/advance", json={"operator": "B-2"},
                        headers={"Idempotency-Key": "shared-2"})
    events = event_count(client)
    [replayed] = scan(client, {"key": "shared-2", "serialId": ids[1], "action": "advance",
                               "operator": "B-2"})
    assert (replayed["outcome"], replayed["status"]) == ("replayed", 200)
    assert replayed["serial"] == first.json and event_count(client) == events
    [other] = scan(client, {"key": "shared-2", "serialId": ids[1], "action": "advance"})
    assert (other["status"], other["message"]) == (422, OTHER)


def test_an_earlier_item_stays_applied_when_a_later_one_is_refused(client, ids):
    results = scan(client, {"key": "ok", "serialId": ids[0], "action": "advance"},
                   {"key": "no", "serialId": ids[0], "action": "rework", "toStepIndex": 9,
                    "reason": "damaged"})
    assert [r["outcome"] for r in results] == ["applied", "rejected"]
    assert serial(client, ids[0])["currentStepIndex"] == 1


def test_a_rework_item_sends_the_part_back(client, ids):
    client.post(f"/api/serials/{ids[0]}/advance")
    [result] = scan(client, {"key": "rw", "serialId": ids[0], "action": "rework",
                             "toStepIndex": 0, "reason": "process_defect"})
    assert (result["outcome"], result["serial"]["reworkCount"]) == ("applied", 1)


@pytest.mark.parametrize("body", [{}, {"scans": []}, {"scans": "x"}, {"scans": None},
                                  {"scans": [1]}, {"scans": [{"key": "k"}, []]},
                                  {"scans": [{}] * 1001}])
def test_only_the_body_s_shape_is_a_400_for_the_batch(client, ids, body):
    events = event_count(client)
    response = client.post("/api/scans", json=body)
    assert response.json == error_body(400, "Bad Request", SHAPE, {"scans": [SHAPE]})
    assert event_count(client) == events


def test_a_body_that_is_not_json_is_the_usual_error(client):
    response = client.post("/api/scans", data="[", content_type="application/json")
    assert (response.status_code, response.json["message"]) == (
        400, "Request body must be valid JSON")


@pytest.mark.slow
def test_a_batch_of_1000_applies_each_item(client, path, make_serials):
    made = [s["id"] for s in make_serials(path, 1000)]
    results = scan(client, *({"key": f"cart-{n}", "serialId": serial_id, "action": "advance"}
                             for n, serial_id in enumerate(made)))
    assert [r["outcome"] for r in results] == ["applied"] * 1000
    assert {s["currentStepIndex"] for s in client.get(f"/api/serials?pathId={path['id']}").json
            if s["id"] in made} == {1}


def test_a_batch_sent_again_with_an_idempotency_key_is_replayed_whole(client, ids):
    body = {"scans": [{"key": "i", "serialId": ids[0], "action": "advance"}]}
    first = client.post("/api/scans", json=body, headers={"Idempotency-Key": "batch-1"})
    events = event_count(client)
    again = client.post("/api/scans", json=body, headers={"Idempotency-Key": "batch-1"})
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert first.json["results"][0]["outcome"] == "applied" and event_count(client) == events
    other = client.post("/api/scans", json={"scans": [{"key": "j", "serialId": ids[1],
                                                       "action": "advance"}]},
                        headers={"Idempotency-Key": "batch-1"})
    assert (other.status_code, other.json["message"]) == (422, OTHER)
    assert serial(client, ids[1])["currentStepIndex"] == 0


def test_scans_need_the_operator_role(auth_client, role_tokens):
    body = {"scans": [{"key": "k", "serialId": "SN-00001", "action": "advance"}]}
    viewer = auth_client.post("/api/scans", json=body, headers=bearer(role_tokens["viewer"]))
    assert (viewer.status_code, viewer.json["message"]) == (
        403, "This action requires the operator role")
    operator = auth_client.post("/api/scans", json=body, headers=bearer(role_tokens["operator"]))
    assert operator.json["results"][0]["status"] == 404


def test_an_item_needing_a_higher_role_is_rejected_403(auth_app, auth_client, role_tokens,
                                                       monkeypatch):
    view = auth_app.view_functions["api.scrap_serial"]
    monkeypatch.setattr(view, "contract", dataclasses.replace(contract_of(view), role="planner"))
    body = {"scans": [{"key": "k", "serialId": "SN-00001", "action": "scrap",
                       "reason": "damaged"}]}
    [result] = auth_client.post("/api/scans", json=body,
                                headers=bearer(role_tokens["operator"])).json["results"]
    assert (result["outcome"], result["status"], result["message"]) == (
        "rejected", 403, "This action requires the planner role")


def test_keys_belong_to_the_actor(auth_client, role_tokens):
    planner = bearer(role_tokens["planner"])
    job = auth_client.post("/api/jobs", json={"name": "J", "goalQuantity": 1},
                           headers=planner).json
    path = auth_client.post("/api/paths", json={"jobId": job["id"], "name": "P",
                                                "goalQuantity": 1,
                                                "steps": [{"name": "A"}, {"name": "B"}]},
                            headers=planner).json
    made = auth_client.post("/api/serials", json={"jobId": job["id"], "pathId": path["id"],
                                                  "quantity": 1}, headers=planner).json
    item = {"key": "mine", "serialId": made[0]["id"], "action": "advance"}
    other = bearer(make_token("station-2", "operator"))
    for headers, outcome in ((bearer(role_tokens["operator"]), "applied"), (other, "applied")):
        [result] = auth_client.post("/api/scans", json={"scans": [item]},
                                    headers=headers).json["results"]
        assert result["outcome"] == outcome


def test_hold_items_hold_and_a_held_part_is_a_conflict(client, ids):
    results = scan(client, {"key": "h1", "serialId": ids[0], "action": "hold",
                            "reason": "suspect", "note": "chatter"},
                   {"key": "h2", "serialId": ids[0], "action": "hold", "reason": "other"},
                   {"key": "h3", "serialId": ids[0], "action": "advance"},
                   {"key": "h4", "serialId": ids[1], "action": "hold", "reason": "bored"})
    assert [(r["outcome"], r["status"], r.get("message")) for r in results] == [
        ("applied", 200, None),
        ("conflict", 409, f"Serial {ids[0]} is already on hold"),
        ("conflict", 409, f"Serial {ids[0]} is on hold"),
        ("rejected", 400, "reason must be one of: suspect, awaiting_material, "
                          "awaiting_decision, other")]
    assert results[0]["serial"]["hold"]["note"] == "chatter"
    assert results[2]["serial"]["status"] == "on_hold"
    assert client.get(f"/api/serials/{ids[0]}/history").json[-1]["type"] == "serial.held"


@pytest.mark.parametrize("depth", [500, 900])
def test_an_item_nested_hundreds_of_levels_deep_is_keyed_and_replays(client, ids, depth):
    raw = ('{"scans": [%s, %s]}' % ((f'{{"key": "deep", "serialId": "{ids[0]}", '
                                     f'"action": "advance", "x": {"[" * depth}{"]" * depth}}}',)
                                    * 2))
    response = client.post("/api/scans", data=raw, content_type="application/json")
    assert response.status_code == 200
    assert [r["outcome"] for r in response.json["results"]] == ["applied", "replayed"]
