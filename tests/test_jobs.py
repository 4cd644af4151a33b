"""List, Create, Get and Delete Job (docs/api.md: Job)."""
import re

import pytest

from tests.conftest import JIRA

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_list_jobs_empty(client):
    response = client.get("/api/jobs")
    assert (response.status_code, response.json) == (200, [])


def test_list_jobs_oldest_first_without_paths_or_progress(client, make_job, monkeypatch):
    stamps = iter([3000, 3000, 1000, 1000, 2000, 2000])  # each row's stamp, then its event's
    monkeypatch.setattr("jobs.clock.now_ms", lambda: next(stamps))
    made = [make_job(name=n) for n in ("c", "a", "b")]
    listed = client.get("/api/jobs").json
    assert [j["name"] for j in listed] == ["a", "b", "c"]
    assert sorted(listed, key=lambda j: j["name"]) == sorted(made, key=lambda j: j["name"])


def test_list_jobs_ties_broken_by_id(client, make_job, monkeypatch):
    monkeypatch.setattr("jobs.clock.now_ms", lambda: 1000)
    ids = sorted(make_job()["id"] for _ in range(5))
    assert [j["id"] for j in client.get("/api/jobs").json] == ids


def test_create_job_full(client):
    response = client.post("/api/jobs", json={"name": " JOB-1 ", "goalQuantity": 50, **JIRA})
    assert response.status_code == 201
    body = response.json
    assert re.fullmatch(r"job_[A-Za-z0-9_-]{12}", body["id"])
    assert response.headers["Location"] == f"/api/jobs/{body['id']}"
    assert body == {
        "id": body["id"], "name": "JOB-1", "goalQuantity": 50, **JIRA,
        "createdAt": body["createdAt"], "updatedAt": body["createdAt"],
    }
    assert TIMESTAMP.match(body["createdAt"])


def test_create_job_omits_absent_jira_fields(client):
    body = client.post("/api/jobs", json={"name": "J", "goalQuantity": 1}).json
    assert list(body) == ["id", "name", "goalQuantity", "createdAt", "updatedAt"]


def test_create_job_ignores_server_fields(client):
    body = client.post("/api/jobs", json={
        "name": "J", "goalQuantity": 1, "id": "job_mine", "createdAt": "2000-01-01T00:00:00.000Z",
        "updatedAt": "2000-01-01T00:00:00.000Z", "whatever": [1],
    }).json
    assert body["id"] != "job_mine"
    assert body["createdAt"] != "2000-01-01T00:00:00.000Z"


def test_create_job_ids_are_unique(make_job):
    assert len({make_job()["id"] for _ in range(50)}) == 50


BAD_CREATES = [
    ({"goalQuantity": 5}, "name", "name is required"),
    ({"name": None, "goalQuantity": 5}, "name", "name is required"),
    ({"name": "", "goalQuantity": 5}, "name", "name is required"),
    ({"name": "  ", "goalQuantity": 5}, "name", "name is required"),
    ({"name": 12, "goalQuantity": 5}, "name", "name must be a string"),
    ({"name": "x" * 256, "goalQuantity": 5}, "name", "name must be at most 255 characters"),
    ({"name": "J"}, "goalQuantity", "goalQuantity is required"),
    ({"name": "J", "goalQuantity": None}, "goalQuantity", "goalQuantity is required"),
    ({"name": "J", "goalQuantity": "75"}, "goalQuantity", "goalQuantity must be a number"),
    ({"name": "J", "goalQuantity": True}, "goalQuantity", "goalQuantity must be a number"),
    ({"name": "J", "goalQuantity": [5]}, "goalQuantity", "goalQuantity must be a number"),
    ({"name": "J", "goalQuantity": 0}, "goalQuantity", "goalQuantity must be greater than 0"),
    ({"name": "J", "goalQuantity": -1}, "goalQuantity", "goalQuantity must be greater than 0"),
    ({"name": "J", "goalQuantity": 2**31}, "goalQuantity",
     "goalQuantity must be at most 2147483647"),
    ({"name": "J", "goalQuantity": 1.5}, "goalQuantity", "goalQuantity must be an integer"),
    ({"name": "J", "goalQuantity": 1, "jiraTicketKey": 5}, "jiraTicketKey",
     "jiraTicketKey must be a string"),
    ({"name": "J", "goalQuantity": 1, "jiraEpicLink": None}, "jiraEpicLink",
     "jiraEpicLink must be a string"),
    ({"name": "J", "goalQuantity": 1, "jiraLabels": "rush"}, "jiraLabels",
     "jiraLabels must be an array of strings"),
    ({"name": "J", "goalQuantity": 1, "jiraLabels": ["a", 1]}, "jiraLabels",
     "jiraLabels must be an array of strings"),
]


@pytest.mark.parametrize("body,field,message", BAD_CREATES)
def test_create_job_invalid(client, body, field, message):
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 400
    assert response.json == {
        "statusCode": 400, "statusMessage": "Bad Request", "message": message,
        "data": {"errors": {field: [message]}},
    }
    assert client.get("/api/jobs").json == []


def test_create_job_first_failure_in_table_order(client):
    response = client.post("/api/jobs", json={"jiraLabels": 1, "goalQuantity": 0})
    assert response.json["message"] == "name is required"
    assert list(response.json["data"]["errors"]) == ["name", "goalQuantity", "jiraLabels"]


def test_create_job_empty_body(client):
    response = client.post("/api/jobs")
    assert response.status_code == 400
    assert response.json["data"]["errors"] == {
        "name": ["name is required"], "goalQuantity": ["goalQuantity is required"],
    }


def test_get_job_without_paths(client, job):
    response = client.get(f"/api/jobs/{job['id']}")
    assert response.status_code == 200
    assert response.json == {
        **job, "paths": [],
        "progress": {
            "totalGoal": 50, "totalCompleted": 0, "totalInProgress": 0, "totalOnHold": 0,
            "totalScrapped": 0, "totalReworked": 0, "percentComplete": 0, "pathProgress": [],
        },
    }
    assert list(response.json)[-2:] == ["paths", "progress"]


def test_get_job_not_found(client):
    response = client.get("/api/jobs/job_nothere1234")
    assert response.status_code == 404
    assert response.json["message"] == "Job not found: job_nothere1234"


def test_delete_job(client, job):
    response = client.delete(f"/api/jobs/{job['id']}")
    assert (response.status_code, response.data) == (204, b"")
    for method in ("get", "put", "delete"):
        again = getattr(client, method)(f"/api/jobs/{job['id']}")
        assert (again.status_code, again.json["message"]) == (404, f"Job not found: {job['id']}")
    assert client.get("/api/jobs").json == []


def test_delete_job_not_found(client):
    response = client.delete("/api/jobs/job_nothere1234")
    assert response.status_code == 404
    assert response.json["message"] == "Job not found: job_nothere1234"
