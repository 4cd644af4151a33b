"""Issue 18's smaller items, in-process: SQLite durability, the proxy's deadline, edge cases."""
import time

import pytest

from app import ConfigError, create_app
from jobs.services import tokens
from jobs.store.db import db
from jobs.store.models import Event
from tests.conftest import bearer, error_body, make_token, stored

# PRAGMA synchronous answers a number: 1 NORMAL, 2 FULL.
SYNCHRONOUS_LEVELS = {"full": 2, "normal": 1}


def synchronous_level() -> int:
    with db.connection_context():
        return db.execute_sql("PRAGMA synchronous").fetchone()[0]


@pytest.mark.sqlite_only
def test_sqlite_commits_are_synced_by_default(app):
    assert synchronous_level() == SYNCHRONOUS_LEVELS["full"]


@pytest.mark.parametrize("value,level", [("normal", 1), (" NORMAL ", 1), ("Full", 2)])
def test_sqlite_synchronous_is_a_setting(tmp_path, monkeypatch, value, level):
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", value)
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/shop.db"})
    assert synchronous_level() == level
    db.close_all()


@pytest.mark.parametrize("value", ["off", "", "2", "extra"])
def test_another_sqlite_synchronous_stops_the_start(tmp_path, monkeypatch, value):
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", value)
    with pytest.raises(ConfigError) as stopped:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/shop.db"})
    assert str(stopped.value) == (
        f"SQLITE_SYNCHRONOUS must be full or normal, not {value.strip().lower()!r}")


def proxy_headers(started_ago: float, timeout: str = "35") -> dict:
    """The headers deploy/'s nginx adds: it passed the request `started_ago` seconds ago."""
    return {"X-Request-Start": f"t={time.time() - started_ago:.3f}", "X-Request-Timeout": timeout}


def test_a_write_past_the_proxy_deadline_commits_nothing(client, job, path):
    before = Event.select().count()
    late = proxy_headers(34.5)
    writes = [("PUT", f"/api/jobs/{job['id']}", {"name": "LATE"}),
              ("PATCH", f"/api/paths/{path['id']}", {"name": "LATE"}),
              ("POST", "/api/serials", {"jobId": job["id"], "pathId": path["id"], "quantity": 2}),
              ("DELETE", f"/api/paths/{path['id']}", None)]
    for method, url, body in writes:
        response = client.open(url, method=method, json=body,
                               headers={**late, "Idempotency-Key": "late"})
        assert response.json == error_body(503, "Service Unavailable", "Service Unavailable")
    assert Event.select().count() == before
    assert stored(client, "jobs", job["id"])["name"] == job["name"]
    assert stored(client, "paths", path["id"]) == path
    # Nothing was stored with the key either: the same request in time runs.
    retry = client.post("/api/serials", json=writes[2][2],
                        headers={**proxy_headers(33.5), "Idempotency-Key": "late"})
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers


@pytest.mark.parametrize("headers", [
    {}, {"X-Request-Start": "t=1"}, {"X-Request-Timeout": "1"},
    {"X-Request-Start": "1", "X-Request-Timeout": "1"},
    {"X-Request-Start": "t=1", "X-Request-Timeout": "soon"},
])
def test_without_both_proxy_headers_a_write_has_no_deadline(client, job, headers):
    response = client.put(f"/api/jobs/{job['id']}", json={"name": "ON-TIME"}, headers=headers)
    assert (response.status_code, response.json["name"]) == (200, "ON-TIME")


def test_reads_past_the_deadline_are_answered(client, job):
    response = client.get(f"/api/jobs/{job['id']}", headers=proxy_headers(100))
    assert response.status_code == 200


@pytest.mark.sqlite_only
def test_a_corrupt_database_file_is_503_not_500(app, client, job, tmp_path):
    db.close_all()
    with open(tmp_path / "test.db", "r+b") as file:
        file.seek(4096)
        file.write(b"\xff" * 4096 * 8)
    response = client.get(f"/api/jobs/{job['id']}")
    assert (response.status_code, response.json) == (503, error_body(
        503, "Service Unavailable", "Service Unavailable"))


@pytest.mark.parametrize("number,message", [
    ("1e" + "9" * 5000, "goalQuantity must be at most 2147483647"),
    ("1e+" + "9" * 5000, "goalQuantity must be at most 2147483647"),
    ("-1e" + "9" * 5000, "goalQuantity must be greater than 0"),
    ("1e-" + "9" * 5000, "goalQuantity must be an integer"),
])
def test_a_number_with_a_huge_exponent_gets_the_integer_messages(client, number, message):
    body = '{"name": "J", "goalQuantity": ' + number + '}'
    response = client.post("/api/jobs", data=body, content_type="application/json")
    assert response.json == error_body(400, "Bad Request", message, {"goalQuantity": [message]})
    assert Event.select().count() == 0


@pytest.mark.parametrize("encoding", ["Identity", "IDENTITY", " identity ", "identity"])
def test_identity_content_encoding_in_any_case_is_identity(client, encoding):
    response = client.post("/api/jobs", json={"name": "J", "goalQuantity": 5},
                           headers={"Content-Encoding": encoding})
    assert response.status_code == 201


def test_idempotency_keys_belong_to_the_token_not_its_name(auth_client):
    first = make_token("kiosk", "planner")
    body = {"name": "J", "goalQuantity": 5}
    headers = {"Idempotency-Key": "scan-1"}
    created = auth_client.post("/api/jobs", json=body, headers={**headers, **bearer(first)})
    assert created.status_code == 201
    replay = auth_client.post("/api/jobs", json=body, headers={**headers, **bearer(first)})
    assert replay.headers["Idempotent-Replayed"] == "true"
    with db.connection_context():
        tokens.revoke_token("kiosk")
    second = make_token("kiosk", "planner")
    again = auth_client.post("/api/jobs", json=body, headers={**headers, **bearer(second)})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.json["id"] != created.json["id"]
    listed = auth_client.get("/api/jobs", headers=bearer(second)).json
    assert len(listed) == 2


def test_health_names_writes_on_a_read_only_postgres(postgres_url):
    client = create_app({"DATABASE_URL": postgres_url, "TESTING": True}).test_client()
    with db.connection_context():
        db.execute_sql("SET default_transaction_read_only = on")
    try:
        response = client.get("/api/health")
    finally:
        with db.connection_context():
            db.execute_sql("SET default_transaction_read_only = off")
    db.close_all()
    assert response.json == error_body(503, "Service Unavailable", "Service Unavailable",
                                       {"writes": ["the database does not accept writes"]})
