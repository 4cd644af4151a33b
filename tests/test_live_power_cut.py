"""A power cut loses no acknowledged SQLite write, single or in a scan batch (issue 18, item 3;
docs/operations.md, What a 2xx promises).

The power cut is emulated the way fstests does it: the service's database
lives on a small ext4 file system on a loop device, and while clients write,
the `EXT4_IOC_SHUTDOWN` ioctl with `EXT4_GOING_FLAGS_NOLOGFLUSH` stops the
file system without writing its journal, dropping whatever was not yet
durable. After a remount every write answered 201 must be there. Needs root
(mount, loop devices); everything is unmounted and detached even on failure.
"""
import contextlib
import fcntl
import os
import signal
import sqlite3
import struct
import threading
import time

import pytest
import requests

from tests.live import Gunicorn, loop_ext4, run, unmount

pytestmark = [pytest.mark.live, pytest.mark.sqlite_only]
# <linux/ext4.h>: _IOR('X', 125, __u32) and the flag that skips the journal flush.
EXT4_IOC_SHUTDOWN = 0x8004587D
EXT4_GOING_FLAGS_NOLOGFLUSH = 0x2
WRITERS = 4
BATCH = 20


@pytest.fixture
def ext4(tmp_path):
    """A mounted 64 MiB ext4 on a loop device: (its device, its mount point); all undone after."""
    with loop_ext4(tmp_path) as mounted:
        yield mounted


def kill_hard(server: Gunicorn) -> None:
    """SIGKILL the workers and the master, as a power cut would: nothing is closed cleanly."""
    for pid in server.worker_pids() | {server.process.pid}:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    server.log.close()


def write_until(base: str, stop: threading.Event, acked: list, writer: int) -> None:
    """Create jobs until `stop`; append the name of each one answered 201 to `acked`."""
    number = 0
    while not stop.is_set():
        name = f"W{writer}-{number}"
        number += 1
        try:
            response = requests.post(f"{base}/api/jobs", json={"name": name, "goalQuantity": 5},
                                     timeout=5)
        except requests.RequestException:
            continue
        if response.status_code == 201:
            acked.append(name)


def scan_until(serials: list[str]):
    """A writer that advances its share of `serials` by scan batches of `BATCH` until `stop`,
    appending the key of each item applied in a batch answered 200 to `acked`."""

    def write(base: str, stop: threading.Event, acked: list, writer: int) -> None:
        own, number = serials[writer::WRITERS], 0
        while not stop.is_set():
            scans = [{"key": f"W{writer}-{number}-{n}", "action": "advance",
                      "serialId": own[(number * BATCH + n) % len(own)]} for n in range(BATCH)]
            number += 1
            try:
                response = requests.post(f"{base}/api/scans", json={"scans": scans}, timeout=5)
            except requests.RequestException:
                continue
            if response.status_code == 200:
                acked.extend(result["key"] for result in response.json()["results"]
                             if result["outcome"] == "applied")

    return write


def cut_power_under(server: Gunicorn, mount, write) -> tuple[int, list]:
    """Run `WRITERS` threads of `write` for 3 s, cut the power, stop them and the server;
    return how many writes were acknowledged at the cut, and all acknowledged."""
    acked: list = []
    stop = threading.Event()
    writers = [threading.Thread(target=write, args=(server.base, stop, acked, i))
               for i in range(WRITERS)]
    try:
        for writer in writers:
            writer.start()
        time.sleep(3)
        descriptor = os.open(mount, os.O_RDONLY)
        try:
            fcntl.ioctl(descriptor, EXT4_IOC_SHUTDOWN,
                        struct.pack("I", EXT4_GOING_FLAGS_NOLOGFLUSH))
        finally:
            os.close(descriptor)
        cut = len(acked)
        time.sleep(0.5)
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=10)
        kill_hard(server)
    return cut, acked


def remounted(device, mount, query: str) -> set:
    """Remount the file system; check the database's integrity; return `query`'s first column."""
    unmount(mount)
    run("mount", device, str(mount))
    with sqlite3.connect(mount / "shop.db") as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        found = {row[0] for row in database.execute(query)}
    database.close()
    return found


def serving(mount, tmp_path) -> Gunicorn:
    return Gunicorn(mount / "shop.db", workers=2, log_path=tmp_path / "gunicorn.log",
                    env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")})


def test_every_acknowledged_write_survives_a_power_cut(ext4, tmp_path):
    device, mount = ext4
    cut, acked = cut_power_under(serving(mount, tmp_path), mount, write_until)
    # Answers already on their way when the file system stopped may still count.
    assert cut > 100 and len(acked) >= cut
    names = remounted(device, mount, "SELECT name FROM job")
    lost = [name for name in acked if name not in names]
    assert lost == [], f"{len(lost)} of {len(acked)} acknowledged writes lost"


def test_every_item_of_an_acknowledged_scan_batch_survives_a_power_cut(ext4, tmp_path):
    """The batch's items commit unsynced, and one flush ends the batch (jobs.store.flush)."""
    device, mount = ext4
    server = serving(mount, tmp_path)
    job = requests.post(f"{server.base}/api/jobs", json={"name": "J", "goalQuantity": 2000}).json()
    path = requests.post(f"{server.base}/api/paths", json={
        "jobId": job["id"], "name": "P", "goalQuantity": 2000,
        "steps": [{"name": f"step {n}"} for n in range(10)]}).json()
    serials = requests.post(f"{server.base}/api/serials", json={
        "jobId": job["id"], "pathId": path["id"], "quantity": 2000}).json()
    cut, acked = cut_power_under(server, mount, scan_until([s["id"] for s in serials]))
    assert cut > 100 and len(acked) >= cut
    keys = remounted(device, mount, "SELECT key FROM idempotency_key")
    lost = [key for key in acked if key not in keys]
    assert lost == [], f"{len(lost)} of {len(acked)} acknowledged items lost"
