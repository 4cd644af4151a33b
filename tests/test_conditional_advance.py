"""Conditional advance (docs/api.md, POST /api/serials/{id}/advance: `expectedStepIndex`)."""
import pytest

from tests.conftest import error_body, stored

NON_NEGATIVE = "expectedStepIndex must be a non-negative integer"


@pytest.fixture
def serial(path, make_serials):
    return make_serials(path)[0]


def advance(client, serial_id, body=None, **kwargs):
    return client.post(f"/api/serials/{serial_id}/advance", json=body, **kwargs)


def events(client) -> list[dict]:
    return client.get("/api/events").json


@pytest.mark.parametrize("expected, moved_to", [(0, 1), (0.0, 1), (0e3, 1)])
def test_at_the_expected_step_it_advances(client, serial, expected, moved_to):
    response = advance(client, serial["id"], {"expectedStepIndex": expected})
    assert (response.status_code, response.json["currentStepIndex"]) == (200, moved_to)
    assert events(client)[-1]["type"] == "serial.advanced"


def test_an_integral_float_counts_as_that_integer(client, serial):
    advance(client, serial["id"])
    advance(client, serial["id"])
    response = advance(client, serial["id"], {"expectedStepIndex": 2.0})
    assert (response.status_code, response.json["status"]) == (200, "completed")


def test_absent_or_empty_body_advances_unconditionally(client, serial):
    assert advance(client, serial["id"], {}).json["currentStepIndex"] == 1
    assert client.post(f"/api/serials/{serial['id']}/advance").json["currentStepIndex"] == 2


@pytest.mark.parametrize("expected, at", [(1, 0), (5, 0), (2147483647, 0)])
def test_elsewhere_it_is_409_and_nothing_changes(client, serial, expected, at):
    before, history = stored(client, "serials", serial["id"]), events(client)
    response = advance(client, serial["id"], {"expectedStepIndex": expected})
    message = f"Serial {serial['id']} is at step {at}, not {expected}"
    assert (response.status_code, response.json) == (409, error_body(409, "Conflict", message))
    assert stored(client, "serials", serial["id"]) == before
    assert events(client) == history


def test_a_scanner_firing_twice_moves_the_part_once(client, serial):
    first = advance(client, serial["id"], {"expectedStepIndex": 0})
    second = advance(client, serial["id"], {"expectedStepIndex": 0})
    assert first.status_code == 200
    assert second.json == error_body(409, "Conflict",
                                     f"Serial {serial['id']} is at step 1, not 0")
    assert stored(client, "serials", serial["id"])["currentStepIndex"] == 1


@pytest.mark.parametrize("bad", ["0", "", 1.5, 0.1, -1, -0.5, True, False, None, [0], {"a": 0},
                                 2147483648, "1e400"])
def test_anything_but_a_non_negative_integer_is_400(client, serial, bad):
    before = stored(client, "serials", serial["id"])
    if bad == "1e400":  # a number Python's json cannot send
        response = client.post(f"/api/serials/{serial['id']}/advance",
                               data='{"expectedStepIndex": 1e400}', content_type="application/json")
    else:
        response = advance(client, serial["id"], {"expectedStepIndex": bad})
    assert (response.status_code, response.json) == (400, error_body(
        400, "Bad Request", NON_NEGATIVE, {"expectedStepIndex": [NON_NEGATIVE]}))
    assert stored(client, "serials", serial["id"]) == before


def test_404_comes_before_the_body(client):
    response = client.post("/api/serials/SN-99999/advance", data=b"{bad",
                           content_type="application/json")
    assert response.json == error_body(404, "Not Found", "Serial not found: SN-99999")
    response = advance(client, "SN-99999", {"expectedStepIndex": "x"})
    assert response.status_code == 404


def test_the_body_comes_before_the_completed_rule_and_the_fields_after_it(client, path,
                                                                          serial):
    """docs/api.md, Route rules: 404; the body (read as JSON); the status rules; the fields."""
    for _ in path["steps"]:
        advance(client, serial["id"])
    unreadable = client.post(f"/api/serials/{serial['id']}/advance", data=b"{bad",
                             content_type="application/json")
    assert unreadable.json["message"] == "Request body must be valid JSON"
    response = advance(client, serial["id"], {"expectedStepIndex": -1})
    assert response.json == error_body(400, "Bad Request", "Serial is already completed")


def test_the_completed_and_scrapped_rules_come_before_the_expected_step(client, path, serial):
    for _ in path["steps"]:
        advance(client, serial["id"])
    response = advance(client, serial["id"], {"expectedStepIndex": 0})
    assert response.json == error_body(400, "Bad Request", "Serial is already completed")
    other = client.post("/api/serials", json={"jobId": path["jobId"], "pathId": path["id"],
                                              "quantity": 1}).json[0]
    client.post(f"/api/serials/{other['id']}/scrap", json={"reason": "other"})
    response = advance(client, other["id"], {"expectedStepIndex": 5})
    assert response.json == error_body(400, "Bad Request", "Cannot advance a scrapped serial")


def test_other_fields_are_ignored(client, serial):
    response = advance(client, serial["id"], {"expectedStepIndex": 0, "toStep": 2, "x": None})
    assert response.json["currentStepIndex"] == 1
