"""Create, Get, Update and Delete Path (docs/api.md: Path)."""
import re

import pytest

from jobs.store.models import Path, ProcessStep
from tests.conftest import STEPS, error_body

PATH_FIELDS = ["id", "jobId", "name", "goalQuantity", "advancementMode", "steps", "createdAt",
               "updatedAt"]


def job_paths(client, job_id):
    return client.get(f"/api/jobs/{job_id}").json["paths"]


def test_create_path_full(client, job):
    body = {"jobId": job["id"], "name": " Main Route ", "goalQuantity": 10.0,
            "advancementMode": "per_step", "steps": STEPS, "id": "path_mine", "extra": 1}
    response = client.post("/api/paths", json=body)
    assert response.status_code == 201
    path = response.json
    assert list(path) == PATH_FIELDS
    assert re.fullmatch(r"path_[A-Za-z0-9_-]{12}", path["id"])
    assert response.headers["Location"] == f"/api/paths/{path['id']}"
    assert (path["jobId"], path["name"], path["goalQuantity"], path["advancementMode"]) == (
        job["id"], "Main Route", 10, "per_step")
    assert path["createdAt"] == path["updatedAt"]
    assert [list(step) for step in path["steps"]] == [
        ["id", "name", "order", "location", "optional", "dependencyType", "checks"],
        ["id", "name", "order", "optional", "dependencyType", "checks"],
        ["id", "name", "order", "optional", "dependencyType", "checks"],
    ]
    assert [{k: v for k, v in s.items() if k != "id"} for s in path["steps"]] == [
        {"name": "Cut", "order": 0, "location": "Saw 1", "optional": False,
         "dependencyType": "preferred", "checks": []},
        {"name": "Mill", "order": 1, "optional": False, "dependencyType": "physical",
         "checks": []},
        {"name": "Inspect", "order": 2, "optional": True, "dependencyType": "completion_gate",
         "checks": []},
    ]
    assert all(re.fullmatch(r"step_[A-Za-z0-9_-]{12}", s["id"]) for s in path["steps"])
    assert client.get(f"/api/paths/{path['id']}").json == path
    assert job_paths(client, job["id"]) == [path]


def test_create_path_defaults(client, job):
    body = {"jobId": job["id"], "name": "R", "goalQuantity": 1, "steps": [{"name": " Weld "}]}
    path = client.post("/api/paths", json=body).json
    assert path["advancementMode"] == "strict"
    assert [(s["name"], s["optional"], s["dependencyType"]) for s in path["steps"]] == [
        ("Weld", False, "preferred")]


def ok(job_id="JOB", **fields):
    return {"jobId": job_id, "name": "R", "goalQuantity": 5, "steps": [{"name": "A"}], **fields}


BAD_CREATES = [
    ({**ok(), "jobId": None}, "jobId", "jobId is required"),
    ({k: v for k, v in ok().items() if k != "jobId"}, "jobId", "jobId is required"),
    (ok(""), "jobId", "jobId is required"),
    (ok(5), "jobId", "jobId must be a string"),
    (ok(name=None), "name", "name is required"),
    (ok(name="  "), "name", "name is required"),
    (ok(name=7), "name", "name must be a string"),
    (ok(name="x" * 256), "name", "name must be at most 255 characters"),
    (ok(goalQuantity=None), "goalQuantity", "goalQuantity is required"),
    ({k: v for k, v in ok().items() if k != "goalQuantity"}, "goalQuantity",
     "goalQuantity is required"),
    (ok(goalQuantity="5"), "goalQuantity", "goalQuantity must be a number"),
    (ok(goalQuantity=True), "goalQuantity", "goalQuantity must be a number"),
    (ok(goalQuantity=0), "goalQuantity", "goalQuantity must be greater than 0"),
    (ok(goalQuantity=2**31), "goalQuantity", "goalQuantity must be at most 2147483647"),
    (ok(goalQuantity=2.5), "goalQuantity", "goalQuantity must be an integer"),
    (ok(advancementMode="fast"), "advancementMode",
     "advancementMode must be one of: strict, flexible, per_step"),
    (ok(advancementMode=None), "advancementMode",
     "advancementMode must be one of: strict, flexible, per_step"),
    (ok(advancementMode="STRICT"), "advancementMode",
     "advancementMode must be one of: strict, flexible, per_step"),
    ({k: v for k, v in ok().items() if k != "steps"}, "steps", "steps is required"),
    (ok(steps=None), "steps", "steps is required"),
    (ok(steps=[]), "steps", "steps is required"),
    (ok(steps={"name": "A"}), "steps", "steps is required"),
    (ok(steps="A"), "steps", "steps is required"),
    (ok(steps=[{"name": "A"}, "B"]), "steps[1]", "steps[1] must be an object"),
    (ok(steps=[{}]), "steps[0].name", "steps[0].name is required"),
    (ok(steps=[{"name": "A"}, {"name": " "}]), "steps[1].name", "steps[1].name is required"),
    (ok(steps=[{"name": None}]), "steps[0].name", "steps[0].name is required"),
    (ok(steps=[{"name": 3}]), "steps[0].name", "steps[0].name must be a string"),
    (ok(steps=[{"name": "x" * 256}]), "steps[0].name",
     "steps[0].name must be at most 255 characters"),
    (ok(steps=[{"name": "A", "dependencyType": "hard"}]), "steps[0].dependencyType",
     "steps[0].dependencyType must be one of: physical, preferred, completion_gate"),
    (ok(steps=[{"name": "A", "optional": 1}]), "steps[0].optional",
     "steps[0].optional must be a boolean"),
    (ok(steps=[{"name": "A", "optional": "true"}]), "steps[0].optional",
     "steps[0].optional must be a boolean"),
    (ok(steps=[{"name": "A", "optional": None}]), "steps[0].optional",
     "steps[0].optional must be a boolean"),
    (ok(steps=[{"name": "A", "location": 4}]), "steps[0].location",
     "steps[0].location must be a string"),
]


@pytest.mark.parametrize("body,field,message", BAD_CREATES)
def test_create_path_invalid(client, job, body, field, message):
    if body.get("jobId") == "JOB":
        body = {**body, "jobId": job["id"]}
    response = client.post("/api/paths", json=body)
    assert response.status_code == 400
    assert response.json == error_body(400, "Bad Request", message, {field: [message]})
    assert job_paths(client, job["id"]) == []
    assert ProcessStep.select().count() == 0


def test_create_path_all_failures_in_documented_order(client):
    body = {"steps": [{"optional": 0, "dependencyType": "x", "name": ""}, {"name": "ok"}, {}],
            "advancementMode": "x", "goalQuantity": -1}
    response = client.post("/api/paths", json=body)
    assert response.json["message"] == "jobId is required"
    assert list(response.json["data"]["errors"]) == [
        "jobId", "name", "goalQuantity", "advancementMode", "steps[0].name",
        "steps[0].dependencyType", "steps[0].optional", "steps[2].name",
    ]


def test_create_path_first_step_failure_is_the_message(client, job):
    body = ok(job["id"], steps=[{"name": "A", "optional": "no"}, {"name": ""}])
    response = client.post("/api/paths", json=body)
    assert response.json["message"] == "steps[0].optional must be a boolean"


def test_create_path_unknown_job_is_404_after_validation(client):
    response = client.post("/api/paths", json=ok("job_missing0000"))
    assert response.status_code == 404
    assert response.json == error_body(404, "Not Found", "Job not found: job_missing0000")
    invalid = client.post("/api/paths", json=ok("job_missing0000", steps=[]))
    assert (invalid.status_code, invalid.json["message"]) == (400, "steps is required")
    assert Path.select().count() == 0


def test_get_path_not_found(client):
    response = client.get("/api/paths/path_missing000")
    assert response.json == error_body(404, "Not Found", "Path not found: path_missing000")


def test_paths_listed_oldest_first_with_steps_in_order(client, job, make_path, monkeypatch):
    stamps = iter([3000, 3000, 1000, 1000, 2000, 2000])  # each row's stamp, then its event's
    monkeypatch.setattr("jobs.clock.now_ms", lambda: next(stamps))
    made = [make_path(job["id"], name=n, steps=[{"name": f"{n}{i}"} for i in range(3)])
            for n in "cab"]
    listed = job_paths(client, job["id"])
    assert [p["name"] for p in listed] == ["a", "b", "c"]
    assert sorted(listed, key=lambda p: p["name"]) == sorted(made, key=lambda p: p["name"])
    assert [s["name"] for s in listed[0]["steps"]] == ["a0", "a1", "a2"]


def test_delete_path_takes_its_steps(client, path):
    response = client.delete(f"/api/paths/{path['id']}")
    assert (response.status_code, response.data) == (204, b"")
    for method in ("get", "put", "delete"):
        again = getattr(client, method)(f"/api/paths/{path['id']}")
        assert again.json == error_body(404, "Not Found", f"Path not found: {path['id']}")
    assert ProcessStep.select().count() == 0
    assert job_paths(client, path["jobId"]) == []


def test_delete_path_with_serials_is_409(client, path, make_serials):
    make_serials(path, 3)
    response = client.delete(f"/api/paths/{path['id']}")
    assert response.json == error_body(409, "Conflict", "Cannot delete path: it has 3 serial(s)")
    assert client.get(f"/api/paths/{path['id']}").json == path


def test_delete_job_takes_its_paths_and_steps(client, job, path, make_path):
    make_path(job["id"], name="Rework")
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 204
    assert (Path.select().count(), ProcessStep.select().count()) == (0, 0)
    assert client.get(f"/api/paths/{path['id']}").status_code == 404


def test_delete_job_with_serials_is_409(client, job, path, make_serials):
    make_serials(path, 2)
    response = client.delete(f"/api/jobs/{job['id']}")
    assert response.json == error_body(409, "Conflict", "Cannot delete job: it has 2 serial(s)")
    assert client.get(f"/api/jobs/{job['id']}").json["paths"] == [path]


def test_create_path_takes_at_most_1000_steps(client, job):
    response = client.post("/api/paths", json=ok(job["id"], steps=[{"name": "a"}] * 1000))
    assert response.status_code == 201
    assert [s["order"] for s in response.json["steps"]] == list(range(1000))
    message = "steps must be a list of at most 1000 steps"
    # Checked before any item: the bad 1001st step is not reported.
    too_many = client.post("/api/paths", json=ok(job["id"], steps=[{"name": "a"}] * 1000 + [7]))
    assert too_many.json == error_body(400, "Bad Request", message, {"steps": [message]})
    assert ProcessStep.select().count() == 1000
