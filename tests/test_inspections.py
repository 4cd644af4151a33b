"""Checks on steps and results on leaving them (docs/api.md, Inspections; Precisions)."""
import pytest

from tests.conftest import error_body, stored
from tests.test_floor_advance import events, post, refused, states

BORE = {"name": "bore", "kind": "measurement", "unit": "mm", "lower": 25.000, "upper": 25.015}
STEPS = [{"name": "Cut"},
         {"name": "Bore", "checks": [BORE, {"name": "finish", "kind": "pass_fail"},
                                     {"name": "note ok", "kind": "pass_fail",
                                      "required": False}]},
         {"name": "Wash", "dependencyType": "completion_gate",
          "checks": [{"name": "clean", "kind": "pass_fail"}]},
         {"name": "Pack"}]


@pytest.fixture
def made(client, job, make_path, make_serials):
    path = make_path(job["id"], advancementMode="flexible", steps=STEPS)
    sid = make_serials(path)[0]["id"]
    post(client, sid, "advance")
    return path, sid


def raw(client, url, text):
    return client.post(url, data=text, content_type="application/json")


def test_get_path_shows_checks_and_steps_without_have_an_empty_list(client, made):
    path, _ = made
    shown = client.get(f"/api/paths/{path['id']}").json
    assert shown["steps"][0]["checks"] == []
    assert shown["steps"][1]["checks"] == [
        {"name": "bore", "kind": "measurement", "unit": "mm", "lower": 25.0, "upper": 25.015,
         "required": True},
        {"name": "finish", "kind": "pass_fail", "required": True},
        {"name": "note ok", "kind": "pass_fail", "required": False}]


C = "steps[1].checks[0]"


@pytest.mark.parametrize("check,field,message", [
    ({"name": "x", "kind": "gauge"}, f"{C}.kind",
     f"{C}.kind must be one of: pass_fail, measurement"),
    ({"name": "x", "kind": "measurement", "lower": "1"}, f"{C}.lower",
     f"{C}.lower must be a number"),
    ({"name": "x", "kind": "measurement", "upper": None}, f"{C}.upper",
     f"{C}.upper must be a number"),
    ({"name": "x", "kind": "measurement"}, C, f"{C} needs lower or upper"),
    ({"name": "x", "kind": "measurement", "lower": 2, "upper": 1}, f"{C}.lower",
     f"{C}.lower must not be greater than upper"),
    ({"name": "x", "kind": "pass_fail", "lower": 1}, f"{C}.lower",
     f"{C}.lower is only for measurement checks"),
    ({"name": "x", "kind": "pass_fail", "unit": "mm"}, f"{C}.unit",
     f"{C}.unit is only for measurement checks"),
    ({"name": "x", "kind": "pass_fail", "required": "no"}, f"{C}.required",
     f"{C}.required must be a boolean"),
    ({"name": "x", "kind": "measurement", "upper": 1, "unit": "m" * 33}, f"{C}.unit",
     f"{C}.unit must be at most 32 characters"),
])
def test_create_path_check_messages(client, job, check, field, message):
    body = {"jobId": job["id"], "name": "P", "goalQuantity": 1,
            "steps": [{"name": "A"}, {"name": "B", "checks": [check]}]}
    response = client.post("/api/paths", json=body)
    assert response.json == error_body(400, "Bad Request", message, {field: [message]})


def test_create_path_check_list_and_unique_names(client, job):
    def create(checks):
        return client.post("/api/paths", json={"jobId": job["id"], "name": "P", "goalQuantity": 1,
                                               "steps": [{"name": "A", "checks": checks}]}).json
    many = [{"name": f"c{i}", "kind": "pass_fail"} for i in range(51)]
    assert create(many)["message"] == "steps[0].checks must be a list of at most 50 checks"
    assert create({})["message"] == "steps[0].checks must be a list of at most 50 checks"
    twice = [{"name": "a", "kind": "pass_fail"}, {"name": "b", "kind": "pass_fail"},
             {"name": "a", "kind": "pass_fail"}]
    assert create(twice)["message"] == "steps[0].checks[2].name must be unique in the step"
    assert client.get(f"/api/jobs/{job['id']}/history").json[-1]["type"] == "job.created"


def test_passing_results_move_and_are_recorded_exactly(client, made):
    _, sid = made
    url = f"/api/serials/{sid}/advance"
    response = raw(client, url, b'{"results": {"bore": 25.015, "finish": true}}')
    assert response.json["currentStepIndex"] == 2
    event = events(client, sid)[-1]
    assert event["data"]["results"] == [{"check": "bore", "value": 25.015, "passed": True},
                                        {"check": "finish", "value": True, "passed": True}]
    text = client.get(f"/api/events?serialId={sid}").get_data(as_text=True)
    assert '"value":25.015,' in text


def test_a_value_at_either_limit_passes_and_more_digits_are_kept(client, made):
    _, sid = made
    body = b'{"results": {"bore": 25.0000000000000000001, "finish": true}}'
    refusal = raw(client, f"/api/serials/{sid}/advance", body)
    assert refusal.json["status"] == "in_progress"
    text = client.get(f"/api/events?serialId={sid}").get_data(as_text=True)
    assert '"value":25.0000000000000000001,' in text


def test_a_failing_result_holds_the_serial_at_its_step(client, made):
    _, sid = made
    body = post(client, sid, "advance", {"results": {"bore": 25.02, "finish": False,
                                                     "note ok": True}}).json
    assert (body["status"], body["currentStepIndex"], states(body)[1]) == (
        "on_hold", 1, ("current", 1))
    assert list(body["hold"]) == ["reason", "failedChecks", "since"]
    assert (body["hold"]["reason"], body["hold"]["failedChecks"]) == (
        "failed_check", ["bore", "finish"])
    event = events(client, sid)[-1]
    assert event["type"] == "serial.held"
    assert event["data"] == {"reason": "failed_check", "atStepIndex": 1, "atStep": "Bore",
                             "failedChecks": ["bore", "finish"], "results": [
                                 {"check": "bore", "value": 25.02, "passed": False},
                                 {"check": "finish", "value": False, "passed": False},
                                 {"check": "note ok", "value": True, "passed": True}]}
    refused(client, sid, "advance", {}, 409, f"Serial {sid} is on hold")


@pytest.mark.parametrize("results,message", [
    ({"finish": True}, "results.bore is required"),
    ({"bore": "25", "finish": True}, "results.bore must be a number"),
    ({"bore": None, "finish": True}, "results.bore must be a number"),
    ({"bore": True, "finish": True}, "results.bore must be a number"),
    ({"bore": 25, "finish": 1}, "results.finish must be a boolean"),
    ({"bore": 25, "finish": True, "zeta": 1, "alpha": 2},
     "results.alpha is not a check of step Bore"),
    ([], "results must be an object"),
])
def test_result_messages(client, made, results, message):
    _, sid = made
    refused(client, sid, "advance", {"results": results}, 400, message)


def test_a_result_message_names_its_field_in_data_errors(client, made):
    _, sid = made
    response = post(client, sid, "advance", {"results": {"bore": "25", "finish": True}})
    assert response.json == error_body(400, "Bad Request", "results.bore must be a number",
                                       {"results.bore": ["results.bore must be a number"]})


def test_every_failing_result_is_in_data_errors_in_check_order_then_unknown_sorted(client, made):
    _, sid = made
    response = post(client, sid, "advance", {"results": {
        "zeta": 1, "finish": 1, "bore": "25", "alpha": 2}})
    errors = {"results.bore": ["results.bore must be a number"],
              "results.finish": ["results.finish must be a boolean"],
              "results.alpha": ["results.alpha is not a check of step Bore"],
              "results.zeta": ["results.zeta is not a check of step Bore"]}
    assert response.json == error_body(400, "Bad Request", "results.bore must be a number",
                                       errors)
    assert list(response.json["data"]["errors"]) == list(errors)
    assert stored(client, "serials", sid)["currentStepIndex"] == 1


def test_infinite_value_is_the_type_message(client, made):
    _, sid = made
    response = raw(client, f"/api/serials/{sid}/advance",
                   b'{"results": {"bore": 1e400, "finish": true}}')
    assert response.json["message"] == "results.bore must be a number"


def test_results_on_a_step_without_checks_and_on_a_bypassed_step(client, job, make_path,
                                                                 make_serials):
    path = make_path(job["id"], advancementMode="flexible", steps=STEPS)
    sid = make_serials(path)[0]["id"]
    refused(client, sid, "advance", {"results": {"x": True}}, 400,
            "results.x is not a check of step Cut")
    post(client, sid, "advance")
    refused(client, sid, "advance", {"bypassCurrent": True, "results": {"bore": 25}}, 400,
            "results are not taken for a bypassed step")
    response = post(client, sid, "advance", {"bypassCurrent": True, "results": {"bore": 25}})
    assert response.json["data"] == {
        "errors": {"results": ["results are not taken for a bypassed step"]}}
    body = post(client, sid, "advance", {"bypassCurrent": True}).json
    assert states(body)[1] == ("deferred", 1)


def test_completing_a_deferred_step_takes_its_results(client, made):
    path, sid = made
    post(client, sid, "advance", {"toStepIndex": 3, "results": {"bore": 25, "finish": True}})
    wash = path["steps"][2]["id"]
    refused(client, sid, f"steps/{wash}/complete", {}, 400, "results.clean is required")
    held = post(client, sid, f"steps/{wash}/complete", {"results": {"clean": False}}).json
    assert (held["status"], held["currentStepIndex"], states(held)[2]) == (
        "on_hold", 3, ("deferred", 0))
    assert events(client, sid)[-1]["data"] == {
        "reason": "failed_check", "atStepIndex": 3, "atStep": "Pack", "checkedStepIndex": 2,
        "checkedStep": "Wash", "failedChecks": ["clean"],
        "results": [{"check": "clean", "value": False, "passed": False}]}
    refused(client, sid, f"steps/{wash}/complete", {"results": {"clean": True}}, 409,
            f"Serial {sid} is on hold")
    post(client, sid, "release", {"disposition": "continue"})
    done = post(client, sid, f"steps/{wash}/complete", {"results": {"clean": True}}).json
    assert states(done)[2] == ("done", 1)
    assert events(client, sid)[-1]["data"]["results"] == [
        {"check": "clean", "value": True, "passed": True}]
    assert stored(client, "serials", sid) == done
