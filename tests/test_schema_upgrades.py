"""Schema upgrades (docs/operations.md, Schema upgrades): versions, locks, refusals, old data.

`tests/fixtures/release1.*.sql` are databases made by the first release
through its own API (SQLite and PostgreSQL). Every later step must upgrade
them with every row still found through the API.
"""
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from app import create_app
from jobs.store.db import db, make_database
from jobs.store.schema import SchemaError, code_version
from tests.live import ROOT

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def new_url(database_kind, tmp_path, request):
    """The URL of a database that does not exist yet (a fresh file or PostgreSQL database)."""
    if database_kind == "sqlite":
        return f"sqlite:///{tmp_path}/fresh.db"
    return request.getfixturevalue("postgres").create_database(f"t_{uuid.uuid4().hex}")


def load_dump(url: str, database_kind: str, release: str) -> str:
    """Load `tests/fixtures/{release}.{database_kind}.sql` into the new database `url`."""
    script = (FIXTURES / f"{release}.{database_kind}.sql").read_text()
    database = make_database(url)
    with database.connection_context():
        if database_kind == "sqlite":
            database.connection().executescript(script)
        else:
            database.execute_sql(script)
    database.close_all()
    return url


@pytest.fixture
def release1_url(database_kind, new_url):
    """A database as the first release left it, with its rows."""
    return load_dump(new_url, database_kind, "release1")


def table_rows(url: str, table: str) -> list[dict]:
    """Every row of `table` read with plain SQL (no model), as dicts."""
    database = make_database(url)
    with database.connection_context():
        cursor = database.execute_sql(f'SELECT * FROM "{table}"')
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    database.close_all()
    return rows


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def wire(row: dict, drop=("number",)) -> dict:
    """A stored row as the API shows it: camelCase, timestamps formatted, nulls omitted."""
    from schemas.fields import format_timestamp

    shown = {}
    for name, value in row.items():
        if value is None or name in drop:
            continue
        if name.endswith("_at"):
            value = format_timestamp(value)
        elif name == "jira_labels" and isinstance(value, str):
            value = json.loads(value)
        elif name == "optional":
            value = bool(value)
        shown[camel(name)] = value
    return shown


def test_release1_database_upgrades_and_every_row_is_found(release1_url):
    before = {table: table_rows(release1_url, table)
              for table in ("job", "path", "process_step", "serial", "sequence")}
    client = create_app({"DATABASE_URL": release1_url, "TESTING": True}).test_client()
    for job in before["job"]:
        shown = client.get(f"/api/jobs/{job['id']}").json
        assert {k: v for k, v in shown.items() if k not in ("paths", "progress")} == wire(job)
    for path in before["path"]:
        steps = sorted((s for s in before["process_step"] if s["path_id"] == path["id"]),
                       key=lambda s: s["order"])
        expected = {**wire(path), "steps": [wire(s, drop=("path_id",)) for s in steps]}
        assert client.get(f"/api/paths/{path['id']}").json == {
            key: expected[key] for key in client.get(f"/api/paths/{path['id']}").json}
    for serial in before["serial"]:
        assert client.get(f"/api/serials/{serial['id']}").json == wire(serial)
    assert len(client.get("/api/jobs").json) == len(before["job"])
    assert len(client.get("/api/serials").json) == len(before["serial"])
    job = before["serial"][0]
    more = client.post("/api/serials", json={"jobId": job["job_id"], "pathId": job["path_id"],
                                              "quantity": 1})
    assert more.json[0]["id"] == f"SN-{before['sequence'][0]['value'] + 1:05d}"
    db.close_all()


def test_version_and_upgrade_commands(release1_url):
    app = create_app({"DATABASE_URL": release1_url, "TESTING": True})
    runner = app.test_cli_runner()
    version = runner.invoke(args=["db", "version"])
    assert (version.exit_code, version.output) == (0, f"{code_version()}\n")
    again = runner.invoke(args=["db", "upgrade"])
    assert (again.exit_code, again.output) == (
        0, f"Applied 0 step(s); schema version {code_version()}.\n")
    db.close_all()


def test_a_newer_database_is_refused(new_url):
    create_app({"DATABASE_URL": new_url, "TESTING": True})
    with db.connection_context():
        db.execute_sql("INSERT INTO schema_migration (name, applied) VALUES ('9999_future', "
                       f"{db.param})", ("2030-01-01 00:00:00",))
    db.close_all()
    with pytest.raises(SchemaError, match="newer than this code.*9999_future"):
        create_app({"DATABASE_URL": new_url, "TESTING": True})
    db.close_all()
    started = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT,
                             env={"DATABASE_URL": new_url, "PATH": "/usr/bin:/bin"},
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 1
    assert started.stderr.count("\n") == 1
    assert started.stderr.startswith("shop-jobs: database schema is newer than this code")


def test_hosts_starting_together_upgrade_once(new_url):
    start = [sys.executable, "-c", "from app import create_app; create_app()"]
    env = {"DATABASE_URL": new_url, "AUTH_REQUIRED": "true"}
    starts = [subprocess.Popen(start, cwd=ROOT, env=env,
                               stderr=subprocess.PIPE, text=True) for _ in range(4)]
    assert [p.communicate(timeout=60) for p in starts] == [(None, "")] * 4
    assert [p.returncode for p in starts] == [0] * 4
    assert [row["name"] for row in table_rows(new_url, "schema_migration")] == [
        path.stem for path in sorted((ROOT / "jobs/store/migrations").glob("[0-9]*.py"))]
