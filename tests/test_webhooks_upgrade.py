"""Upgrading a schema-version-4 database (release e0d8b4c) to the webhooks step (0008).

`tests/fixtures/release4.*.sql` were made by that release through its own
API (SQLite and PostgreSQL): jobs, paths, serials in every status, events,
a token and an Idempotency-Key. After the upgrade every row is found
through the API, and subscriptions start after the newest old event.
"""
import pytest

from jobs.store.db import db, make_database
from jobs.store.schema import code_version, schema_version
from tests.helpers import load_release, table_rows, upgraded_serial, wire


@pytest.fixture
def release4_url(database_kind, new_url):
    """A database as release 4 left it, with its rows."""
    load_release(4, database_kind, new_url)
    database = make_database(new_url)
    with database.connection_context():
        assert schema_version(database) == 4
    database.close_all()
    return new_url


def old_rows(url: str) -> dict:
    return {table: table_rows(url, table) for table in
            ("job", "path", "process_step", "serial", "event", "token", "idempotency_key",
             "sequence")}


def test_every_release4_row_is_found_after_the_upgrade(release4_url, make_app):
    before = old_rows(release4_url)
    client = make_app(release4_url, upgrade_schema=True).test_client()
    for job in before["job"]:
        shown = client.get(f"/api/jobs/{job['id']}").json
        assert {k: v for k, v in shown.items() if k not in ("paths", "progress")} == wire(job)
    for path in before["path"]:
        shown = client.get(f"/api/paths/{path['id']}").json
        assert {k: shown[k] for k in wire(path)} == wire(path)
    for serial in before["serial"]:
        assert client.get(f"/api/serials/{serial['id']}").json == upgraded_serial(
            serial, before["process_step"])
    events = client.get("/api/events").json
    assert [e["id"] for e in events] == sorted(row["id"] for row in before["event"])
    key = before["idempotency_key"][0]
    replay = client.post(key["path"], json={"name": "JOB-2024-001", "goalQuantity": 50,
                                            "jiraTicketKey": "PI-42",
                                            "jiraLabels": ["Q1-2024", "rush"]},
                         headers={"Idempotency-Key": key["key"]})
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, "true")
    assert replay.get_data(as_text=True) == key["body"]
    assert client.get("/api/events").json == events


def test_the_upgraded_database_takes_subscriptions_after_its_newest_event(release4_url, make_app):
    app = make_app(release4_url, upgrade_schema=True, WEBHOOK_ALLOW_PRIVATE=True)
    before = old_rows(release4_url)
    with db.connection_context():
        assert schema_version(db.obj) == code_version()
    created = app.test_client().post("/api/webhooks", json={"url": "http://127.0.0.1:9/h"})
    assert created.status_code == 201
    (row,) = table_rows(release4_url, "webhook")
    assert row["cursor"] == max(event["id"] for event in before["event"])
    assert old_rows(release4_url) == before

