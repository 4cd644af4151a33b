"""Load and a killed worker on real gunicorn with 4 workers (tests/load.py explains the load)."""
import os
import signal
import sqlite3
import threading
import time
from contextlib import closing

import pytest

from tests.live import Gunicorn
from tests.load import Load

pytestmark = pytest.mark.live


@pytest.fixture
def server(tmp_path):
    server = Gunicorn(tmp_path / "load.db", workers=4)
    yield server
    server.stop()


def integrity(path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_32_clients_for_10_s_lose_nothing(server):
    load = Load(server.base, clients=32)
    load.run(seconds=10)
    assert load.failures == []
    assert all(status < 500 for status in load.statuses)
    assert sum(load.statuses.values()) > 500
    assert load.stale_reads == []
    assert load.lost_writes() == []
    server.stop()
    assert "Traceback" not in server.log_text()
    assert integrity(server.db_path) == "ok"


def test_killed_worker_loses_only_its_request(server):
    load = Load(server.base, clients=32)
    workers = server.worker_pids()
    victim = sorted(workers)[0]
    killer = threading.Timer(2, os.kill, (victim, signal.SIGKILL))
    killer.start()
    load.run(seconds=6)
    killer.join()
    # A sync worker holds one request at a time: at most that one fails.
    assert len(load.failures) <= 1, load.failures
    assert load.stale_reads == []
    assert load.lost_writes() == []
    deadline = time.monotonic() + 10
    while len(server.worker_pids() - {victim}) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    replaced = server.worker_pids()
    assert victim not in replaced and len(replaced) == 4
    server.stop()
    assert integrity(server.db_path) == "ok"


def test_gthread_workers_hand_pooled_connections_between_threads(tmp_path):
    """The pool may give a connection opened by one thread to another (gthread workers)."""
    server = Gunicorn(tmp_path / "gthread.db", workers=2,
                      env={"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "4"})
    try:
        load = Load(server.base, clients=16)
        load.run(seconds=3)
        assert load.failures == [] and load.stale_reads == []
        assert load.lost_writes() == []
    finally:
        server.stop()
    assert "Traceback" not in server.log_text()
