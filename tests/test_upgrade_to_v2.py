"""Upgrading a schema-version-1 database (the first release) to version 2 (tokens, events).

docs/operations.md, Database: an upgrade keeps every row. The database is
made as the first release made it: only the baseline step, rows written by
plain SQL.
"""
import pytest
from peewee import SqliteDatabase
from playhouse.migrations import Runner

from jobs.store.schema import MIGRATIONS, code_version

JOB = "job_first000001"
PATH = "path_first00001"
STAMP = 1705769100000
AT = "2024-01-20T16:45:00.000Z"
ROWS = [
    ('INSERT INTO "job" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
     (JOB, "JOB-2024-001", 50, "PI-42", "Build 50 aluminum housings", "ALU-HOUSING-7075",
      "High", "PI-10", '["Q1-2024", "rush"]', STAMP, STAMP)),
    ('INSERT INTO "path" VALUES (?, ?, ?, ?, ?, ?, ?)',
     (PATH, JOB, "Main Route", 10, "strict", STAMP, STAMP)),
    ('INSERT INTO "process_step" VALUES (?, ?, ?, ?, ?, ?, ?)',
     ("step_first00001", PATH, "Cut", 0, "Saw 1", 0, "preferred")),
    ('INSERT INTO "process_step" VALUES (?, ?, ?, ?, ?, ?, ?)',
     ("step_first00002", PATH, "Inspect", 1, None, 1, "completion_gate")),
    ('INSERT INTO "serial" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
     ("SN-00001", 1, JOB, PATH, -1, "completed", None, None, STAMP, STAMP)),
    ('INSERT INTO "serial" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
     ("SN-00002", 2, JOB, PATH, 0, "scrapped", "damaged", "dropped", STAMP, STAMP)),
    ('INSERT INTO "serial" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
     ("SN-00003", 3, JOB, PATH, 0, "in_progress", None, None, STAMP, STAMP)),
    ('INSERT INTO "sequence" VALUES (?, ?)', ("serial", 3)),
]


@pytest.fixture
def upgraded(tmp_path, make_app):
    """A version-1 database with the first release's rows, then the app started on it."""
    path = tmp_path / "v1.db"
    database = SqliteDatabase(str(path))
    with database.connection_context():
        Runner(database, directory=str(MIGRATIONS)).up(target="0001_baseline")
        assert "event" not in database.get_tables()
        for sql, params in ROWS:
            database.execute_sql(sql, params)
    return make_app(f"sqlite:///{path}", upgrade_schema=True)


def test_db_version_is_the_code_s_after_the_upgrade(upgraded):
    result = upgraded.test_cli_runner().invoke(args=["db", "version"])
    assert (result.exit_code, result.output) == (0, f"{code_version()}\n")


def test_every_row_is_found_through_the_api(upgraded):
    client = upgraded.test_client()
    job = client.get(f"/api/jobs/{JOB}").json
    assert {k: job[k] for k in ("name", "goalQuantity", "jiraLabels", "createdAt")} == {
        "name": "JOB-2024-001", "goalQuantity": 50, "jiraLabels": ["Q1-2024", "rush"],
        "createdAt": AT}
    assert [s["name"] for s in job["paths"][0]["steps"]] == ["Cut", "Inspect"]
    assert job["paths"][0]["steps"][1]["optional"] is True
    assert job["progress"]["totalCompleted"] == 1
    assert job["progress"]["totalScrapped"] == 1
    serials = client.get("/api/serials").json
    assert [(s["id"], s["status"]) for s in serials] == [
        ("SN-00001", "completed"), ("SN-00002", "scrapped"), ("SN-00003", "in_progress")]
    assert serials[1]["scrapNote"] == "dropped"


def test_the_upgraded_database_has_an_empty_history_that_then_grows(upgraded):
    client = upgraded.test_client()
    assert client.get("/api/events").json == []
    assert client.get(f"/api/jobs/{JOB}/history").json == []
    assert client.get("/api/serials/SN-00003/history").json == []
    assert client.post("/api/serials/SN-00003/advance").status_code == 200
    batch = client.post("/api/serials", json={"jobId": JOB, "pathId": PATH, "quantity": 2}).json
    assert [s["id"] for s in batch] == ["SN-00004", "SN-00005"]
    assert [e["type"] for e in client.get("/api/serials/SN-00003/history").json] == [
        "serial.advanced"]
    assert [e["type"] for e in client.get("/api/serials/SN-00004/history").json] == [
        "serials.created"]


def test_tokens_work_on_the_upgraded_database(upgraded, tmp_path, make_app):
    runner = upgraded.test_cli_runner()
    secret = runner.invoke(args=["token", "create", "anna", "--role", "viewer"]).stdout.strip()
    secured = make_app(f"sqlite:///{tmp_path}/v1.db", AUTH_REQUIRED=True)
    response = secured.test_client().get(f"/api/jobs/{JOB}",
                                         headers={"Authorization": f"Bearer {secret}"})
    assert (response.status_code, response.json["id"]) == (200, JOB)
