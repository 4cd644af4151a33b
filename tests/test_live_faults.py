"""Faults on real gunicorn: a held write lock, a missing or read-only file, online backup."""
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing

import pytest
import requests

from tests.live import ROOT, Gunicorn, create_job
from tests.load import Load

pytestmark = pytest.mark.live
UNAVAILABLE = {"statusCode": 503, "statusMessage": "Service Unavailable",
               "message": "Service Unavailable"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One gunicorn for the module: each fault test puts the file back as it found it."""
    server = Gunicorn(tmp_path_factory.mktemp("faults") / "faults.db", workers=2)
    yield server
    server.stop()


@pytest.fixture
def own_server(tmp_path):
    """A gunicorn of the test's own, for a test that stops it."""
    server = Gunicorn(tmp_path / "own.db", workers=2)
    yield server
    server.stop()


def test_put_waits_for_a_write_lock_held_outside(server):
    job = create_job(server.base)
    outside = sqlite3.connect(server.db_path, isolation_level=None, check_same_thread=False)
    outside.execute("BEGIN IMMEDIATE")
    threading.Timer(1, outside.execute, ("COMMIT",)).start()
    started = time.monotonic()
    response = requests.put(f"{server.base}/api/jobs/{job['id']}", json={"name": "AFTER-LOCK"},
                            timeout=15)
    waited = time.monotonic() - started
    outside.close()
    assert (response.status_code, response.json()["name"]) == (200, "AFTER-LOCK")
    assert 0.8 < waited < 10


def assert_unavailable(server, job_id):
    for method, body in (("GET", None), ("PUT", {"name": "LOST"})):
        response = requests.request(method, f"{server.base}/api/jobs/{job_id}", json=body,
                                    timeout=10)
        assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    assert requests.get(f"{server.base}/api/health", timeout=10).status_code == 503


def assert_recovered(server, job_id, workers):
    assert requests.get(f"{server.base}/api/health", timeout=10).status_code == 200
    response = requests.put(f"{server.base}/api/jobs/{job_id}", json={"name": "BACK"}, timeout=10)
    assert (response.status_code, response.json()["name"]) == (200, "BACK")
    assert server.process.poll() is None and server.worker_pids() == workers


def test_missing_file_is_503_until_it_is_back(server):
    job = create_job(server.base)
    workers = server.worker_pids()
    away = server.db_path.with_name("away.db")
    os.replace(server.db_path, away)
    try:
        for _ in range(3):
            assert_unavailable(server, job["id"])
        assert not server.db_path.exists()
    finally:
        os.replace(away, server.db_path)
    assert_recovered(server, job["id"], workers)
    assert "sqlite3.OperationalError: unable to open database file" in server.log_text()


def test_read_only_file_refuses_writes_until_writable(server):
    job = create_job(server.base)
    workers = server.worker_pids()
    # chattr +i write-protects the file even for root (as a read-only mount would).
    subprocess.run(["chattr", "+i", server.db_path], check=True)
    try:
        for _ in range(3):
            put = requests.put(f"{server.base}/api/jobs/{job['id']}", json={"name": "LOST"},
                               timeout=10)
            assert (put.status_code, put.json()) == (503, UNAVAILABLE)
            health = requests.get(f"{server.base}/api/health", timeout=10)
            assert (health.status_code, health.json()) == (503, {**UNAVAILABLE, "data": {
                "errors": {"writes": ["the database does not accept writes"]}}})
            read = requests.get(f"{server.base}/api/jobs/{job['id']}", timeout=10)
            assert (read.status_code, read.json()["name"]) == (200, job["name"])
    finally:
        subprocess.run(["chattr", "-i", server.db_path], check=True)
    assert_recovered(server, job["id"], workers)
    assert "attempt to write a readonly database" in server.log_text()


def test_backup_while_serving_has_every_acknowledged_write(server, tmp_path):
    load = Load(server.base, clients=8)
    runner = threading.Thread(target=load.run, args=(4,))
    runner.start()
    time.sleep(1)
    create_job(server.base, name="BEFORE-BACKUP")
    target = tmp_path / "backup.db"
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "backup", str(target)], cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{server.db_path}"},
        capture_output=True, text=True, timeout=60)
    runner.join()
    assert (result.returncode, result.stdout) == (0, f"Backed up the database to {target}.\n")
    assert load.failures == [] and load.lost_writes() == []
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    names = {row[0] for row in copy.execute("SELECT name FROM job")}
    copy.close()
    assert "BEFORE-BACKUP" in names and len(names) > len(load.own_jobs)


def open_files(pid: int) -> set[str]:
    fds = f"/proc/{pid}/fd"
    return {os.readlink(f"{fds}/{fd}") for fd in os.listdir(fds)}


def test_master_holds_no_database_connection(server):
    """preload_app: tables are made in the master, whose connection is closed before forking."""
    create_job(server.base)
    database = str(server.db_path)
    assert not any(path.startswith(database) for path in open_files(server.process.pid))
    # The worker that served the request keeps its pooled connection open.
    assert any(database in open_files(pid) for pid in server.worker_pids())


def test_sigterm_lets_the_request_in_flight_finish(own_server):
    server = own_server
    job = create_job(server.base)
    outside = sqlite3.connect(server.db_path, isolation_level=None, check_same_thread=False)
    outside.execute("BEGIN IMMEDIATE")
    threading.Timer(1, outside.execute, ("COMMIT",)).start()
    threading.Timer(0.3, os.kill, (server.process.pid, signal.SIGTERM)).start()
    response = requests.put(f"{server.base}/api/jobs/{job['id']}", json={"name": "DRAINED"},
                            timeout=15)
    assert (response.status_code, response.json()["name"]) == (200, "DRAINED")
    assert server.process.wait(timeout=25) == 0
    outside.close()
    with closing(sqlite3.connect(server.db_path)) as conn:
        assert conn.execute("SELECT name FROM job").fetchone() == ("DRAINED",)
