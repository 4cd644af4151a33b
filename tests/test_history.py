"""History (docs/api.md, History): every event type and data shape, the three lists, atomicity.

Every test runs twice: with AUTH_REQUIRED off (the actor is `anonymous`) and
on, with a planner token named `planner` on every request.
"""
import re
from functools import partial

import pytest

from jobs.store.db import db, is_postgres
from jobs.store.models import Event
from tests.conftest import JIRA, STEPS, error_body, make_token

NOW = 1705769100000
AT = "2024-01-20T16:45:00.000Z"
EVENT_FIELDS = ["id", "at", "type", "actor", "requestId", "jobId", "pathId", "serialId", "data"]


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("jobs.clock.now_ms", lambda: NOW)


@pytest.fixture(params=["auth-off", "auth-on"])
def client(request, make_app):
    """The app's client; with auth on, every request carries the token of `planner`."""
    required = request.param == "auth-on"
    app = make_app(AUTH_REQUIRED=required)
    client = app.test_client()
    if required:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {make_token('planner', 'planner')}"
    return client


@pytest.fixture
def actor(client) -> str:
    return "planner" if client.application.config["AUTH_REQUIRED"] else "anonymous"


@pytest.fixture
def event(actor):
    """Build an expected event of the test's actor (see `expected_event`)."""
    return partial(expected_event, actor=actor)


def events(client, query: str = "") -> list[dict]:
    """The events `GET /api/events{query}` serves, each without its `hash` (tests/test_chain.py)."""
    response = client.get(f"/api/events{query}")
    assert response.status_code == 200, response.json
    return [unhashed(e) for e in response.json]


def unhashed(event: dict) -> dict:
    """`event` without `hash`, which must be its last field and 64 hex digits."""
    *fields, last = event
    assert last == "hash" and re.fullmatch("[0-9a-f]{64}", event["hash"]), event
    return {field: event[field] for field in fields}


def last_event(client) -> dict:
    return events(client)[-1]


def expected_event(ident, event_type, job_id, data, path_id=None, serial_id=None,
                   request_id=None, *, actor) -> dict:
    """An expected event, fields in the documented order, optional ones omitted."""
    expected = {"id": ident, "at": AT, "type": event_type, "actor": actor,
                "requestId": request_id, "jobId": job_id, "pathId": path_id,
                "serialId": serial_id, "data": data}
    return {k: v for k, v in expected.items() if v is not None}


def rid(name: str) -> dict:
    return {"X-Request-ID": name}


def test_no_events_at_first(client):
    assert events(client) == []


def test_job_created(client, event):
    body = {"name": "  JOB-2024-001 ", "goalQuantity": 50, **JIRA, "id": "job_mine"}
    job = client.post("/api/jobs", json=body, headers=rid("create-1")).json
    created = last_event(client)
    assert created == event(1, "job.created", job["id"], {"name": "JOB-2024-001",
                                                         "goalQuantity": 50, **JIRA},
                            request_id="create-1")
    assert list(created) == ["id", "at", "type", "actor", "requestId", "jobId", "data"]
    assert list(created["data"]) == ["name", "goalQuantity", *JIRA]


def test_job_created_lists_only_the_jira_fields_given(client):
    client.post("/api/jobs", json={"goalQuantity": 5, "jiraPriority": "Low", "name": "J"})
    assert last_event(client)["data"] == {"name": "J", "goalQuantity": 5, "jiraPriority": "Low"}


def test_the_request_id_is_the_one_in_the_response(client):
    response = client.post("/api/jobs", json={"name": "J", "goalQuantity": 5})
    assert last_event(client)["requestId"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("body,changes", [
    ({"goalQuantity": 75, "name": " JOB-2 "}, {"name": ["JOB-2024-001", "JOB-2"],
                                               "goalQuantity": [50, 75]}),
    ({"name": "JOB-2024-001"}, {"name": ["JOB-2024-001", "JOB-2024-001"]}),
    ({"goalQuantity": 50, "jiraTicketKey": "X", "id": "y"}, {"goalQuantity": [50, 50]}),
])
def test_job_updated_lists_every_field_of_the_body_equal_values_included(client, event, job, method,
                                                                         body, changes):
    response = client.open(f"/api/jobs/{job['id']}", method=method, json=body, headers=rid("u"))
    assert response.status_code == 200
    updated = last_event(client)
    assert updated == event(2, "job.updated", job["id"], {"changes": changes}, request_id="u")
    assert list(updated["data"]["changes"]) == list(changes)


@pytest.mark.parametrize("body", [{}, {"jiraTicketKey": "X", "createdAt": 1, "other": 2}])
def test_an_update_that_writes_nothing_records_nothing(client, job, path, body):
    assert client.put(f"/api/jobs/{job['id']}", json=body).status_code == 200
    assert client.patch(f"/api/paths/{path['id']}", json={**body, "steps": []}).status_code == 200
    assert [e["type"] for e in events(client)] == ["job.created", "path.created"]


def test_job_deleted_keeps_its_events_and_those_of_its_paths(client, event, job, path):
    assert client.delete(f"/api/jobs/{job['id']}", headers=rid("del")).status_code == 204
    deleted = last_event(client)
    assert deleted == event(3, "job.deleted", job["id"],
                            {"name": "JOB-2024-001", "jiraTicketKey": "PI-42"}, request_id="del")
    assert [e["type"] for e in events(client, f"?jobId={job['id']}")] == [
        "job.created", "path.created", "job.deleted"]
    response = client.get(f"/api/jobs/{job['id']}/history")
    assert (response.status_code, response.json) == (
        404, error_body(404, "Not Found", f"Job not found: {job['id']}"))


def test_job_deleted_without_a_jira_ticket_has_only_its_name(client, event):
    job = client.post("/api/jobs", json={"name": "J", "goalQuantity": 1}).json
    assert client.delete(f"/api/jobs/{job['id']}", headers=rid("del")).status_code == 204
    assert last_event(client) == event(2, "job.deleted", job["id"], {"name": "J"},
                                       request_id="del")


def test_path_created_with_stored_values_and_step_names(client, event, job):
    body = {"jobId": job["id"], "name": " Main Route ", "goalQuantity": 10, "steps": STEPS}
    path = client.post("/api/paths", json=body, headers=rid("p")).json
    created = last_event(client)
    assert created == event(2, "path.created", job["id"], {
        "name": "Main Route", "goalQuantity": 10, "advancementMode": "strict",
        "steps": ["Cut", "Mill", "Inspect"]}, path_id=path["id"], request_id="p")
    assert list(created) == ["id", "at", "type", "actor", "requestId", "jobId", "pathId", "data"]
    assert list(created["data"]) == ["name", "goalQuantity", "advancementMode", "steps"]


def test_path_updated_in_table_order(client, event, path):
    body = {"advancementMode": "flexible", "goalQuantity": 10, "name": "Rework"}
    assert client.put(f"/api/paths/{path['id']}", json=body, headers=rid("pu")).status_code == 200
    updated = last_event(client)
    changes = {"name": ["Main Route", "Rework"], "goalQuantity": [10, 10],
               "advancementMode": ["strict", "flexible"]}
    assert updated == event(3, "path.updated", path["jobId"], {"changes": changes},
                            path_id=path["id"], request_id="pu")
    assert list(updated["data"]["changes"]) == list(changes)


def test_path_deleted(client, event, path):
    assert client.delete(f"/api/paths/{path['id']}", headers=rid("pd")).status_code == 204
    assert last_event(client) == event(3, "path.deleted", path["jobId"], {"name": "Main Route"},
                                       path_id=path["id"], request_id="pd")


def test_serials_created_is_one_event_per_batch(client, event, path):
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 3}
    assert client.post("/api/serials", json=body, headers=rid("s")).status_code == 201
    created = last_event(client)
    assert created == event(3, "serials.created", path["jobId"], {
        "quantity": 3, "firstSerialId": "SN-00001", "lastSerialId": "SN-00003"},
        path_id=path["id"], request_id="s")
    assert list(created["data"]) == ["quantity", "firstSerialId", "lastSerialId"]


def test_a_batch_of_10000_serials_is_one_event(client, path):
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 10000}
    assert client.post("/api/serials", json=body).status_code == 201
    assert [e["data"] for e in events(client, "?type=serials.created")] == [
        {"quantity": 10000, "firstSerialId": "SN-00001", "lastSerialId": "SN-10000"}]
    with db.connection_context():
        assert Event.select().count() == 3


def test_serial_advanced_and_completed(client, event, path, make_serials):
    serial = make_serials(path)[0]
    for step in range(3):
        client.post(f"/api/serials/{serial['id']}/advance", headers=rid(f"a{step}"))
    moved = events(client, f"?serialId={serial['id']}")
    common = {"job_id": path["jobId"], "path_id": path["id"], "serial_id": serial["id"]}
    assert moved == [
        event(4, "serial.advanced", data={"fromStepIndex": 0, "toStepIndex": 1,
                                          "fromStep": "Cut", "toStep": "Mill"},
              request_id="a0", **common),
        event(5, "serial.advanced", data={"fromStepIndex": 1, "toStepIndex": 2,
                                          "fromStep": "Mill", "toStep": "Inspect"},
              request_id="a1", **common),
        event(6, "serial.completed", data={"fromStepIndex": 2, "fromStep": "Inspect"},
              request_id="a2", **common),
    ]
    assert list(moved[0]) == EVENT_FIELDS
    assert list(moved[0]["data"]) == ["fromStepIndex", "toStepIndex", "fromStep", "toStep"]


@pytest.mark.parametrize("body,data", [
    ({"reason": "damaged"}, {"reason": "damaged", "atStepIndex": 1, "atStep": "Mill"}),
    ({"note": "dropped", "reason": "other"},
     {"reason": "other", "note": "dropped", "atStepIndex": 1, "atStep": "Mill"}),
    ({"reason": "other", "note": ""}, {"reason": "other", "note": "", "atStepIndex": 1,
                                       "atStep": "Mill"}),
])
def test_serial_scrapped(client, event, path, make_serials, body, data):
    serial = make_serials(path)[0]
    client.post(f"/api/serials/{serial['id']}/advance")
    assert client.post(f"/api/serials/{serial['id']}/scrap", json=body,
                       headers=rid("x")).status_code == 200
    scrapped = last_event(client)
    assert scrapped == event(5, "serial.scrapped", path["jobId"], data, path_id=path["id"],
                             serial_id=serial["id"], request_id="x")
    assert list(scrapped["data"]) == list(data)


def failing_requests(path, serial):
    """Requests answered 4xx that must record nothing: (method, url, body)."""
    return [
        ("POST", "/api/jobs", {"name": ""}),
        ("PUT", f"/api/jobs/{path['jobId']}", {"goalQuantity": 0}),
        ("PUT", "/api/jobs/job_missing", {"name": "x"}),
        ("DELETE", f"/api/jobs/{path['jobId']}", None),
        ("POST", "/api/paths", {"jobId": "job_missing", "name": "P", "goalQuantity": 1,
                                "steps": [{"name": "S"}]}),
        ("PATCH", f"/api/paths/{path['id']}", {"advancementMode": "sideways"}),
        ("DELETE", f"/api/paths/{path['id']}", None),
        ("POST", "/api/serials", {"jobId": path["jobId"], "pathId": "path_missing",
                                  "quantity": 1}),
        ("POST", f"/api/serials/{serial['id']}/scrap", {"reason": "bored"}),
        ("POST", f"/api/serials/{serial['id']}/scrap", {"reason": "other"}),
        ("POST", f"/api/serials/{serial['id']}/advance", None),
        ("POST", "/api/serials/SN-99999/advance", None),
    ]


def test_requests_that_fail_record_nothing(client, path, make_serials):
    serial = make_serials(path)[0]
    client.post(f"/api/serials/{serial['id']}/scrap", json={"reason": "damaged"})
    before = events(client)
    for method, url, body in failing_requests(path, serial):
        response = client.open(url, method=method, json=body)
        assert 400 <= response.status_code < 500, (method, url, response.json)
    assert events(client) == before


FAILING_TRIGGER = {
    "sqlite": ["CREATE TRIGGER no_events BEFORE INSERT ON event "
               "BEGIN SELECT RAISE(ABORT, 'no events'); END"],
    "postgres": ["CREATE FUNCTION no_events() RETURNS trigger LANGUAGE plpgsql "
                 "AS $$ BEGIN RAISE EXCEPTION 'no events'; END $$",
                 "CREATE TRIGGER no_events BEFORE INSERT ON event "
                 "FOR EACH ROW EXECUTE FUNCTION no_events()"],
}
DROP_TRIGGER = {"sqlite": "DROP TRIGGER no_events", "postgres": "DROP TRIGGER no_events ON event"}


def run_sql(statements) -> None:
    with db.connection_context():
        for statement in statements:
            db.execute_sql(statement)


@pytest.fixture
def events_fail(client):
    """Return `arm`: from then on every event insert fails in the database itself (a
    trigger), after the change ran; `arm.disarm()` lets them through again."""
    kind = "postgres" if is_postgres() else "sqlite"

    def arm():
        run_sql(FAILING_TRIGGER[kind])

    arm.disarm = lambda: run_sql([DROP_TRIGGER[kind]])
    return arm


def test_a_change_whose_event_fails_is_rolled_back(client, path, make_serials, events_fail):
    serial = make_serials(path)[0]
    other = client.post("/api/paths", json={**path, "name": "Spare", "steps": STEPS}).json
    job_before = client.get(f"/api/jobs/{path['jobId']}").json
    serial_before = client.get(f"/api/serials/{serial['id']}").json
    events_fail()
    writes = [
        ("POST", "/api/jobs", {"name": "J", "goalQuantity": 1}),
        ("PUT", f"/api/jobs/{path['jobId']}", {"name": "Renamed", "goalQuantity": 9}),
        ("POST", "/api/paths", {"jobId": path["jobId"], "name": "P", "goalQuantity": 1,
                                "steps": [{"name": "S"}]}),
        ("PATCH", f"/api/paths/{path['id']}", {"name": "Renamed"}),
        ("DELETE", f"/api/paths/{other['id']}", None),
        ("POST", "/api/serials", {"jobId": path["jobId"], "pathId": path["id"], "quantity": 5}),
        ("POST", f"/api/serials/{serial['id']}/advance", None),
        ("POST", f"/api/serials/{serial['id']}/scrap", {"reason": "other"}),
    ]
    for method, url, body in writes:
        response = client.open(url, method=method, json=body)
        assert (response.status_code, response.json["message"]) == (
            500, "Internal Server Error"), (method, url)
    assert [j["id"] for j in client.get("/api/jobs").json] == [path["jobId"]]
    assert client.get(f"/api/jobs/{path['jobId']}").json == job_before
    assert client.get(f"/api/serials/{serial['id']}").json == serial_before
    assert [s["id"] for s in client.get("/api/serials").json] == [serial["id"]]


def test_delete_job_whose_event_fails_keeps_the_job_and_its_paths(client, path, events_fail):
    events_fail()
    assert client.delete(f"/api/jobs/{path['jobId']}").status_code == 500
    assert client.get(f"/api/paths/{path['id']}").status_code == 200


def test_a_failed_batch_uses_no_serial_numbers(client, path, make_serials, events_fail):
    events_fail()
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 5}
    assert client.post("/api/serials", json=body).status_code == 500
    events_fail.disarm()
    assert make_serials(path)[0]["id"] == "SN-00001"


@pytest.fixture
def story(client, make_job, make_path, make_serials):
    """Two jobs; the first with two paths, two batches and serial actions."""
    first, second = make_job(name="A"), make_job(name="B")
    main, rework = make_path(first["id"]), make_path(first["id"], name="Rework")
    other = make_path(second["id"])
    batch = make_serials(main, 2)
    later = make_serials(rework, 2)
    make_serials(other, 1)
    client.post(f"/api/serials/{batch[1]['id']}/advance")
    client.post(f"/api/serials/{later[0]['id']}/scrap", json={"reason": "damaged"})
    client.patch(f"/api/jobs/{first['id']}", json={"goalQuantity": 60})
    return {"first": first, "second": second, "main": main, "rework": rework, "other": other,
            "batch": batch, "later": later}


def test_job_history_is_the_job_its_paths_and_batches(client, story):
    history = client.get(f"/api/jobs/{story['first']['id']}/history").json
    assert [(e["id"], e["type"]) for e in history] == [
        (1, "job.created"), (3, "path.created"), (4, "path.created"), (6, "serials.created"),
        (7, "serials.created"), (11, "job.updated")]
    assert [unhashed(e) for e in history] == [e for e in events(client,
                                                                f"?jobId={story['first']['id']}")
                       if not e["type"].startswith("serial.")]


def test_job_history_of_a_missing_job_is_404(client):
    response = client.get("/api/jobs/job_missing/history")
    assert (response.status_code, response.json) == (
        404, error_body(404, "Not Found", "Job not found: job_missing"))


def test_serial_history_is_its_batch_then_its_own_events(client, story):
    history = client.get(f"/api/serials/{story['batch'][1]['id']}/history").json
    assert [(e["id"], e["type"], e.get("serialId")) for e in history] == [
        (6, "serials.created", None), (9, "serial.advanced", "SN-00002")]
    first_of_batch = client.get("/api/serials/SN-00001/history").json
    assert [e["id"] for e in first_of_batch] == [6]
    scrapped = client.get(f"/api/serials/{story['later'][0]['id']}/history").json
    assert [(e["id"], e["type"]) for e in scrapped] == [(7, "serials.created"),
                                                        (10, "serial.scrapped")]
    assert [e["id"] for e in client.get("/api/serials/SN-00005/history").json] == [8]


def test_serial_history_of_a_missing_serial_is_404(client, story):
    response = client.get("/api/serials/SN-00099/history")
    assert (response.status_code, response.json) == (
        404, error_body(404, "Not Found", "Serial not found: SN-00099"))


def ids(client, query: str) -> list[int]:
    return [e["id"] for e in events(client, query)]


def test_events_filters(client, story, actor):
    first, main = story["first"]["id"], story["main"]["id"]
    assert ids(client, "") == list(range(1, 12))
    assert ids(client, "?after=8") == [9, 10, 11]
    assert ids(client, "?after=-5") == list(range(1, 12))
    assert ids(client, "?after=0011") == []
    assert ids(client, f"?jobId={first}") == [1, 3, 4, 6, 7, 9, 10, 11]
    assert ids(client, f"?pathId={main}") == [3, 6, 9]
    assert ids(client, "?serialId=SN-00002") == [9]
    assert ids(client, "?serialId=SN-00001") == []
    assert ids(client, "?type=path.created") == [3, 4, 5]
    assert ids(client, f"?actor={actor}") == list(range(1, 12))
    assert ids(client, f"?jobId={first}&type=serials.created&after=6") == [7]
    assert ids(client, f"?pathId={main}&serialId=SN-00002&actor={actor}&after=8") == [9]


@pytest.mark.parametrize("query", [
    "?jobId=", "?pathId=", "?serialId=", "?type=", "?actor=", "?after=", "?color=red",
    "?jobId=&type=&after=",
])
def test_an_empty_or_unknown_parameter_is_no_filter(client, story, query):
    assert ids(client, query) == list(range(1, 12))


@pytest.mark.parametrize("query", [
    "?jobId=job_missing", "?pathId=path_missing", "?serialId=SN-99999", "?type=job.exploded",
    "?actor=nobody", "?after=11", "?after=99999999999999999999999999999999",
    "?after=" + "9" * 5000, "?type=JOB.CREATED",
])
def test_unknown_values_give_an_empty_list(client, story, query):
    assert events(client, query) == []


@pytest.mark.parametrize("field", ["after", "jobId", "pathId", "serialId", "type", "actor"])
def test_a_filter_given_twice_is_400(client, story, field):
    response = client.get(f"/api/events?{field}=1&{field}=1")
    message = f"{field} must be given at most once"
    assert (response.status_code, response.json) == (
        400, error_body(400, "Bad Request", message, {field: [message]}))


@pytest.mark.parametrize("after", ["abc", "1.5", "1e3", "0x10", " 1", "1 ", "--1", "١"])
def test_after_that_is_not_an_integer_is_400(client, story, after):
    response = client.get("/api/events", query_string={"after": after})
    message = "after must be an integer"
    assert (response.status_code, response.json) == (
        400, error_body(400, "Bad Request", message, {"after": [message]}))
