"""A dead worker costs only its own in-flight request (issue 18, item 5).

Two app hosts on one PostgreSQL behind deploy/'s nginx, under a mixed load
of PUTs and GETs; one worker of each host is killed (SIGKILL). Each killed
worker held at most one request (sync workers), so at most two requests
may fail; nginx must not take the hosts out of the upstream for that
(with `max_fails=1` both were out for 10 s: every request was 502).
"""
import os
import signal
import threading

import pytest

from tests.live import two_hosts
from tests.load import Load

pytestmark = pytest.mark.live


@pytest.fixture
def hosts(postgres, tmp_path):
    yield from two_hosts(postgres, tmp_path, "dead_worker")


def kill_one_worker_of_each(hosts) -> None:
    for host in hosts:
        os.kill(min(host.worker_pids()), signal.SIGKILL)


def test_one_dead_worker_per_host_fails_at_most_its_own_request(hosts):
    hosts, proxy = hosts
    load = Load(proxy.base, clients=8)
    threading.Timer(1.5, kill_one_worker_of_each, (hosts,)).start()
    load.run(seconds=5)
    assert len(load.failures) <= len(hosts), load.failures
    assert load.stale_reads == [] and load.lost_writes() == []
    assert sum(load.statuses.values()) > 100
