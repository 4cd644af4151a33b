"""Advance and Scrap a serial (docs/api.md: Serial)."""
import pytest

from tests.conftest import error_body, stored

REASONS = ["out_of_tolerance", "process_defect", "damaged", "operator_error", "other"]
REASON_MESSAGE = ("reason must be one of: out_of_tolerance, process_defect, damaged, "
                  "operator_error, other")


@pytest.fixture
def serial(client, path, make_serials):
    """A new serial as Get Serial shows it (with `steps`)."""
    return stored(client, "serials", make_serials(path)[0]["id"])


def advance(client, serial_id):
    return client.post(f"/api/serials/{serial_id}/advance")


def test_advance_walks_the_steps_then_completes(client, path, serial):
    indexes = []
    for _ in path["steps"]:
        response = advance(client, serial["id"])
        assert response.status_code == 200
        indexes.append((response.json["currentStepIndex"], response.json["status"]))
        assert stored(client, "serials", serial["id"]) == response.json
    assert indexes == [(1, "in_progress"), (2, "in_progress"), (-1, "completed")]
    final = stored(client, "serials", serial["id"])
    done = [{**step, "state": "done", "visits": 1} for step in serial["steps"]]
    expected = {**serial, "currentStepIndex": -1, "status": "completed",
                "updatedAt": final["updatedAt"], "steps": done}
    del expected["currentStepId"]
    assert final == expected


def test_advance_single_step_path_completes_at_once(client, job, make_path, make_serials):
    serial = make_serials(make_path(job["id"], steps=[{"name": "Only"}]))[0]
    body = advance(client, serial["id"]).json
    assert (body["currentStepIndex"], body["status"]) == (-1, "completed")


def test_advance_completed_serial_is_400(client, path, serial):
    for _ in path["steps"]:
        advance(client, serial["id"])
    before = stored(client, "serials", serial["id"])
    response = advance(client, serial["id"])
    assert response.json == error_body(400, "Bad Request", "Serial is already completed")
    assert stored(client, "serials", serial["id"]) == before


def test_advance_scrapped_serial_is_400(client, serial):
    advance(client, serial["id"])
    before = client.post(f"/api/serials/{serial['id']}/scrap", json={"reason": "other"}).json
    response = advance(client, serial["id"])
    assert response.json == error_body(400, "Bad Request", "Cannot advance a scrapped serial")
    assert stored(client, "serials", serial["id"]) == before


def test_advance_missing_serial_is_404(client):
    response = advance(client, "SN-00042")
    assert response.json == error_body(404, "Not Found", "Serial not found: SN-00042")


def test_advance_reads_its_optional_body_by_the_usual_rules(client, serial):
    url = f"/api/serials/{serial['id']}/advance"
    response = client.post(url, data=b"{bad", content_type="text/plain")
    assert response.json == error_body(415, "Unsupported Media Type",
                                       "Content-Type must be application/json")
    response = client.post(url, data=b"{bad", content_type="application/json")
    assert response.json == error_body(400, "Bad Request", "Request body must be valid JSON")
    assert stored(client, "serials", serial["id"])["currentStepIndex"] == 0
    response = client.post(url, json={"unknown": 1, "note": "x"})
    assert (response.status_code, response.json["currentStepIndex"]) == (200, 1)


@pytest.mark.parametrize("reason", REASONS)
def test_scrap_with_each_reason(client, serial, reason):
    advance(client, serial["id"])
    response = client.post(f"/api/serials/{serial['id']}/scrap", json={"reason": reason})
    assert response.status_code == 200
    body = response.json
    assert list(body) == ["id", "jobId", "pathId", "currentStepIndex", "currentStepId", "status",
                          "reworkCount", "scrapReason", "createdAt", "updatedAt", "steps"]
    moved = stored(client, "serials", serial["id"])
    assert body == {**moved, "status": "scrapped", "scrapReason": reason}
    assert moved["currentStepIndex"] == 1
    assert stored(client, "serials", serial["id"]) == body


def test_scrap_with_note(client, serial):
    body = client.post(f"/api/serials/{serial['id']}/scrap",
                       json={"reason": "out_of_tolerance", "note": "bore 0.02 over"}).json
    assert list(body)[7:9] == ["scrapReason", "scrapNote"]
    assert (body["scrapReason"], body["scrapNote"]) == ("out_of_tolerance", "bore 0.02 over")
    assert stored(client, "serials", serial["id"]) == body


BAD_SCRAPS = [
    ({}, "reason", "reason is required"),
    ({"note": "x"}, "reason", "reason is required"),
    ({"reason": None}, "reason", REASON_MESSAGE),
    ({"reason": "broken"}, "reason", REASON_MESSAGE),
    ({"reason": 1}, "reason", REASON_MESSAGE),
    ({"reason": "other", "note": 5}, "note", "note must be a string"),
    ({"reason": "other", "note": None}, "note", "note must be a string"),
    ({"reason": "other", "note": "x" * 1001}, "note", "note must be at most 1000 characters"),
]


@pytest.mark.parametrize("data,field,message", BAD_SCRAPS)
def test_scrap_invalid_is_400_and_changes_nothing(client, serial, data, field, message):
    response = client.post(f"/api/serials/{serial['id']}/scrap", json=data)
    assert response.json == error_body(400, "Bad Request", message, {field: [message]})
    assert stored(client, "serials", serial["id"]) == serial


def test_scrap_twice_is_400(client, serial):
    first = client.post(f"/api/serials/{serial['id']}/scrap", json={"reason": "damaged"}).json
    response = client.post(f"/api/serials/{serial['id']}/scrap",
                           json={"reason": "other", "note": "again"})
    assert response.json == error_body(400, "Bad Request", "Serial is already scrapped")
    assert stored(client, "serials", serial["id"]) == first


def test_scrap_completed_serial_is_400(client, path, serial):
    for _ in path["steps"]:
        advance(client, serial["id"])
    before = stored(client, "serials", serial["id"])
    response = client.post(f"/api/serials/{serial['id']}/scrap", json={"reason": "damaged"})
    assert response.json == error_body(400, "Bad Request", "Cannot scrap a completed serial")
    assert stored(client, "serials", serial["id"]) == before


@pytest.mark.parametrize("content_type,raw", [
    ("application/json", b"{}"), ("application/json", b"{bad"), ("text/plain", b"x"),
    ("application/json", b'{"reason": "damaged"}'),
])
def test_scrap_missing_serial_is_404_whatever_the_body(client, content_type, raw):
    response = client.post("/api/serials/SN-00009/scrap", data=raw, content_type=content_type)
    assert response.json == error_body(404, "Not Found", "Serial not found: SN-00009")
