"""Migration 0011 (docs/operations.md, Schema upgrades): a database made before it, with an
event and a stored Idempotency-Key, upgrades; every row is found through the API, the key
and the event-order lock are read through the step's functions on PostgreSQL."""
import logging

from jobs.http.idempotency import fingerprint
from tests.helpers import at_step, table_rows
from tests.test_schema_upgrades import release1_url  # noqa: F401 (a fixture)

FUNCTIONS = ("lock_event_order_last_link", "lock_idempotency_key")
EVENT = ("INSERT INTO event (at, type, actor, request_id, job_id, path_id, serial_id, data)"
         " VALUES (1796095109004, 'serial.advanced', 'anonymous', 'r-1', 'job_hf93axZGmN96',"
         " 'path_EQwuNTUTiV4D', 'SN-00002', '{\"fromStepIndex\": 0}')")
STORED = '{"stored": "at 0010"}\n'


def previous_release(url: str, serial_id: str) -> str:
    """Bring the first release's database to step 0010 with one event (chained by 0009) and
    one stored key of an Advance of `serial_id` without a body; return the key."""
    with at_step(url, "0008_webhooks") as database:
        database.execute_sql(EVENT)
    path = f"/api/serials/{serial_id}/advance"
    with at_step(url, "0010_scans") as database:
        database.execute_sql(
            "INSERT INTO idempotency_key (actor, key, method, path, fingerprint, status, body,"
            f" created_at) VALUES ('anonymous', 'k-0010', 'POST', {database.param},"
            f" {database.param}, 200, {database.param}, 4102444800000)",
            (path, fingerprint("POST", path, b"{}"), STORED))
    return "k-0010"


def test_the_release_before_upgrades_and_keys_and_events_are_found(
        release1_url, make_app, database_kind, caplog):  # noqa: F811
    serial = next(s for s in table_rows(release1_url, "serial") if s["status"] == "in_progress")
    key = previous_release(release1_url, serial["id"])
    app = make_app(release1_url, upgrade_schema=True)
    client = app.test_client()
    advance = f"/api/serials/{serial['id']}/advance"
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        replay = client.post(advance, headers={"Idempotency-Key": key})
        other = client.post(advance, json={"note": "x"}, headers={"Idempotency-Key": key})
        moved = client.post(advance, headers={"Idempotency-Key": "k-0011"})
    assert (replay.status_code, replay.get_data(as_text=True)) == (200, STORED)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert moved.status_code == 200
    events = client.get("/api/events").json
    assert [(e["id"], e["requestId"] == "r-1") for e in events] == [(1, True), (2, False)]
    verified = app.test_cli_runner().invoke(args=["history", "verify"])
    assert (verified.exit_code, verified.output) == (
        0, f"History verified: 2 events, head 2 {events[-1]['hash']}\n")
    logged = caplog.text
    assert all((name in logged) == (database_kind == "postgresql") for name in FUNCTIONS)
    if database_kind == "postgresql":
        names = {row["proname"] for row in table_rows(release1_url, "pg_catalog\".\"pg_proc")
                 if row["proname"] in FUNCTIONS}
        assert names == set(FUNCTIONS)
