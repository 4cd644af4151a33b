"""Upgrading a database made by release 2 (schema 4) to the floor's schema (0006, 0007).

`tests/fixtures/release2.*.sql` were made by main at e0d8b4c through its API
(advanced, completed and scrapped serials, their events, an idempotency
key). After the upgrade every row is found through the API as before, plus
the new fields, and the moves recorded before the upgrade stand: they keep
a serial from being voided and can be undone exactly.
"""
import pytest

from tests.helpers import load_release, table_rows, upgraded_serial, wire


@pytest.fixture
def upgraded(database_kind, new_url, make_app):
    load_release(2, database_kind, new_url)
    before = {table: table_rows(new_url, table)
              for table in ("job", "path", "process_step", "serial", "event")}
    return before, make_app(new_url, upgrade_schema=True).test_client()


def test_every_row_reads_back_as_before_plus_the_new_fields(upgraded):
    before, client = upgraded
    for serial in before["serial"]:
        assert client.get(f"/api/serials/{serial['id']}").json == upgraded_serial(
            serial, before["process_step"])
    for path in before["path"]:
        shown = client.get(f"/api/paths/{path['id']}").json
        assert [s["checks"] for s in shown["steps"]] == [[]] * len(shown["steps"])
    events = client.get("/api/events").json
    assert [e["id"] for e in events] == sorted(e["id"] for e in before["event"])
    assert all("operator" not in e for e in events)
    listed = client.get("/api/serials").json
    assert [s["id"] for s in listed] == [
        s["id"] for s in sorted(before["serial"], key=lambda s: s["number"])]
    assert all("steps" not in s for s in listed)


def test_old_moves_stand_and_undo_exactly(upgraded):
    before, client = upgraded
    by_status = {}
    for serial in before["serial"]:
        by_status.setdefault((serial["status"], serial["current_step_index"]), []).append(serial)
    advanced = by_status[("in_progress", 1)][0]
    response = client.post("/api/serials/void", json={"serialIds": [advanced["id"]],
                                                      "reason": "x"})
    assert response.json["message"] == f"Serial {advanced['id']} has moved and cannot be voided"
    undone = client.post(f"/api/serials/{advanced['id']}/undo", json={"reason": "r"}).json
    expected = upgraded_serial({**advanced, "current_step_index": 0}, before["process_step"])
    assert {**undone, "updatedAt": expected["updatedAt"]} == expected
    completed = by_status[("completed", -1)][0]
    back = client.post(f"/api/serials/{completed['id']}/undo", json={"reason": "r"}).json
    assert (back["status"], back["currentStepIndex"]) == ("in_progress", 2)
    scrapped = next(s for s in before["serial"] if s["scrap_note"] == "dropped")
    unscrapped = client.post(f"/api/serials/{scrapped['id']}/undo", json={"reason": "r"}).json
    assert (unscrapped["status"], unscrapped["currentStepIndex"]) == (
        "in_progress", scrapped["current_step_index"])
    assert "scrapReason" not in unscrapped and "scrapNote" not in unscrapped
    fresh = by_status[("in_progress", 0)][0]
    assert client.post("/api/serials/void", json={"serialIds": [fresh["id"]],
                                                  "reason": "x"}).status_code == 200


def test_a_job_whose_serials_are_all_voided_can_be_deleted(upgraded):
    before, client = upgraded
    moved = {s["path_id"] for s in before["serial"] if s["updated_at"] != s["created_at"]}
    unmoved = next(p for p in before["path"] if p["id"] not in moved
                   and any(s["path_id"] == p["id"] for s in before["serial"]))
    ids = [s["id"] for s in before["serial"] if s["path_id"] == unmoved["id"]]
    assert client.post("/api/serials/void", json={"serialIds": ids, "reason": "typo"}
                       ).status_code == 200
    assert client.delete(f"/api/paths/{unmoved['id']}").status_code == 204
    assert wire(before["job"][0])["name"] == client.get(
        f"/api/jobs/{before['job'][0]['id']}").json["name"]
