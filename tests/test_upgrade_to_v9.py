"""Upgrading a schema-version-4 database (the release before the hash chain) to step 0009.

docs/operations.md, Schema upgrades: the upgrade chains the events already
stored (in batches: more events than one batch here) and changes nothing
else of them, so every old event is served as before with `hash` added
last, the chain verifies, and new events chain on after the old ones.
`tests/fixtures/release2.*.sql` are databases made by the release at
schema 4 (commit e0d8b4c) through its own API, with tokens and a deleted
job; the long history is written by plain SQL.
"""
import hashlib
import json

import pytest

from schemas.fields import format_timestamp
from tests.helpers import at_step, load_release, table_rows

OLD_EVENTS = 2500
STAMP = 1705769100000
INSERT = ('INSERT INTO "event" (id, at, type, actor, request_id, job_id, path_id, serial_id, '
          "data, first_number, last_number) VALUES ({})")


def old_event(i: int) -> tuple:
    """Event `i` as release 4 stored it: types, optional ids and `data` (JSON text) vary."""
    kind = i % 4
    data = [{"name": f"Gehäuse {i} – ø", "goalQuantity": i},
            {"changes": {"name": ["A", "Ä"], "goalQuantity": [i, i + 1]}},
            {"quantity": 2, "firstSerialId": "SN-00001", "lastSerialId": "SN-00002"},
            {"reason": "other", "note": "½ \"quoted\"", "atStepIndex": 0, "atStep": "Cut"}][kind]
    event_type = ["job.created", "job.updated", "serials.created", "serial.scrapped"][kind]
    path_id = None if kind < 2 else "path_first00001"
    serial_id = "SN-00001" if kind == 3 else None
    numbers = (1, 2) if kind == 2 else (None, None)
    return (i, STAMP + i, event_type, "planner-anna" if i % 2 else "anonymous", f"req-{i}",
            f"job_{i % 7:012d}", path_id, serial_id,
            json.dumps(data, ensure_ascii=False, separators=(",", ":")), *numbers)


def as_served_before(row: tuple) -> dict:
    """What release 4 served for `row`: the documented fields in order, absent ones omitted."""
    names = ("id", "at", "type", "actor", "requestId", "jobId", "pathId", "serialId", "data")
    event = {name: value for name, value in zip(names, row, strict=False) if value is not None}
    return {**event, "at": format_timestamp(event["at"]), "data": json.loads(event["data"])}


@pytest.fixture
def long_history_url(new_url):
    """A new database at schema version 4 holding OLD_EVENTS events."""
    with at_step(new_url, "0004_idempotency_keys") as database:
        assert "hash" not in {c.name for c in database.get_columns("event")}
        insert = INSERT.format(", ".join([database.param] * 11))
        with database.atomic():
            database.cursor().executemany(insert, [old_event(i) for i in range(1, OLD_EVENTS + 1)])
    return new_url


@pytest.mark.slow
def test_the_upgrade_chains_old_events_and_serves_them_unchanged(long_history_url, make_app):
    app = make_app(long_history_url, upgrade_schema=True)
    client = app.test_client()
    served = json.loads(client.get("/api/events").get_data(as_text=True))
    assert len(served) == OLD_EVENTS
    previous = "0" * 64
    for event in served:
        *fields, last = event
        assert last == "hash"
        unhashed = {field: event[field] for field in fields}
        assert list(unhashed.items()) == list(as_served_before(old_event(event["id"])).items())
        text = json.dumps(unhashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert event["hash"] == hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()
        previous = event["hash"]
    result = app.test_cli_runner().invoke(args=["history", "verify"])
    assert result.stdout == f"History verified: {OLD_EVENTS} events, head {OLD_EVENTS} {previous}\n"


def test_new_events_chain_on_after_the_old_ones(long_history_url, make_app):
    app = make_app(long_history_url, upgrade_schema=True)
    client = app.test_client()
    created = client.post("/api/jobs", json={"name": "After", "goalQuantity": 1})
    assert created.status_code == 201
    head = client.get("/api/events/head").json
    assert head["id"] == OLD_EVENTS + 1
    result = app.test_cli_runner().invoke(args=["history", "verify"])
    assert (result.exit_code, result.stdout) == (
        0, f"History verified: {OLD_EVENTS + 1} events, head {head['id']} {head['hash']}\n")


@pytest.fixture
def release2_url(database_kind, new_url):
    """A database as the release at schema 4 left it, made through its API (tests/fixtures)."""
    return load_release(2, database_kind, new_url)


def test_a_schema_4_database_keeps_every_row_and_its_events_are_chained(release2_url, make_app):
    before = {table: table_rows(release2_url, table) for table in ("job", "serial", "event")}
    app = make_app(release2_url, upgrade_schema=True)
    client = app.test_client()
    served = json.loads(client.get("/api/events").get_data(as_text=True))
    columns = ("id", "at", "type", "actor", "request_id", "job_id", "path_id", "serial_id", "data")
    assert [{k: v for k, v in e.items() if k != "hash"} for e in served] == [
        as_served_before(tuple(row[c] for c in columns)) for row in before["event"]]
    count = len(before["event"])
    assert len(served) == count and all(list(e)[-1] == "hash" for e in served)
    result = app.test_cli_runner().invoke(args=["history", "verify"])
    assert result.stdout == f"History verified: {count} events, head {count} {served[-1]['hash']}\n"
    assert [j["id"] for j in client.get("/api/jobs").json] == [j["id"] for j in before["job"]]
    assert [s["id"] for s in client.get("/api/serials").json] == [
        s["id"] for s in sorted(before["serial"], key=lambda s: s["number"])]
