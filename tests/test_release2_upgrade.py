"""A database made by release 2 (schema 4) upgrades to the newest schema with every row found.

`tests/fixtures/release2.*` were made by commit e0d8b4c through its own API
(tests/fixtures/make_release2.py); release2.json holds the token secrets,
the keyed requests with their answers and a next-page link made then.
Every later schema step must keep this test green (docs/operations.md,
Schema upgrades).
"""
import json

import pytest

from jobs.store.schema import code_version
from tests.helpers import FIXTURES, bearer, load_release, table_rows, upgraded_serial, wire

MADE = json.loads((FIXTURES / "release2.json").read_text())
TABLES = ("job", "path", "process_step", "serial", "sequence", "token", "event",
          "idempotency_key")


@pytest.fixture
def release2(database_kind, new_url, make_app):
    """(the rows as release 2 stored them, the app serving the upgraded database, release2.json)."""
    load_release(2, database_kind, new_url)
    before = {table: sorted(table_rows(new_url, table), key=_key) for table in TABLES}
    app = make_app(new_url, upgrade_schema=True, AUTH_REQUIRED=True)
    return before, app, MADE[database_kind]


def viewer(app, made):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = bearer(made["tokens"]["screen"])["Authorization"]
    return client


def test_every_job_path_and_serial_is_found(release2):
    before, app, made = release2
    client = viewer(app, made)
    for job in before["job"]:
        shown = client.get(f"/api/jobs/{job['id']}").json
        assert {k: v for k, v in shown.items() if k not in ("paths", "progress")} == wire(job)
    for path in before["path"]:
        shown = client.get(f"/api/paths/{path['id']}").json
        steps = sorted((s for s in before["process_step"] if s["path_id"] == path["id"]),
                       key=lambda s: s["order"])
        expected = {**wire(path), "steps": [{**wire(s, drop=("path_id",)), "checks": []}
                                            for s in steps]}
        assert shown == {key: expected[key] for key in shown}
    for serial in before["serial"]:
        assert client.get(f"/api/serials/{serial['id']}").json == upgraded_serial(
            serial, before["process_step"])
    assert sorted(j["id"] for j in client.get("/api/jobs").json) == sorted(
        j["id"] for j in before["job"])
    assert {s["status"] for s in client.get("/api/serials").json} == {
        "in_progress", "completed", "scrapped"}


def test_every_event_is_found_and_old_cursors_still_work(release2):
    before, app, made = release2
    client = viewer(app, made)
    shown = client.get("/api/events?limit=1000").json
    assert [(e["id"], e["type"], e["actor"], e["requestId"], e["jobId"], e["data"])
            for e in shown] == [
        (e["id"], e["type"], e["actor"], e["request_id"], e["job_id"], _data(e["data"]))
        for e in before["event"]]
    assert "job.deleted" in {e["type"] for e in shown}
    page = client.get(made["nextPage"])
    assert page.status_code == 200
    assert [e["id"] for e in page.json] == [e["id"] for e in before["event"][3:6]]


def test_tokens_and_idempotency_keys_still_work(release2, monkeypatch):
    before, app, made = release2
    monkeypatch.setattr("jobs.clock.now_ms", lambda: made["madeAt"])
    client = app.test_client()
    for name, secret in made["tokens"].items():
        expected = 401 if name == "old-kiosk" else 200
        assert client.get("/api/jobs", headers=bearer(secret)).status_code == expected
    for sent in made["replays"]:
        again = client.open(sent["url"], method=sent["method"], json=sent["body"], headers={
            **bearer(made["tokens"][sent["token"]]), "Idempotency-Key": sent["key"]})
        assert (again.status_code, again.json) == (sent["status"], sent["answer"])
        assert again.headers["Idempotent-Replayed"] == "true"
    assert len(table_rows(app.config["DATABASE_URL"], "event")) == len(before["event"])
    listed = app.test_cli_runner().invoke(args=["token", "list"]).output.splitlines()
    assert [line.split("\t")[0] for line in listed] == [t["name"] for t in before["token"]]
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "version"]).output == f"{code_version()}\n"


def test_serial_numbers_continue(release2):
    before, app, made = release2
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = bearer(made["tokens"]["planner-1"])[
        "Authorization"]
    serial = before["serial"][0]
    more = client.post("/api/serials", json={"jobId": serial["job_id"],
                                             "pathId": serial["path_id"], "quantity": 1})
    assert more.json[0]["id"] == f"SN-{before['sequence'][0]['value'] + 1:05d}"


def _key(row: dict):
    return row.get("id", row.get("name"))


def _data(stored):
    return json.loads(stored) if isinstance(stored, str) else stored
