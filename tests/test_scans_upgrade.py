"""Migration 0010 (docs/operations.md, Schema upgrades): a database of the release before it,
with serials and events, upgrades; every serial is found by its step, every event as before."""
from playhouse.migrations import Runner

from app import create_app
from jobs.store.db import db, make_database
from jobs.store.schema import MIGRATIONS
from tests.test_schema_upgrades import new_url, release1_url, table_rows  # noqa: F401

EVENT = ("INSERT INTO event (at, type, actor, operator, request_id, job_id, path_id, serial_id,"
         " data) VALUES (1796095109004, 'serial.advanced', 'anonymous', 'B-7', 'r-1',"
         " 'job_hf93axZGmN96', 'path_EQwuNTUTiV4D', 'SN-00002', '{\"fromStepIndex\": 0}')")


def previous_release(url: str) -> None:
    """Bring the first release's database to the step before 0010 and record one event."""
    database = make_database(url)
    with database.connection_context():
        Runner(database, directory=str(MIGRATIONS)).up(target="0007_step_checks")
        database.execute_sql(EVENT)
    database.close_all()


def test_the_release_before_upgrades_and_every_row_is_found(release1_url):  # noqa: F811
    previous_release(release1_url)
    serials = table_rows(release1_url, "serial")
    client = create_app({"DATABASE_URL": release1_url, "TESTING": True}).test_client()
    try:
        for serial in serials:
            if serial["current_step_id"] is None:
                continue
            status = serial["status"]
            listed = client.get(f"/api/serials?stepId={serial['current_step_id']}"
                                f"&status={status}").json
            assert serial["id"] in [s["id"] for s in listed]
            assert client.get(f"/api/lookup?code={serial['id'].lower()}").json["serial"] == \
                client.get(f"/api/serials/{serial['id']}").json
        events = client.get("/api/events").json
        assert [list(event) for event in events] == [[
            "id", "at", "type", "actor", "operator", "requestId", "jobId", "pathId", "serialId",
            "data"]]
        assert events[0]["operator"] == "B-7"
    finally:
        db.close_all()
