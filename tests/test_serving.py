"""Serving concerns in-process: request ids, ProxyFix, fork safety, backup, missing file."""
import io
import logging
import os
import re
import runpy
import sqlite3
import threading
from contextlib import closing

import pytest
from flask import request

from jobs.http.logs import log_handler
from jobs.services import jobs as job_service
from jobs.store.db import db
from tests.live import ROOT

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize("incoming", ["abc-123", "nginx.req:42_x", "a" * 128])
def test_safe_incoming_request_id_is_returned(client, incoming):
    response = client.get("/api/health", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", [None, "", "a" * 129, "bad id", "x\u00e9", "a;b", "<script>"])
def test_missing_or_unsafe_request_id_is_replaced(client, incoming):
    headers = {} if incoming is None else {"X-Request-ID": incoming}
    response = client.get("/api/health", headers=headers)
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/api/health").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/api/nowhere", 404),
    ("DELETE", "/api/jobs", 405),
    ("PUT", "/api/jobs/job_missing", 404),
])
def test_error_responses_carry_the_request_id(client, method, path, status):
    response = client.open(path, method=method, headers={"X-Request-ID": "err-1"})
    assert (response.status_code, response.headers["X-Request-ID"]) == (status, "err-1")


@pytest.fixture
def log_lines():
    """Records of the `jobs` loggers formatted as in production (with the request id)."""
    stream = io.StringIO()
    handler = log_handler(stream, "text")
    logger = logging.getLogger("jobs")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_crash_is_logged_with_its_request_id(client, monkeypatch, log_lines):
    def explode():
        raise RuntimeError("boom")

    monkeypatch.setattr(job_service, "job_list", explode)
    response = client.get("/api/jobs", headers={"X-Request-ID": "crash-7"})
    assert (response.status_code, response.headers["X-Request-ID"]) == (500, "crash-7")
    assert response.json["message"] == "Internal Server Error"
    first_line = log_lines.getvalue().splitlines()[0]
    assert "rid=crash-7 jobs.http.envelope: unhandled error" in first_line


def test_log_line_outside_a_request_has_a_dash(log_lines):
    logging.getLogger("jobs.test").warning("hello")
    assert "rid=- jobs.test: hello" in log_lines.getvalue()


def probe_app(make_app, **config):
    app = make_app(**config)
    app.add_url_rule("/probe", "probe", lambda: {"addr": request.remote_addr,
                                                  "scheme": request.scheme})
    return app.test_client()


FORWARDED = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_ignored_by_default(make_app):
    body = probe_app(make_app).get("/probe", headers=FORWARDED).json
    assert body == {"addr": "127.0.0.1", "scheme": "http"}


def test_one_trusted_proxy_gives_the_client_address_and_scheme(make_app):
    body = probe_app(make_app, TRUSTED_PROXIES=1).get("/probe", headers=FORWARDED).json
    assert body == {"addr": "198.51.100.7", "scheme": "https"}


def test_trusted_proxies_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    body = probe_app(make_app).get("/probe", headers=FORWARDED).json
    assert body["addr"] == "203.0.113.9"


@pytest.mark.sqlite_only
def test_no_connection_outlives_the_factory(app):
    """gunicorn forks after create_app (preload_app): nothing may be open to inherit."""
    assert db.is_closed()
    assert (db.obj._in_use, db.obj._connections) == ({}, [])


@pytest.mark.sqlite_only
def test_requests_reuse_one_connection_and_return_it(client, job):
    for _ in range(3):
        assert client.get(f"/api/jobs/{job['id']}").status_code == 200
    assert db.is_closed()
    assert (len(db.obj._connections), db.obj._in_use) == (1, {})


@pytest.mark.sqlite_only
def test_missing_file_is_503_and_not_recreated(client, job, tmp_path):
    database = tmp_path / "test.db"
    os.replace(database, tmp_path / "away.db")
    for path in ("/api/health", f"/api/jobs/{job['id']}"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.json["message"] == "Service Unavailable"
    assert client.put(f"/api/jobs/{job['id']}", json={"name": "X"}).status_code == 503
    assert not database.exists()
    os.replace(tmp_path / "away.db", database)
    assert client.get("/api/health").status_code == 200
    assert client.get(f"/api/jobs/{job['id']}").json["name"] == job["name"]


@pytest.mark.sqlite_only
def test_backup_copies_wal_content(app, client, job, tmp_path):
    client.put(f"/api/jobs/{job['id']}", json={"name": "IN-WAL"})
    assert os.path.getsize(tmp_path / "test.db-wal") > 0
    target = tmp_path / "backup.db"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert (result.exit_code, result.output) == (0, f"Backed up the database to {target}.\n")
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT id, name FROM job").fetchall() == [(job["id"], "IN-WAL")]
    copy.close()
    assert not (tmp_path / "backup.db.partial").exists()


@pytest.mark.sqlite_only
def test_backup_refuses_the_live_file_and_reports_a_bad_target(app, client, job, tmp_path):
    runner = app.test_cli_runner()
    live = runner.invoke(args=["backup", str(tmp_path / "test.db")])
    assert live.exit_code == 2
    assert "PATH is the live database itself" in live.output
    nowhere = runner.invoke(args=["backup", str(tmp_path / "missing" / "backup.db")])
    assert nowhere.exit_code == 1
    assert "Error: backup to" in nowhere.output and "Traceback" not in nowhere.output
    assert client.get(f"/api/jobs/{job['id']}").json["name"] == job["name"]


def test_gunicorn_config_defaults_and_environment(monkeypatch, tmp_path):
    path = str(ROOT / "gunicorn.conf.py")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_WORKER_CLASS"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(path)
    assert (conf["bind"], conf["workers"], conf["worker_class"], conf["preload_app"]) == (
        "0.0.0.0:8000", os.cpu_count(), "sync", True)
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9000")
    monkeypatch.setenv("GUNICORN_WORKERS", "4")
    conf = runpy.run_path(path)
    assert (conf["bind"], conf["workers"]) == ("127.0.0.1:9000", 4)
    assert "%({x-request-id}o)s" in conf["access_log_format"]


@pytest.mark.sqlite_only
def test_connection_of_a_replaced_file_is_not_reused(app, tmp_path):
    """A connection checked out while the file is replaced goes back to the pool stale."""
    opened, returned = threading.Event(), threading.Event()

    def hold_old_connection():
        db.connect()
        opened.set()
        returned.wait(10)
        db.close()

    holder = threading.Thread(target=hold_old_connection)
    holder.start()
    opened.wait(10)
    with closing(sqlite3.connect(tmp_path / "new.db")) as new:
        new.execute("CREATE TABLE marker (x)")
    os.replace(tmp_path / "new.db", tmp_path / "test.db")
    with db.connection_context():
        assert "marker" in db.get_tables()
    returned.set()
    holder.join()
    assert len(db.obj._connections) == 2
    for _ in range(2):
        with db.connection_context():
            assert "marker" in db.get_tables()
    assert len(db.obj._connections) == 1
