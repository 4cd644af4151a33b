"""A full disk (issue 18, item 6): health says so, writes are 503, reads go on, a restart works;
a start with not one block free stops with one line.

The service's SQLite file is on a small loop-mounted ext4 that is then
filled. `/api/health` must answer 503 naming the disk, writes 503 (not
500), reads 200; the service must start again on the full disk and serve
reads; and once space is freed, health and writes are back. Needs root.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.live import ROOT, Gunicorn, create_job, loop_ext4

pytestmark = [pytest.mark.live, pytest.mark.sqlite_only]
UNAVAILABLE = {"statusCode": 503, "statusMessage": "Service Unavailable",
               "message": "Service Unavailable"}
DISK_DOWN = {**UNAVAILABLE, "data": {"errors": {
    "disk": ["less than 16 MiB free beside the database"]}}}


def fill(mount: Path) -> Path:
    """Fill the file system at `mount` with one file until not one byte more fits."""
    filler = mount / "filler"
    with open(filler, "wb", buffering=0) as file:
        for size in (65536, 4096, 1):
            try:
                while True:
                    file.write(b"\0" * size)
            except OSError:
                pass
    return filler


def serve(mount: Path, tmp_path: Path, name: str, health: tuple) -> Gunicorn:
    return Gunicorn(mount / "shop.db", workers=2, log_path=tmp_path / f"{name}.log",
                    env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"{name}-metrics")},
                    health=health)


def assert_full(server: Gunicorn, job: dict, writes: bool = True) -> None:
    """Health 503 naming the disk, reads 200, and (`writes`) a write 503, not 500."""
    health = requests.get(f"{server.base}/api/health", timeout=10)
    assert (health.status_code, health.json()) == (503, DISK_DOWN)
    read = requests.get(f"{server.base}/api/jobs/{job['id']}", timeout=10)
    assert (read.status_code, read.json()["name"]) == (200, job["name"])
    if not writes:
        return
    write = requests.post(f"{server.base}/api/jobs", json={"name": "FULL", "goalQuantity": 1},
                          timeout=10)
    assert (write.status_code, write.json()) == (503, UNAVAILABLE)


def test_a_full_disk_is_unhealthy_keeps_reads_and_restarts(tmp_path):
    with loop_ext4(tmp_path) as (_, mount):
        server = serve(mount, tmp_path, "first", (200,))
        try:
            job = create_job(server.base)
            filler = fill(mount)
            assert_full(server, job)
        finally:
            server.stop()
        # The stop freed the WAL's blocks, which the start uses for the WAL index.
        # (Started with no block free at all, SQLite cannot open it in WAL mode:
        # docs/operations.md, Full disk.)
        again = serve(mount, tmp_path, "again", (503,))
        try:
            # The few blocks the file system keeps may take a write or two now.
            assert_full(again, job, writes=False)
            os.remove(filler)
            assert requests.get(f"{again.base}/api/health", timeout=10).status_code == 200
            assert requests.put(f"{again.base}/api/jobs/{job['id']}", json={"name": "ROOM"},
                                timeout=10).status_code == 200
        finally:
            again.stop()


def test_a_start_with_not_one_block_free_is_one_line_and_exit_1(tmp_path):
    with loop_ext4(tmp_path) as (_, mount):
        serve(mount, tmp_path, "first", (200,)).stop()
        fill(mount)
        assert os.statvfs(mount).f_bavail == 0
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{mount}/shop.db",
               "GUNICORN_BIND": "127.0.0.1:0",
               "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "start-metrics")}
        start = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                "wsgi:app"], cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=60)
    line = (f"shop-jobs: no space left beside {mount}/shop.db: SQLite cannot create its "
            f"shared-memory file ({mount}/shop.db-shm) to open the database; free some space "
            "and start again")
    assert start.returncode == 1
    assert line in start.stderr.splitlines() and "Traceback" not in start.stderr
