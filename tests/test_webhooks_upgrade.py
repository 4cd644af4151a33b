"""Upgrading a schema-version-4 database (release e0d8b4c) to the webhooks step (0008).

`tests/fixtures/release2.*.sql` were made by that release through its own
API (SQLite and PostgreSQL): jobs, paths, serials in every status, events,
tokens and Idempotency-Keys (their replays: tests/test_release2_upgrade.py).
After the upgrade every row is found through the API, and subscriptions
start after the newest old event.
"""
import pytest

from jobs.store.db import db, make_database
from jobs.store.schema import code_version, schema_version
from tests.helpers import load_release, table_rows, upgraded_serial, wire


@pytest.fixture
def schema4_url(database_kind, new_url):
    """A database at schema 4 as its release left it, with its rows."""
    load_release(2, database_kind, new_url)
    database = make_database(new_url)
    with database.connection_context():
        assert schema_version(database) == 4
    database.close_all()
    return new_url


def old_rows(url: str) -> dict:
    return {table: table_rows(url, table) for table in
            ("job", "path", "process_step", "serial", "event", "token", "idempotency_key",
             "sequence")}


def test_every_schema4_row_is_found_after_the_upgrade(schema4_url, make_app):
    before = old_rows(schema4_url)
    client = make_app(schema4_url, upgrade_schema=True).test_client()
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
    assert client.get("/api/webhooks").json == []


def test_the_upgraded_database_takes_subscriptions_after_its_newest_event(schema4_url, make_app):
    app = make_app(schema4_url, upgrade_schema=True, WEBHOOK_ALLOW_PRIVATE=True)
    before = old_rows(schema4_url)
    with db.connection_context():
        assert schema_version(db.obj) == code_version()
    created = app.test_client().post("/api/webhooks", json={"url": "http://127.0.0.1:9/h"})
    assert created.status_code == 201
    (row,) = table_rows(schema4_url, "webhook")
    assert row["cursor"] == max(event["id"] for event in before["event"])
    assert old_rows(schema4_url) == before

