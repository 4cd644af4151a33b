"""Migration 0010 (docs/operations.md, Schema upgrades): a database made before it, with
serials and events, upgrades; every serial is found by its step, every event as before (with
the `hash` step 0009 gave it)."""
from tests.helpers import at_step, table_rows
from tests.test_schema_upgrades import release1_url  # noqa: F401 (a fixture)

EVENT = ("INSERT INTO event (at, type, actor, operator, request_id, job_id, path_id, serial_id,"
         " data) VALUES (1796095109004, 'serial.advanced', 'anonymous', 'B-7', 'r-1',"
         " 'job_hf93axZGmN96', 'path_EQwuNTUTiV4D', 'SN-00002', '{\"fromStepIndex\": 0}')")


def previous_release(url: str) -> None:
    """Bring the first release's database to step 0007 and record one event."""
    with at_step(url, "0007_step_checks") as database:
        database.execute_sql(EVENT)


def test_the_release_before_upgrades_and_every_row_is_found(release1_url, make_app):  # noqa: F811
    previous_release(release1_url)
    serials = table_rows(release1_url, "serial")
    client = make_app(release1_url, upgrade_schema=True).test_client()
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
        "data", "hash"]]
    assert events[0]["operator"] == "B-7"
