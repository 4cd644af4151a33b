"""Two app hosts on one PostgreSQL behind deploy/'s nginx: one host's master killed under load.

docs/operations.md, Several hosts on PostgreSQL: nginx sends a request to the
other host when one refuses it, for idempotent methods only, so GETs go on
succeeding, every acknowledged write is stored, and no POST is applied twice.
"""
import os
import signal
import threading
import time
from collections import Counter

import pytest
import requests

from tests.live import two_hosts
from tests.load import Load

pytestmark = pytest.mark.live


@pytest.fixture
def hosts(postgres, tmp_path):
    yield from two_hosts(postgres, tmp_path, "two_hosts_killed")


class Creator:
    """One client that POSTs jobs with unique names one after another until told to stop."""

    def __init__(self, base: str):
        self.base = base
        self.answers: dict[str, int | None] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            name = f"post-{number}"
            try:
                response = requests.post(f"{self.base}/api/jobs", timeout=30,
                                         json={"name": name, "goalQuantity": 1})
                self.answers[name] = response.status_code
            except requests.RequestException:
                self.answers[name] = None


def test_killed_host_master_loses_no_acknowledged_write_and_applies_no_post_twice(hosts):
    (victim, survivor), proxy = hosts
    orphans = victim.worker_pids()
    load = Load(proxy.base, clients=8)
    creator = Creator(proxy.base)
    posting = threading.Thread(target=creator.run)
    posting.start()
    threading.Timer(1.5, os.kill, (victim.process.pid, signal.SIGKILL)).start()
    load.run(seconds=5)
    creator.stop.set()
    posting.join(timeout=60)
    for pid in orphans:
        # A sync worker whose master died finishes its request and exits by itself.
        _wait_gone(pid)
    assert [f for f in load.failures if f.startswith("GET")] == []
    assert load.stale_reads == [] and load.lost_writes() == []
    stored = Counter(job["name"] for job in requests.get(f"{proxy.base}/api/jobs",
                                                         timeout=30).json())
    acknowledged = [name for name, status in creator.answers.items() if status == 201]
    assert len(acknowledged) > 10
    assert all(stored[name] == 1 for name in acknowledged)
    assert all(stored[name] <= 1 for name in creator.answers)
    assert requests.get(f"{survivor.base}/api/health", timeout=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{victim.base}/api/health", timeout=5)


def _wait_gone(pid: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.1)
    if os.path.exists(f"/proc/{pid}"):
        os.kill(pid, signal.SIGKILL)
