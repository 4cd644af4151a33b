"""PUT/PATCH /api/jobs/{id}: every sentence of the seed (Update Job)."""
import pytest

from tests.conftest import JIRA, stored

SEED_BOTH = {"name": "JOB-2024-001-REV2", "goalQuantity": 75}


def test_seed_example_update_both_fields(client, job):
    response = client.put(f"/api/jobs/{job['id']}", json=SEED_BOTH)
    assert response.status_code == 200
    body = response.json
    assert list(body) == [
        "id", "name", "goalQuantity", "jiraTicketKey", "jiraTicketSummary", "jiraPartNumber",
        "jiraPriority", "jiraEpicLink", "jiraLabels", "createdAt", "updatedAt",
    ]
    assert body == {**job, **SEED_BOTH, "updatedAt": body["updatedAt"]}
    assert body["updatedAt"] >= job["updatedAt"]
    assert stored(client, "jobs", job["id"]) == body


def test_seed_example_update_only_goal_quantity(client, job):
    client.put(f"/api/jobs/{job['id']}", json=SEED_BOTH)
    body = client.put(f"/api/jobs/{job['id']}", json={"goalQuantity": 100}).json
    assert (body["name"], body["goalQuantity"]) == ("JOB-2024-001-REV2", 100)
    assert {k: body[k] for k in JIRA} == JIRA


def test_only_name_leaves_goal_quantity(client, job):
    body = client.put(f"/api/jobs/{job['id']}", json={"name": "RENAMED"}).json
    assert (body["name"], body["goalQuantity"]) == ("RENAMED", 50)


def test_patch_is_a_synonym(client, job):
    response = client.patch(f"/api/jobs/{job['id']}", json={"goalQuantity": 7})
    assert response.status_code == 200
    assert stored(client, "jobs", job["id"])["goalQuantity"] == 7


def test_name_is_trimmed(client, job):
    body = client.put(f"/api/jobs/{job['id']}", json={"name": "  JOB-9  "}).json
    assert body["name"] == "JOB-9"


def test_integral_float_is_accepted_as_integer(client, job):
    body = client.put(f"/api/jobs/{job['id']}", json={"goalQuantity": 80.0}).json
    assert body["goalQuantity"] == 80
    assert isinstance(body["goalQuantity"], int)


def test_identical_values_still_refresh_updated_at(client, job, monkeypatch):
    monkeypatch.setattr("jobs.clock.now_ms", lambda: 1705769100000)
    body = client.put(
        f"/api/jobs/{job['id']}", json={"name": job["name"], "goalQuantity": job["goalQuantity"]}
    ).json
    assert body["updatedAt"] == "2024-01-20T16:45:00.000Z"
    assert body["createdAt"] == job["createdAt"]
    assert stored(client, "jobs", job["id"])["updatedAt"] == "2024-01-20T16:45:00.000Z"


@pytest.mark.parametrize("body", [{}, {"jiraTicketKey": "X-1"}, {"unknown": 1}, None])
def test_no_updatable_field_changes_nothing(client, job, body):
    kwargs = {"json": body} if body is not None else {}
    response = client.put(f"/api/jobs/{job['id']}", **kwargs)
    assert response.status_code == 200
    assert response.json == job
    assert stored(client, "jobs", job["id"]) == job


def test_ignored_fields_are_not_written(client, job):
    body = {
        "name": "NEW", "id": "job_hijacked", "createdAt": "2000-01-01T00:00:00.000Z",
        "updatedAt": "2000-01-01T00:00:00.000Z", "jiraTicketKey": "HACK-1",
        "jiraLabels": ["x"], "jiraPriority": None, "paths": [], "extra": {"a": 1},
    }
    response = client.put(f"/api/jobs/{job['id']}", json=body)
    assert response.status_code == 200
    after = stored(client, "jobs", job["id"])
    assert after == {**job, "name": "NEW", "updatedAt": after["updatedAt"]}
    assert after["updatedAt"] != "2000-01-01T00:00:00.000Z"


def test_reducing_goal_below_completed_touches_nothing_else(client, job, path, make_serials):
    serials = make_serials(path, 2)
    for serial in serials:
        for _ in path["steps"]:
            assert client.post(f"/api/serials/{serial['id']}/advance").status_code == 200
    before = client.get("/api/serials").json
    body = client.put(f"/api/jobs/{job['id']}", json={"goalQuantity": 1}).json
    progress = client.get(f"/api/jobs/{job['id']}").json["progress"]
    assert body["goalQuantity"] == 1
    assert (progress["totalGoal"], progress["totalCompleted"]) == (1, 2)
    assert progress["percentComplete"] == 200
    assert client.get("/api/serials").json == before


BAD_UPDATES = [
    ({"name": ""}, "name", "name cannot be empty"),
    ({"name": "   "}, "name", "name cannot be empty"),
    ({"name": "\t\n"}, "name", "name cannot be empty"),
    ({"name": None}, "name", "name cannot be empty"),
    ({"name": 5}, "name", "name must be a string"),
    ({"name": ["a"]}, "name", "name must be a string"),
    ({"name": {"a": 1}}, "name", "name must be a string"),
    ({"name": True}, "name", "name must be a string"),
    ({"name": "x" * 256}, "name", "name must be at most 255 characters"),
    ({"goalQuantity": 0}, "goalQuantity", "goalQuantity must be greater than 0"),
    ({"goalQuantity": -5}, "goalQuantity", "goalQuantity must be greater than 0"),
    ({"goalQuantity": -0.5}, "goalQuantity", "goalQuantity must be greater than 0"),
    ({"goalQuantity": "75"}, "goalQuantity", "goalQuantity must be a number"),
    ({"goalQuantity": True}, "goalQuantity", "goalQuantity must be a number"),
    ({"goalQuantity": False}, "goalQuantity", "goalQuantity must be a number"),
    ({"goalQuantity": None}, "goalQuantity", "goalQuantity must be a number"),
    ({"goalQuantity": []}, "goalQuantity", "goalQuantity must be a number"),
    ({"goalQuantity": {}}, "goalQuantity", "goalQuantity must be a number"),
    ({"goalQuantity": 75.5}, "goalQuantity", "goalQuantity must be an integer"),
    ({"goalQuantity": 2**31}, "goalQuantity", "goalQuantity must be at most 2147483647"),
    ({"goalQuantity": 2**63}, "goalQuantity", "goalQuantity must be at most 2147483647"),
    ({"goalQuantity": 10**30}, "goalQuantity", "goalQuantity must be at most 2147483647"),
]


@pytest.mark.parametrize("body,field,message", BAD_UPDATES)
def test_invalid_field_is_400_and_changes_nothing(client, job, body, field, message):
    response = client.put(f"/api/jobs/{job['id']}", json=body)
    assert response.status_code == 400
    assert response.json == {
        "statusCode": 400, "statusMessage": "Bad Request", "message": message,
        "data": {"errors": {field: [message]}},
    }
    assert stored(client, "jobs", job["id"]) == job


@pytest.mark.parametrize("raw,message", [
    ('{"goalQuantity": 1e400}', "goalQuantity must be at most 2147483647"),
    ('{"goalQuantity": -1e400}', "goalQuantity must be greater than 0"),
    ('{"goalQuantity": 1' + "0" * 5000 + "}", "goalQuantity must be at most 2147483647"),
    ('{"goalQuantity": 1e-400}', "goalQuantity must be an integer"),
    ('{"goalQuantity": 7.0e1}', None),
    # Exponents beyond what Decimal holds (found black-box: these were 500s).
    ('{"goalQuantity": 1e1000000000000000000}', "goalQuantity must be at most 2147483647"),
    ('{"goalQuantity": -1e9999999999999999999}', "goalQuantity must be greater than 0"),
    ('{"goalQuantity": 1e-9999999999999999999}', "goalQuantity must be an integer"),
    ('{"goalQuantity": 0e9999999999999999999}', "goalQuantity must be greater than 0"),
    ('{"goalQuantity": 70, "jiraTicketKey": 1e9999999999999999999}', None),
])
def test_extreme_numbers(client, job, raw, message):
    response = client.put(f"/api/jobs/{job['id']}", data=raw, content_type="application/json")
    if message is None:
        assert (response.status_code, response.json["goalQuantity"]) == (200, 70)
        return
    assert (response.status_code, response.json["message"]) == (400, message)
    assert stored(client, "jobs", job["id"]) == job


def test_valid_field_is_not_written_when_another_fails(client, job):
    response = client.put(f"/api/jobs/{job['id']}", json={"name": "OK", "goalQuantity": 0})
    assert response.status_code == 400
    assert response.json["data"]["errors"] == {
        "goalQuantity": ["goalQuantity must be greater than 0"]
    }
    assert stored(client, "jobs", job["id"]) == job


def test_all_failures_reported_first_in_table_order(client, job):
    response = client.put(f"/api/jobs/{job['id']}", json={"goalQuantity": "x", "name": ""})
    assert response.json["message"] == "name cannot be empty"
    assert list(response.json["data"]["errors"]) == ["name", "goalQuantity"]


MISSING_JOB_BODIES = [
    ("application/json", b'{"name": ""}'),
    ("application/json", b'{"goalQuantity": -1}'),
    ("application/json", b'{"goalQuantity": "75"}'),
    ("application/json", b"{bad json"),
    ("application/json", b"[1, 2]"),
    ("application/json", b'"text"'),
    ("application/json", b'{"goalQuantity": NaN}'),
    ("application/json", b'{"name": "\\ud800"}'),
    ("text/plain", b'{"name": "x"}'),
    ("application/json", b""),
    ("application/json", b"{}"),
    ("application/json", b'{"name": "fine"}'),
]


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("content_type,raw", MISSING_JOB_BODIES)
def test_missing_job_is_404_before_the_body_is_read(client, job, method, content_type, raw):
    response = getattr(client, method)(
        "/api/jobs/job_missing0000", data=raw, content_type=content_type
    )
    assert response.status_code == 404
    assert response.json == {
        "statusCode": 404, "statusMessage": "Not Found",
        "message": "Job not found: job_missing0000",
    }


def test_missing_job_with_oversized_body_is_404(client):
    response = client.put(
        "/api/jobs/job_missing0000", data=b"x" * (2 * 1024 * 1024), content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json["message"] == "Job not found: job_missing0000"
