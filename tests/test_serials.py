"""Create, List and Get Serials (docs/api.md: Serial)."""
import pytest

from jobs.store.db import db
from jobs.store.models import Sequence, Serial
from tests.conftest import error_body

SERIAL_FIELDS = ["id", "jobId", "pathId", "currentStepIndex", "currentStepId", "status",
                 "reworkCount", "createdAt", "updatedAt"]


def test_create_serials_batch(client, path):
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 3, "id": "SN-99999"}
    response = client.post("/api/serials", json=body)
    assert response.status_code == 201
    serials = response.json
    assert response.headers["Location"] == "/api/serials/SN-00001"
    assert [s["id"] for s in serials] == ["SN-00001", "SN-00002", "SN-00003"]
    for serial in serials:
        assert list(serial) == SERIAL_FIELDS
        assert serial == {**serials[0], "id": serial["id"]}
    assert (serials[0]["jobId"], serials[0]["pathId"], serials[0]["currentStepIndex"],
            serials[0]["status"]) == (path["jobId"], path["id"], 0, "in_progress")
    assert (serials[0]["currentStepId"], serials[0]["reworkCount"]) == (path["steps"][0]["id"], 0)
    assert serials[0]["createdAt"] == serials[0]["updatedAt"]
    assert client.get("/api/serials").json == serials
    shown = client.get("/api/serials/SN-00002").json
    assert shown == {**serials[1], "steps": [
        {"stepId": step["id"], "name": step["name"], "state": state, "visits": visits}
        for step, (state, visits) in zip(path["steps"], [("current", 1), ("pending", 0),
                                                         ("pending", 0)], strict=False)]}


def test_numbers_continue_across_batches_paths_and_restarts(app, client, job, path, make_path,
                                                            make_serials, make_app):
    other = make_path(job["id"], name="Rework")
    make_serials(path, 2)
    assert [s["id"] for s in make_serials(other, 2)] == ["SN-00003", "SN-00004"]
    restarted = make_app(app.config["DATABASE_URL"]).test_client()
    again = restarted.post("/api/serials", json={"jobId": job["id"], "pathId": path["id"],
                                                 "quantity": 1})
    db.close_all()
    assert again.json[0]["id"] == "SN-00005"


def test_maximum_batch(client, path):
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 10000}
    serials = client.post("/api/serials", json=body).json
    assert (len(serials), serials[0]["id"], serials[-1]["id"]) == (10000, "SN-00001", "SN-10000")
    assert Serial.select().count() == 10000


def test_ids_past_five_digits_are_listed_in_number_order(client, path, make_serials):
    Sequence.create(name="serial", value=99998)
    assert [s["id"] for s in make_serials(path, 3)] == ["SN-99999", "SN-100000", "SN-100001"]
    listed = [s["id"] for s in client.get("/api/serials").json]
    assert listed == ["SN-99999", "SN-100000", "SN-100001"]


def body(**fields):
    return {"jobId": "JOB", "pathId": "PATH", "quantity": 2, **fields}


BAD_CREATES = [
    (body(jobId=None), "jobId", "jobId is required"),
    ({"pathId": "PATH", "quantity": 1}, "jobId", "jobId is required"),
    (body(jobId=""), "jobId", "jobId is required"),
    (body(jobId=["job"]), "jobId", "jobId must be a string"),
    (body(pathId=None), "pathId", "pathId is required"),
    ({"jobId": "JOB", "quantity": 1}, "pathId", "pathId is required"),
    (body(pathId=""), "pathId", "pathId is required"),
    (body(pathId=1), "pathId", "pathId must be a string"),
    ({"jobId": "JOB", "pathId": "PATH"}, "quantity", "quantity is required"),
    (body(quantity=None), "quantity", "quantity is required"),
    (body(quantity="2"), "quantity", "quantity must be a number"),
    (body(quantity=False), "quantity", "quantity must be a number"),
    (body(quantity=0), "quantity", "quantity must be greater than 0"),
    (body(quantity=-3), "quantity", "quantity must be greater than 0"),
    (body(quantity=10001), "quantity", "quantity must be at most 10000"),
    (body(quantity=2**63), "quantity", "quantity must be at most 10000"),
    (body(quantity=1.5), "quantity", "quantity must be an integer"),
]


@pytest.mark.parametrize("data,field,message", BAD_CREATES)
def test_create_serials_invalid(client, path, data, field, message):
    ids = {"JOB": path["jobId"], "PATH": path["id"]}
    data = {key: ids.get(value, value) if isinstance(value, str) else value
            for key, value in data.items()}
    response = client.post("/api/serials", json=data)
    assert response.json == error_body(400, "Bad Request", message, {field: [message]})
    assert Serial.select().count() == 0


def test_create_serials_first_failure_in_documented_order(client):
    response = client.post("/api/serials", json={"quantity": 0, "pathId": 3})
    assert response.json["message"] == "jobId is required"
    assert list(response.json["data"]["errors"]) == ["jobId", "pathId", "quantity"]


def test_create_serials_lookups_in_order(client, job, path, make_job, make_path, make_serials):
    other_path = make_path(make_job()["id"])
    cases = [
        ("job_missing0000", "path_missing000", 404, "Job not found: job_missing0000"),
        (job["id"], "path_missing000", 404, "Path not found: path_missing000"),
        (job["id"], other_path["id"], 400,
         f"Path {other_path['id']} does not belong to job {job['id']}"),
    ]
    for job_id, path_id, status, message in cases:
        response = client.post("/api/serials", json={"jobId": job_id, "pathId": path_id,
                                                     "quantity": 1})
        reason = "Not Found" if status == 404 else "Bad Request"
        assert response.json == error_body(status, reason, message)
    assert Serial.select().count() == 0
    assert make_serials(path)[0]["id"] == "SN-00001"


def test_get_serial_not_found(client):
    response = client.get("/api/serials/SN-00001")
    assert response.json == error_body(404, "Not Found", "Serial not found: SN-00001")


@pytest.fixture
def mixed(client, job, path, make_job, make_path, make_serials):
    """Serials on two paths of one job and on another job: one completed, one scrapped."""
    rework = make_path(job["id"], name="Rework")
    other = make_path(make_job()["id"])
    made = make_serials(path, 3) + make_serials(rework, 1) + make_serials(other, 1)
    for _ in range(3):
        client.post("/api/serials/SN-00001/advance")
    client.post("/api/serials/SN-00002/scrap", json={"reason": "damaged"})
    return {"job": job, "path": path, "rework": rework, "other": other, "made": made}


@pytest.mark.parametrize("query,expected", [
    ("", ["SN-00001", "SN-00002", "SN-00003", "SN-00004", "SN-00005"]),
    ("?jobId={job}", ["SN-00001", "SN-00002", "SN-00003", "SN-00004"]),
    ("?pathId={rework}", ["SN-00004"]),
    ("?jobId={job}&status=in_progress", ["SN-00003", "SN-00004"]),
    ("?status=completed", ["SN-00001"]),
    ("?status=scrapped&pathId={path}", ["SN-00002"]),
    ("?jobId={job}&pathId={other}", []),
    ("?jobId=job_missing0000", []),
    ("?unknown=1", ["SN-00001", "SN-00002", "SN-00003", "SN-00004", "SN-00005"]),
    ("?jobId=&pathId=&status=", ["SN-00001", "SN-00002", "SN-00003", "SN-00004", "SN-00005"]),
    ("?status=&pathId={rework}", ["SN-00004"]),
])
def test_list_serials_filters(client, mixed, query, expected):
    ids = {name: mixed[name]["id"] for name in ("job", "path", "rework", "other")}
    response = client.get("/api/serials" + query.format(**ids))
    assert response.status_code == 200
    assert [s["id"] for s in response.json] == expected


@pytest.mark.parametrize("query,field", [
    ("?status=completed&status=bogus", "status"),
    ("?jobId=a&jobId=b", "jobId"),
    ("?pathId=a&pathId=", "pathId"),
])
def test_list_serials_repeated_filter_is_400(client, mixed, query, field):
    message = f"{field} must be given at most once"
    response = client.get("/api/serials" + query)
    assert response.json == error_body(400, "Bad Request", message, {field: [message]})


@pytest.mark.parametrize("status", ["done", "COMPLETED", "in-progress", "%20"])
def test_list_serials_unknown_status_is_400(client, mixed, status):
    response = client.get(f"/api/serials?status={status}")
    message = "status must be one of: in_progress, on_hold, completed, scrapped, voided"
    assert response.json == error_body(400, "Bad Request", message, {"status": [message]})
