"""Schema upgrades (docs/operations.md, Schema upgrades): versions, locks, refusals, old data.

`tests/fixtures/release1.*.sql` are databases made by the first release
through its own API (SQLite and PostgreSQL), `release2.*` by the second
(tests/test_release2_upgrade.py). Every later step must upgrade them with
every row still found through the API.
"""
import subprocess
import sys

import pytest

from jobs.store.db import db
from jobs.store.schema import MIGRATIONS, SchemaError, code_version
from tests.helpers import load_release, migrate, table_rows, upgraded_serial, wire
from tests.live import ROOT


@pytest.fixture
def release1_url(database_kind, new_url):
    """A database as the first release left it, with its rows."""
    return load_release(1, database_kind, new_url)


def test_release1_database_upgrades_and_every_row_is_found(release1_url, make_app):
    before = {table: table_rows(release1_url, table)
              for table in ("job", "path", "process_step", "serial", "sequence")}
    client = make_app(release1_url, upgrade_schema=True).test_client()
    for job in before["job"]:
        shown = client.get(f"/api/jobs/{job['id']}").json
        assert {k: v for k, v in shown.items() if k not in ("paths", "progress")} == wire(job)
    for path in before["path"]:
        steps = sorted((s for s in before["process_step"] if s["path_id"] == path["id"]),
                       key=lambda s: s["order"])
        expected = {**wire(path), "steps": [{**wire(s, drop=("path_id",)), "checks": []}
                                            for s in steps]}
        assert client.get(f"/api/paths/{path['id']}").json == {
            key: expected[key] for key in client.get(f"/api/paths/{path['id']}").json}
    for serial in before["serial"]:
        assert client.get(f"/api/serials/{serial['id']}").json == upgraded_serial(
            serial, before["process_step"])
    assert len(client.get("/api/jobs").json) == len(before["job"])
    assert len(client.get("/api/serials").json) == len(before["serial"])
    job = before["serial"][0]
    more = client.post("/api/serials", json={"jobId": job["job_id"], "pathId": job["path_id"],
                                              "quantity": 1})
    assert more.json[0]["id"] == f"SN-{before['sequence'][0]['value'] + 1:05d}"


def test_version_and_upgrade_commands(release1_url, make_app):
    runner = make_app(release1_url).test_cli_runner()
    newest = code_version()
    assert invoke(runner, "db", "version") == (0, "1\n")
    assert invoke(runner, "token", "list") == (
        1, f"Error: database schema is version 1, this code needs {newest}; "
           "run `flask db upgrade` first\n")
    for command in (("history", "verify"), ("webhooks", "deliver")):
        assert invoke(runner, *command) == (
            1, f"Error: database schema is version 1, this code needs {newest}; "
               "run `flask db upgrade` first\n")
    assert invoke(runner, "db", "version") == (0, "1\n")
    steps = len(list(MIGRATIONS.glob("[0-9]*.py")))
    assert invoke(runner, "db", "upgrade") == (
        0, f"Applied {steps} step(s); schema version {newest}.\n")
    assert invoke(runner, "db", "version") == (0, f"{newest}\n")
    assert invoke(runner, "db", "upgrade") == (
        0, f"Applied 0 step(s); schema version {newest}.\n")
    assert invoke(runner, "token", "list") == (0, "")


def invoke(runner, *args: str) -> tuple[int, str]:
    """Run `flask ARGS` with click's runner; return its exit code and output."""
    result = runner.invoke(args=list(args))
    return result.exit_code, result.output


@pytest.mark.slow
def test_a_newer_database_is_refused(new_url, make_app):
    app = make_app(migrate(new_url))
    with db.connection_context():
        db.execute_sql("INSERT INTO schema_migration (name, applied) VALUES ('9999_future', "
                       f"{db.param})", ("2030-01-01 00:00:00",))
    with pytest.raises(SchemaError, match="newer than this code.*9999_future"):
        make_app(new_url, upgrade_schema=True)
    code, output = invoke(app.test_cli_runner(), "db", "upgrade")
    assert (code, output.count("\n")) == (1, 1)
    assert output.startswith("Error: database schema is newer than this code")
    assert invoke(app.test_cli_runner(), "token", "list") == (
        1, f"Error: database schema is version 9999, this code needs {code_version()}; "
           "run the release that made it\n")
    db.close_all()
    started = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT,
                             env={"DATABASE_URL": new_url, "PATH": "/usr/bin:/bin"},
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 1
    assert started.stderr.count("\n") == 1
    assert started.stderr.startswith("shop-jobs: database schema is newer than this code")


@pytest.mark.slow
def test_hosts_starting_together_upgrade_once(new_url):
    start = [sys.executable, "-c", "import wsgi"]
    env = {"DATABASE_URL": new_url, "AUTH_REQUIRED": "true"}
    starts = [subprocess.Popen(start, cwd=ROOT, env=env,
                               stderr=subprocess.PIPE, text=True) for _ in range(4)]
    assert [p.communicate(timeout=60) for p in starts] == [(None, "")] * 4
    assert [p.returncode for p in starts] == [0] * 4
    assert [row["name"] for row in table_rows(new_url, "schema_migration")] == [
        path.stem for path in sorted((ROOT / "jobs/store/migrations").glob("[0-9]*.py"))]
