"""PUT/PATCH /api/paths/{id}: the Update Job rules for name, goalQuantity, advancementMode."""
import logging
import re

import pytest

from tests.conftest import error_body, stored


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_all_three(client, path, method):
    body = {"name": " Rework ", "goalQuantity": 4.0, "advancementMode": "flexible"}
    response = getattr(client, method)(f"/api/paths/{path['id']}", json=body)
    assert response.status_code == 200
    assert response.json == {**path, "name": "Rework", "goalQuantity": 4,
                              "advancementMode": "flexible",
                              "updatedAt": response.json["updatedAt"]}
    assert response.json["updatedAt"] >= path["updatedAt"]
    assert stored(client, "paths", path["id"]) == response.json


@pytest.mark.parametrize("field,value", [
    ("name", "Other"), ("goalQuantity", 99), ("advancementMode", "per_step"),
])
def test_update_one_field_leaves_the_others(client, path, field, value):
    body = client.put(f"/api/paths/{path['id']}", json={field: value}).json
    assert body == {**path, field: value, "updatedAt": body["updatedAt"]}


def test_identical_values_still_refresh_updated_at(client, path, monkeypatch):
    monkeypatch.setattr("jobs.clock.now_ms", lambda: 1705769100000)
    same = {k: path[k] for k in ("name", "goalQuantity", "advancementMode")}
    body = client.put(f"/api/paths/{path['id']}", json=same).json
    assert body == {**path, "updatedAt": "2024-01-20T16:45:00.000Z"}
    assert stored(client, "paths", path["id"]) == body


@pytest.mark.parametrize("body", [
    {}, None, {"steps": [{"name": "X"}]}, {"jobId": "job_other000000"},
    {"id": "path_x", "createdAt": "2000-01-01T00:00:00.000Z", "unknown": 1},
])
def test_no_updatable_field_changes_nothing(client, path, body):
    kwargs = {"json": body} if body is not None else {}
    response = client.put(f"/api/paths/{path['id']}", **kwargs)
    assert (response.status_code, response.json) == (200, path)
    assert stored(client, "paths", path["id"]) == path


def test_steps_and_job_are_not_changed_with_a_real_update(client, path):
    body = {"name": "New", "steps": [{"name": "X"}], "jobId": "job_other000000"}
    response = client.put(f"/api/paths/{path['id']}", json=body)
    assert stored(client, "paths", path["id"]) == {**path, "name": "New",
                                          "updatedAt": response.json["updatedAt"]}


BAD_UPDATES = [
    ({"name": ""}, "name", "name cannot be empty"),
    ({"name": "  "}, "name", "name cannot be empty"),
    ({"name": None}, "name", "name cannot be empty"),
    ({"name": 5}, "name", "name must be a string"),
    ({"name": "x" * 256}, "name", "name must be at most 255 characters"),
    ({"goalQuantity": None}, "goalQuantity", "goalQuantity must be a number"),
    ({"goalQuantity": "10"}, "goalQuantity", "goalQuantity must be a number"),
    ({"goalQuantity": 0}, "goalQuantity", "goalQuantity must be greater than 0"),
    ({"goalQuantity": 2**31}, "goalQuantity", "goalQuantity must be at most 2147483647"),
    ({"goalQuantity": 1.5}, "goalQuantity", "goalQuantity must be an integer"),
    ({"advancementMode": None}, "advancementMode",
     "advancementMode must be one of: strict, flexible, per_step"),
    ({"advancementMode": "fast"}, "advancementMode",
     "advancementMode must be one of: strict, flexible, per_step"),
    ({"advancementMode": 1}, "advancementMode",
     "advancementMode must be one of: strict, flexible, per_step"),
    ({"name": "ok", "advancementMode": "x"}, "advancementMode",
     "advancementMode must be one of: strict, flexible, per_step"),
]


@pytest.mark.parametrize("body,field,message", BAD_UPDATES)
def test_invalid_field_is_400_and_changes_nothing(client, path, body, field, message):
    response = client.put(f"/api/paths/{path['id']}", json=body)
    assert response.json == error_body(400, "Bad Request", message, {field: [message]})
    assert stored(client, "paths", path["id"]) == path


def test_all_failures_reported_in_table_order(client, path):
    body = {"advancementMode": "x", "goalQuantity": "x", "name": ""}
    response = client.put(f"/api/paths/{path['id']}", json=body)
    assert response.json["message"] == "name cannot be empty"
    assert list(response.json["data"]["errors"]) == ["name", "goalQuantity", "advancementMode"]


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("content_type,raw", [
    ("application/json", b'{"name": ""}'),
    ("application/json", b'{"advancementMode": "x"}'),
    ("application/json", b"{bad json"),
    ("application/json", b"[1]"),
    ("text/plain", b'{"name": "x"}'),
    ("application/json", b""),
    ("application/json", b'{"name": "fine"}'),
])
def test_missing_path_is_404_before_the_body_is_read(client, path, method, content_type, raw):
    response = getattr(client, method)("/api/paths/path_missing000", data=raw,
                                       content_type=content_type)
    assert response.json == error_body(404, "Not Found", "Path not found: path_missing000")
    assert stored(client, "paths", path["id"]) == path


def test_update_writes_only_present_columns_in_one_statement(client, path, caplog):
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        client.patch(f"/api/paths/{path['id']}", json={"goalQuantity": 3})
    writes = [re.sub(r"%s|\$[0-9]+", "?", r.getMessage()) for r in caplog.records
              if 'UPDATE "path"' in r.getMessage()]
    assert len(writes) == 1
    assert 'UPDATE "path" SET "goal_quantity" = ?, "updated_at" = ? WHERE' in writes[0]
