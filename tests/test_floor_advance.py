"""Advance with the route rules, Scrap's new fields, step complete and waive (docs/api.md,
Route rules; Precisions), on both databases. A refused move changes nothing and records nothing."""
import pytest

from tests.conftest import error_body, stored

STEPS = [{"name": "Cut"}, {"name": "Deburr", "optional": True},
         {"name": "Wash", "dependencyType": "completion_gate"},
         {"name": "Paint", "dependencyType": "physical"}, {"name": "Inspect"}]


@pytest.fixture
def make(client, job, make_path, make_serials):
    def made(mode="flexible", steps=STEPS):
        path = make_path(job["id"], advancementMode=mode, steps=steps)
        return path, make_serials(path)[0]["id"]
    return made


def post(client, serial_id, action, body=None):
    return client.post(f"/api/serials/{serial_id}/{action}", json=body or {})


def events(client, serial_id):
    return client.get(f"/api/serials/{serial_id}/history").json


def refused(client, serial_id, action, body, status, message):
    """Send a move that must be refused; check the answer and that nothing changed."""
    before, seen = stored(client, "serials", serial_id), len(events(client, serial_id))
    response = post(client, serial_id, action, body)
    reason = {400: "Bad Request", 404: "Not Found", 409: "Conflict"}[status]
    assert response.json == error_body(status, reason, message, response.json.get("data") and
                                       response.json["data"].get("errors"))
    assert stored(client, "serials", serial_id) == before
    assert len(events(client, serial_id)) == seen


def states(body):
    return [(s["state"], s["visits"]) for s in body["steps"]]


def test_advance_answers_get_serial_s_shape_with_steps(client, make):
    path, sid = make()
    body = post(client, sid, "advance", {"operator": "  B-1042 "}).json
    assert list(body) == ["id", "jobId", "pathId", "currentStepIndex", "currentStepId", "status",
                          "reworkCount", "createdAt", "updatedAt", "steps"]
    assert body == stored(client, "serials", sid)
    assert body["currentStepId"] == path["steps"][1]["id"]
    assert list(body["steps"][0]) == ["stepId", "name", "state", "visits"]
    event = events(client, sid)[-1]
    assert list(event)[:5] == ["id", "at", "type", "actor", "operator"]
    assert (event["type"], event["operator"]) == ("serial.advanced", "B-1042")


def test_to_step_index_skips_optional_and_defers_required_steps(client, make):
    path, sid = make()
    body = post(client, sid, "advance", {"toStepIndex": 3}).json
    assert (body["currentStepIndex"], body["currentStepId"]) == (3, path["steps"][3]["id"])
    assert states(body) == [("done", 1), ("skipped", 0), ("deferred", 0), ("current", 1),
                            ("pending", 0)]
    assert events(client, sid)[-1]["data"] == {
        "fromStepIndex": 0, "toStepIndex": 3, "fromStep": "Cut", "toStep": "Paint",
        "bypassed": [{"stepIndex": 1, "step": "Deburr", "became": "skipped"},
                     {"stepIndex": 2, "step": "Wash", "became": "deferred"}]}


def test_a_required_step_cannot_be_bypassed_on_a_strict_path(client, make):
    _, sid = make("strict")
    refused(client, sid, "advance", {"toStepIndex": 3}, 409,
            "Step Wash is required and cannot be bypassed on this path")
    refused(client, sid, "advance", {"bypassCurrent": True}, 409,
            "Step Cut is required and cannot be bypassed on this path")


def test_per_step_defers_only_completion_gates_and_physical_is_never_bypassed(client, make):
    _, sid = make("per_step")
    refused(client, sid, "advance", {"bypassCurrent": True}, 409,
            "Step Cut is required and cannot be bypassed on this path")
    body = post(client, sid, "advance", {"toStepIndex": 3}).json
    assert states(body)[2] == ("deferred", 0)
    refused(client, sid, "advance", {"bypassCurrent": True}, 409,
            "Step Paint is required and cannot be bypassed on this path")
    refused(client, sid, "advance", {"toStepIndex": 5}, 409,
            "Step Inspect is required and cannot be bypassed on this path")


def test_completion_is_blocked_by_deferred_steps_until_completed_or_waived(client, make):
    path, sid = make()
    post(client, sid, "advance", {"toStepIndex": 3})
    post(client, sid, "advance")
    refused(client, sid, "advance", {}, 409, f"Serial {sid} has deferred steps: Wash")
    wash = path["steps"][2]["id"]
    refused(client, sid, f"steps/{path['steps'][0]['id']}/complete", {}, 409,
            "Step Cut is not deferred")
    body = post(client, sid, f"steps/{wash}/complete", {"operator": "B-7"}).json
    assert (body["currentStepIndex"], states(body)[2]) == (4, ("done", 1))
    assert events(client, sid)[-1]["data"] == {"stepIndex": 2, "step": "Wash"}
    done = post(client, sid, "advance").json
    assert (done["status"], done["currentStepIndex"]) == ("completed", -1)
    assert "currentStepId" not in done


def test_waive_needs_a_reason_and_a_deferred_step(client, make):
    path, sid = make()
    post(client, sid, "advance", {"toStepIndex": 3})
    post(client, sid, "advance")
    wash = path["steps"][2]["id"]
    refused(client, sid, f"steps/{wash}/waive", {}, 400, "reason is required")
    refused(client, sid, f"steps/{wash}/waive", {"reason": "x" * 1001}, 400,
            "reason must be at most 1000 characters")
    refused(client, sid, "steps/step_nope/waive", {"reason": "ok"}, 404,
            "Step not found: step_nope")
    body = post(client, sid, f"steps/{wash}/waive", {"reason": " customer waiver "}).json
    assert states(body)[2] == ("waived", 0)
    assert events(client, sid)[-1]["data"] == {"stepIndex": 2, "step": "Wash",
                                               "reason": "customer waiver"}
    refused(client, sid, f"steps/{wash}/waive", {"reason": "again"}, 409,
            "Step Wash is not deferred")
    assert post(client, sid, "advance").json["status"] == "completed"


def test_a_completing_move_that_would_defer_names_those_steps(client, make):
    _, sid = make()
    refused(client, sid, "advance", {"toStepIndex": 5}, 409,
            "Step Paint is required and cannot be bypassed on this path")
    _, other = make(steps=[{"name": "A"}, {"name": "B"}, {"name": "C"}])
    refused(client, other, "advance", {"toStepIndex": 3}, 409,
            f"Serial {other} has deferred steps: B, C")


def test_expected_step_id_guards_a_scan(client, make, make_path, job):
    path, sid = make()
    cut, deburr = path["steps"][0]["id"], path["steps"][1]["id"]
    assert post(client, sid, "advance", {"expectedStepId": cut}).status_code == 200
    refused(client, sid, "advance", {"expectedStepId": cut}, 409,
            f"Serial {sid} is at step 1 (Deburr), not Cut")
    foreign = make_path(job["id"])["steps"][0]["id"]
    refused(client, sid, "advance", {"expectedStepId": foreign}, 400,
            f"expectedStepId is not a step of path {path['id']}")
    refused(client, sid, "advance", {"expectedStepIndex": 0, "expectedStepId": deburr}, 409,
            f"Serial {sid} is at step 1, not 0")
    refused(client, sid, "advance", {"expectedStepId": None}, 400,
            f"expectedStepId is not a step of path {path['id']}")
    response = post(client, sid, "advance", {"expectedStepId": "step_nope"})
    assert response.json["data"] == {
        "errors": {"expectedStepId": [f"expectedStepId is not a step of path {path['id']}"]}}


@pytest.mark.parametrize("value", [0, 1, 6, 2.5, "3", None, True])
def test_to_step_index_out_of_range_is_the_range_message(client, make, value):
    _, sid = make()
    post(client, sid, "advance")
    refused(client, sid, "advance", {"toStepIndex": value}, 400,
            "toStepIndex must be from 2 to 5")
    response = post(client, sid, "advance", {"toStepIndex": value})
    assert response.json["data"] == {"errors": {"toStepIndex": ["toStepIndex must be from 2 to 5"]}}


def test_a_stale_scan_is_a_409_whatever_it_carries(client, make):
    _, sid = make()
    post(client, sid, "advance")
    refused(client, sid, "advance", {"expectedStepIndex": 0, "toStepIndex": 99}, 409,
            f"Serial {sid} is at step 1, not 0")


@pytest.mark.parametrize("body,message", [
    ({"bypassCurrent": "yes"}, "bypassCurrent must be a boolean"),
    ({"operator": ""}, "operator must be a string of 1 to 64 characters"),
    ({"operator": "  "}, "operator must be a string of 1 to 64 characters"),
    ({"operator": "x" * 65}, "operator must be a string of 1 to 64 characters"),
    ({"operator": None}, "operator must be a string of 1 to 64 characters"),
    ({"operator": 7}, "operator must be a string of 1 to 64 characters"),
])
def test_advance_field_messages(client, make, body, message):
    _, sid = make()
    refused(client, sid, "advance", body, 400, message)


@pytest.mark.parametrize("body", [{"operator": 5}, {"expectedStepIndex": -1},
                                  {"bypassCurrent": "x"}, {"toStepIndex": "x"}])
def test_the_status_rules_come_before_the_field_rules(client, make, body):
    _, done = make()
    while post(client, done, "advance").json["status"] != "completed":
        pass
    _, scrapped = make()
    post(client, scrapped, "scrap", {"reason": "damaged"})
    _, held = make()
    post(client, held, "hold", {"reason": "suspect"})
    _, voided = make()
    client.post("/api/serials/void", json={"serialIds": [voided], "reason": "typo"})
    refused(client, done, "advance", body, 400, "Serial is already completed")
    refused(client, scrapped, "advance", body, 400, "Cannot advance a scrapped serial")
    refused(client, held, "advance", body, 409, f"Serial {held} is on hold")
    refused(client, voided, "advance", body, 400, f"Serial {voided} is voided")


def test_scrap_takes_operator_and_the_guards(client, make):
    path, sid = make()
    refused(client, sid, "scrap", {"reason": "damaged", "expectedStepIndex": 1}, 409,
            f"Serial {sid} is at step 0, not 1")
    refused(client, sid, "scrap", {"reason": "damaged", "expectedStepId": path["steps"][1]["id"]},
            409, f"Serial {sid} is at step 0 (Cut), not Deburr")
    body = post(client, sid, "scrap", {"reason": "damaged", "operator": "B-9",
                                       "expectedStepId": path["steps"][0]["id"]}).json
    assert (body["status"], body["currentStepIndex"], body["currentStepId"]) == (
        "scrapped", 0, path["steps"][0]["id"])
    assert events(client, sid)[-1]["operator"] == "B-9"


def test_step_complete_of_a_scrapped_serial_is_400(client, make):
    path, sid = make()
    post(client, sid, "advance", {"toStepIndex": 3})
    post(client, sid, "scrap", {"reason": "other"})
    refused(client, sid, f"steps/{path['steps'][2]['id']}/complete", {}, 400,
            "Cannot complete a step of a scrapped serial")


def test_a_strict_path_of_required_steps_behaves_as_before(client, make):
    _, sid = make("strict", [{"name": "A"}, {"name": "B"}])
    assert post(client, sid, "advance").json["currentStepIndex"] == 1
    assert post(client, sid, "advance").json["status"] == "completed"
    assert [e["type"] for e in events(client, sid)] == ["serials.created", "serial.advanced",
                                                         "serial.completed"]
    assert "bypassed" not in events(client, sid)[-1]["data"]


def test_step_routes_look_up_the_step_before_the_body(client, make):
    _, sid = make()
    for action in ("complete", "waive"):
        response = client.post(f"/api/serials/{sid}/steps/step_nope/{action}", data=b"{bad",
                               content_type="application/json")
        assert response.json == error_body(404, "Not Found", "Step not found: step_nope")
        response = client.post(f"/api/serials/SN-99999/steps/step_nope/{action}")
        assert response.json == error_body(404, "Not Found", "Serial not found: SN-99999")
