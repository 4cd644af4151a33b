"""Rework, Undo and Void (docs/api.md, Rework; Undo; Void; Precisions), on both databases."""
import pytest

from jobs import clock
from jobs.services import corrections, holds, serials, voids
from jobs.services.serial_state import IS_VOIDED
from tests.conftest import bearer, error_body, make_token, stored
from tests.test_floor_advance import STEPS, events, post, refused, states


@pytest.fixture
def make(client, job, make_path, make_serials):
    def made(mode="flexible", quantity=1):
        path = make_path(job["id"], advancementMode=mode, steps=STEPS)
        return path, [s["id"] for s in make_serials(path, quantity)]
    return made


def test_rework_sends_back_counts_visits_and_makes_later_steps_pending(client, make):
    path, (sid,) = make()
    post(client, sid, "advance", {"toStepIndex": 3})
    body = post(client, sid, "rework", {"toStepIndex": 0, "reason": "process_defect",
                                        "note": "burr", "operator": "B-1"}).json
    assert (body["currentStepIndex"], body["currentStepId"], body["reworkCount"]) == (
        0, path["steps"][0]["id"], 1)
    assert states(body) == [("current", 2), ("pending", 0), ("pending", 0), ("pending", 1),
                            ("pending", 0)]
    assert events(client, sid)[-1]["data"] == {
        "fromStepIndex": 3, "toStepIndex": 0, "fromStep": "Paint", "toStep": "Cut",
        "reason": "process_defect", "note": "burr"}
    assert states(post(client, sid, "advance").json)[1] == ("current", 1)


def test_rework_of_a_completed_serial(client, make):
    _, (sid,) = make("strict")
    for _ in STEPS:
        post(client, sid, "advance")
    body = post(client, sid, "rework", {"toStepIndex": 4, "reason": "other"}).json
    assert (body["status"], body["currentStepIndex"], states(body)[4]) == (
        "in_progress", 4, ("current", 2))
    assert events(client, sid)[-1]["data"] == {"fromStepIndex": -1, "toStepIndex": 4,
                                               "toStep": "Inspect", "reason": "other"}


def test_rework_checks_in_order(client, make):
    _, (sid,) = make()
    post(client, sid, "advance")
    refused(client, sid, "rework", {}, 400, "toStepIndex is required")
    refused(client, sid, "rework", {"toStepIndex": 2, "reason": "x"}, 400,
            "toStepIndex must be from 0 to 1")
    refused(client, sid, "rework", {"toStepIndex": None}, 400, "toStepIndex must be from 0 to 1")
    refused(client, sid, "rework", {"toStepIndex": 0}, 400, "reason is required")
    refused(client, sid, "rework", {"toStepIndex": 0, "reason": "nope"}, 400,
            "reason must be one of: out_of_tolerance, process_defect, damaged, operator_error, "
            "other")
    refused(client, sid, "rework", {"toStepIndex": 0, "reason": "other", "note": "x" * 1001},
            400, "note must be at most 1000 characters")
    post(client, sid, "scrap", {"reason": "other"})
    refused(client, sid, "rework", {"reason": 5}, 400, "Cannot rework a scrapped serial")


UNDOABLE = [
    ("advance", {}),
    ("advance", {"toStepIndex": 3}),
    ("scrap", {"reason": "damaged", "note": "dropped"}),
    ("rework", {"toStepIndex": 0, "reason": "other"}),
]


@pytest.mark.parametrize("action,body", UNDOABLE)
def test_undo_restores_get_serial_exactly(client, make, action, body):
    _, (sid,) = make()
    post(client, sid, "advance")
    before = stored(client, "serials", sid)
    assert post(client, sid, action, body).status_code == 200
    undone = post(client, sid, "undo", {"reason": "mis-scan"}).json
    assert {**undone, "updatedAt": before["updatedAt"]} == before
    assert undone == stored(client, "serials", sid)
    assert events(client, sid)[-1]["data"]["undoneType"] == events(client, sid)[-2]["type"]


def test_undo_of_completion_step_complete_and_waive(client, make):
    path, (sid,) = make()
    post(client, sid, "advance", {"toStepIndex": 3})
    wash = path["steps"][2]["id"]
    for action, body in ((f"steps/{wash}/complete", {}), (f"steps/{wash}/waive",
                                                          {"reason": "ok"})):
        before = stored(client, "serials", sid)
        post(client, sid, action, body)
        undone = post(client, sid, "undo", {"reason": "wrong"}).json
        assert {**undone, "updatedAt": before["updatedAt"]} == before
    post(client, sid, f"steps/{wash}/complete", {})
    post(client, sid, "advance")
    before = stored(client, "serials", sid)
    assert post(client, sid, "advance").json["status"] == "completed"
    undone = post(client, sid, "undo", {"reason": "not yet"}).json
    assert {**undone, "updatedAt": before["updatedAt"]} == before


def test_repeated_undos_walk_back_then_nothing_to_undo(client, make):
    _, (sid,) = make()
    created = stored(client, "serials", sid)
    post(client, sid, "advance")
    post(client, sid, "advance")
    moves = [e["id"] for e in events(client, sid)[1:]]
    refused(client, sid, "undo", {"reason": "x", "eventId": moves[0]}, 409,
            f"Event {moves[0]} is not the last move of serial {sid}")
    assert post(client, sid, "undo", {"reason": "x", "eventId": moves[1]}).status_code == 200
    assert post(client, sid, "undo", {"reason": "x"}).json["currentStepIndex"] == 0
    refused(client, sid, "undo", {"reason": "x"}, 409, corrections.NOTHING_TO_UNDO.format(id=sid))
    assert {**stored(client, "serials", sid), "updatedAt": created["updatedAt"]} == created
    assert events(client, sid)[-1]["data"] == {"undoneEventId": moves[0],
                                               "undoneType": "serial.advanced", "reason": "x"}


@pytest.mark.parametrize("body,message", [
    ({}, "reason is required"), ({"reason": "  "}, "reason is required"),
    ({"reason": "x" * 1001}, "reason must be at most 1000 characters"),
    ({"reason": "x", "eventId": "5"}, "eventId must be an integer"),
    ({"reason": "x", "eventId": 1.5}, "eventId must be an integer"),
])
def test_undo_body_messages(client, make, body, message):
    _, (sid,) = make()
    post(client, sid, "advance")
    refused(client, sid, "undo", body, 400, message)


def test_an_operator_undoes_only_its_own_recent_moves(auth_app, make_job_with_auth,
                                                     monkeypatch):
    client, sid = make_job_with_auth
    alice, bob = make_token("alice", "operator"), make_token("bob", "operator")
    boss = make_token("boss", "planner")
    client.post(f"/api/serials/{sid}/advance", headers=bearer(alice))
    refusal = client.post(f"/api/serials/{sid}/undo", json={"reason": "x"}, headers=bearer(bob))
    assert refusal.json == error_body(403, "Forbidden", "Only a planner can undo this move")
    now = clock.now_ms
    with monkeypatch.context() as later:
        later.setattr(clock, "now_ms", lambda: now() + 15 * 60_000 + 1000)
        late = client.post(f"/api/serials/{sid}/undo", json={"reason": "x"},
                           headers=bearer(alice))
    assert late.json == error_body(403, "Forbidden", "Only a planner can undo this move")
    auth_app.config["UNDO_MINUTES"] = 30
    with monkeypatch.context() as later:
        later.setattr(clock, "now_ms", lambda: now() + 15 * 60_000 + 1000)
        own = client.post(f"/api/serials/{sid}/undo", json={"reason": "x"}, headers=bearer(alice))
    assert own.status_code == 200
    client.post(f"/api/serials/{sid}/advance", headers=bearer(alice))
    own = client.post(f"/api/serials/{sid}/undo", json={"reason": "x"}, headers=bearer(alice))
    assert own.status_code == 200
    client.post(f"/api/serials/{sid}/advance", headers=bearer(alice))
    assert client.post(f"/api/serials/{sid}/undo", json={"reason": "x"},
                       headers=bearer(boss)).status_code == 200


@pytest.fixture
def make_job_with_auth(auth_client):
    planner = bearer(make_token("setup", "planner"))
    job = auth_client.post("/api/jobs", json={"name": "J", "goalQuantity": 1},
                           headers=planner).json
    path = auth_client.post("/api/paths", json={"jobId": job["id"], "name": "P",
                                                "goalQuantity": 1, "steps": STEPS},
                            headers=planner).json
    serial = auth_client.post("/api/serials", json={"jobId": job["id"], "pathId": path["id"],
                                                    "quantity": 1}, headers=planner).json[0]
    return auth_client, serial["id"]


def void(client, ids, reason="typo batch"):
    return client.post("/api/serials/void", json={"serialIds": ids, "reason": reason})


def test_void_all_or_nothing_and_left_out_everywhere(client, make, job):
    path, ids = make(quantity=4)
    post(client, ids[0], "advance")
    response = void(client, ids[1:] + [ids[0]])
    assert response.json == error_body(409, "Conflict",
                                       voids.HAS_MOVED.format(id=ids[0]))
    assert void(client, [ids[1], "SN-99999", ids[0]]).json == error_body(
        404, "Not Found", serials.NOT_FOUND.format(id="SN-99999"))
    assert all(stored(client, "serials", i)["status"] == "in_progress" for i in ids)
    voided = void(client, [ids[3], ids[2]]).json
    assert [(s["id"], s["status"]) for s in voided] == [(ids[3], "voided"), (ids[2], "voided")]
    assert events(client, ids[3])[-1]["data"] == {"reason": "typo batch"}
    assert [s["id"] for s in client.get("/api/serials").json] == ids[:2]
    assert [s["id"] for s in client.get("/api/serials?status=voided").json] == [ids[2], ids[3]]
    progress = client.get(f"/api/jobs/{job['id']}").json["progress"]
    assert progress["totalInProgress"] == 2
    assert void(client, [ids[2]]).json == error_body(409, "Conflict",
                                                     voids.ALREADY_VOIDED.format(id=ids[2]))


@pytest.mark.parametrize("body,message", [
    ({"reason": "x"}, "serialIds must be a list of 1 to 10000 serial ids"),
    ({"serialIds": [], "reason": "x"}, "serialIds must be a list of 1 to 10000 serial ids"),
    ({"serialIds": [1], "reason": "x"}, "serialIds must be a list of 1 to 10000 serial ids"),
    ({"serialIds": ["a"] * 10001, "reason": "x"},
     "serialIds must be a list of 1 to 10000 serial ids"),
    ({"serialIds": ["SN-00001", "SN-00001"], "reason": "x"}, "serialIds must not repeat an id"),
    ({"serialIds": ["SN-00001"]}, "reason is required"),
])
def test_void_body_messages(client, make, body, message):
    make()
    response = client.post("/api/serials/void", json=body)
    assert response.json["message"] == message and response.status_code == 400
    assert stored(client, "serials", "SN-00001")["status"] == "in_progress"


def test_voided_serials_do_not_block_deletes_and_undo_of_a_void(client, make, job):
    path, ids = make(quantity=2)
    void(client, ids)
    undone = post(client, ids[0], "undo", {"reason": "not a typo"}).json
    assert undone["status"] == "in_progress"
    assert client.delete(f"/api/jobs/{job['id']}").json["message"] == (
        "Cannot delete job: it has 1 serial(s)")
    void(client, [ids[0]])
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 204
    refused(client, ids[1], "undo", {"reason": "x"}, 409,
            corrections.CANNOT_RESTORE.format(id=ids[1]))
    assert stored(client, "serials", ids[1])["status"] == "voided"


@pytest.mark.parametrize("action,body,status,message", [
    ("advance", {}, 400, IS_VOIDED),
    ("scrap", {"reason": "other"}, 400, IS_VOIDED),
    ("hold", {"reason": "other"}, 400, IS_VOIDED),
    ("rework", {"toStepIndex": 0, "reason": "other"}, 400, IS_VOIDED),
    ("release", {"disposition": "continue"}, 409, holds.NOT_ON_HOLD),
])
def test_a_voided_serial_whose_job_is_gone_is_still_refused_as_voided(
        client, make, job, action, body, status, message):
    path, ids = make(quantity=1)
    void(client, ids)
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 204
    refused(client, ids[0], action, body, status, message.format(id=ids[0]))


def test_a_serial_whose_moves_were_undone_may_be_voided(client, make):
    _, (sid,) = make()
    post(client, sid, "advance")
    post(client, sid, "undo", {"reason": "mis-scan"})
    assert void(client, [sid]).json[0]["status"] == "voided"
    refused(client, sid, "advance", {}, 400, IS_VOIDED.format(id=sid))
    refused(client, sid, "scrap", {"reason": "other"}, 400, IS_VOIDED.format(id=sid))
    refused(client, sid, "rework", {"toStepIndex": 0, "reason": "other"}, 400,
            IS_VOIDED.format(id=sid))


def test_new_moves_honour_idempotency_keys(client, make):
    _, (sid,) = make()
    key = {"Idempotency-Key": "rework-1"}
    first = client.post(f"/api/serials/{sid}/rework", json={"toStepIndex": 0, "reason": "other"},
                        headers=key)
    again = client.post(f"/api/serials/{sid}/rework", json={"toStepIndex": 0, "reason": "other"},
                        headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert [e["type"] for e in events(client, sid)] == ["serials.created", "serial.reworked"]


def test_void_of_an_id_with_a_nul_character_is_404(client, make):
    _, (sid,) = make()
    response = void(client, [sid, "SN-\u00000001"])
    assert response.json == error_body(404, "Not Found", "Serial not found: SN-\u00000001")
    assert stored(client, "serials", sid)["status"] == "in_progress"
