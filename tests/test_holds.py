"""Hold, Release and its dispositions, the on-hold rules (docs/api.md, Holds and dispositions)."""
import pytest

from jobs.services.holds import HOLD_REFUSED
from jobs.services.serial_state import IS_ON_HOLD, IS_VOIDED
from jobs.vocabulary import ON_HOLD
from tests.conftest import stored
from tests.test_floor_advance import STEPS, events, post, refused, states


@pytest.fixture
def held(client, job, make_path, make_serials):
    path = make_path(job["id"], advancementMode="flexible", steps=STEPS)
    sid = make_serials(path)[0]["id"]
    post(client, sid, "advance", {"toStepIndex": 3})
    before = stored(client, "serials", sid)
    body = post(client, sid, "hold", {"reason": "suspect", "note": "chatter", "operator": "B-7"})
    return path, sid, before, body.json


def test_hold_answers_the_held_serial_and_records_it(client, held):
    _, sid, before, body = held
    assert list(body) == ["id", "jobId", "pathId", "currentStepIndex", "currentStepId", "status",
                          "reworkCount", "hold", "createdAt", "updatedAt", "steps"]
    assert body["hold"]["reason"] == "suspect" and body["hold"]["note"] == "chatter"
    assert before["updatedAt"] <= body["hold"]["since"] <= body["updatedAt"]
    assert body["steps"] == before["steps"]
    assert events(client, sid)[-1]["data"] == {"reason": "suspect", "note": "chatter",
                                               "atStepIndex": 3, "atStep": "Paint"}
    assert client.get("/api/serials?status=on_hold").json[0]["hold"]["reason"] == "suspect"


def test_the_on_hold_rules(client, held):
    path, sid, _, _ = held
    refused(client, sid, "hold", {"reason": "other"}, 409, HOLD_REFUSED[ON_HOLD].format(id=sid))
    refused(client, sid, "advance", {}, 409, IS_ON_HOLD.format(id=sid))
    refused(client, sid, "rework", {"toStepIndex": 0, "reason": "other"}, 409,
            IS_ON_HOLD.format(id=sid))
    refused(client, sid, f"steps/{path['steps'][2]['id']}/complete", {}, 409,
            IS_ON_HOLD.format(id=sid))
    scrapped = post(client, sid, "scrap", {"reason": "damaged"}).json
    assert scrapped["status"] == "scrapped" and "hold" not in scrapped


def test_hold_refusals(client, job, make_path, make_serials):
    path = make_path(job["id"], steps=[{"name": "A"}])
    a, b = [s["id"] for s in make_serials(path, 2)]
    refused(client, a, "hold", {}, 400, "reason is required")
    refused(client, a, "hold", {"reason": "bad"}, 400,
            "reason must be one of: suspect, awaiting_material, awaiting_decision, other")
    post(client, a, "advance")
    refused(client, a, "hold", {"reason": "other"}, 400, "Cannot hold a completed serial")
    post(client, b, "scrap", {"reason": "other"})
    refused(client, b, "hold", {"reason": "other"}, 400, "Cannot hold a scrapped serial")


def test_release_continue_and_undo_of_hold_and_release(client, held):
    _, sid, before, _ = held
    released = post(client, sid, "release", {"disposition": "continue", "note": "ok"}).json
    assert released["status"] == "in_progress" and "hold" not in released
    assert events(client, sid)[-1]["data"] == {"disposition": "continue", "note": "ok"}
    undone = post(client, sid, "undo", {"reason": "x"}).json
    assert undone["status"] == "on_hold" and undone["hold"]["reason"] == "suspect"
    back = post(client, sid, "undo", {"reason": "x"}).json
    assert {**back, "updatedAt": before["updatedAt"]} == before


def test_release_use_as_is_moves_on_without_results(client, held):
    _, sid, _, _ = held
    refused(client, sid, "release", {"disposition": "use_as_is"}, 400,
            "note is required for use_as_is")
    body = post(client, sid, "release", {"disposition": "use_as_is", "note": "MRB-1"}).json
    assert (body["status"], body["currentStepIndex"], states(body)[3]) == (
        "in_progress", 4, ("done", 1))
    post(client, sid, "hold", {"reason": "other"})
    refused(client, sid, "release", {"disposition": "use_as_is", "note": "MRB-2"}, 409,
            f"Serial {sid} has deferred steps: Wash")


def test_release_rework_and_scrap(client, held):
    _, sid, _, _ = held
    refused(client, sid, "release", {"disposition": "rework"}, 400, "toStepIndex is required")
    refused(client, sid, "release", {"disposition": "rework", "toStepIndex": 4}, 400,
            "toStepIndex must be from 0 to 3")
    refused(client, sid, "release", {"disposition": "rework", "toStepIndex": 0}, 400,
            "reason is required")
    body = post(client, sid, "release", {"disposition": "rework", "toStepIndex": 0,
                                         "reason": "out_of_tolerance"}).json
    assert (body["status"], body["currentStepIndex"], body["reworkCount"]) == (
        "in_progress", 0, 1)
    assert events(client, sid)[-1]["data"] == {"disposition": "rework", "toStepIndex": 0,
                                               "reason": "out_of_tolerance"}
    post(client, sid, "hold", {"reason": "other"})
    refused(client, sid, "release", {"disposition": "scrap"}, 400, "reason is required")
    body = post(client, sid, "release", {"disposition": "scrap", "reason": "damaged",
                                         "note": "MRB-3"}).json
    assert (body["status"], body["scrapReason"], body["scrapNote"]) == (
        "scrapped", "damaged", "MRB-3")


def test_release_order(client, job, make_path, make_serials):
    sid = make_serials(make_path(job["id"]))[0]["id"]
    refused(client, sid, "release", {}, 400, "disposition is required")
    refused(client, sid, "release", {"disposition": "later"}, 400,
            "disposition must be one of: continue, use_as_is, rework, scrap")
    refused(client, sid, "release", {"disposition": "rework"}, 409, f"Serial {sid} is not on hold")


def test_hold_figures_in_progress(client, job, held):
    _, sid, _, _ = held
    shown = client.get(f"/api/jobs/{job['id']}").json["progress"]
    assert (shown["totalOnHold"], shown["totalInProgress"]) == (1, 0)
    entry = shown["pathProgress"][0]
    assert (entry["onHold"], entry["steps"][3]["onHold"], entry["steps"][2]["deferred"]) == (
        1, 1, 1)
    post(client, sid, "release", {"disposition": "use_as_is", "note": "ok"})
    post(client, sid, "steps/" + entry["steps"][2]["stepId"] + "/waive", {"reason": "ok"})
    post(client, sid, "advance")
    shown = client.get(f"/api/jobs/{job['id']}").json["progress"]
    assert (shown["totalCompleted"], shown["firstPassYield"]) == (1, 0)


def test_hold_of_a_voided_serial_is_400(client, job, make_path, make_serials):
    sid = make_serials(make_path(job["id"]))[0]["id"]
    client.post("/api/serials/void", json={"serialIds": [sid], "reason": "typo"})
    refused(client, sid, "hold", {"reason": "other"}, 400, IS_VOIDED.format(id=sid))
