"""A paused host: no PUT is applied twice or after a newer acknowledged one (issue 18, item 2).

Two app hosts on one PostgreSQL behind deploy/'s nginx (its read timeout
shortened to 4 s, with the `X-Request-Timeout` it sends). One host is
paused (SIGSTOP on its master and workers) while a client sends PUTs one
after another; nginx gives up on each PUT that reached the paused host
(504) and must not resend it to the other host. When the host resumes, its
workers find those PUTs in their sockets, past the proxy's deadline: they
answer 503 and write nothing. The job ends as the last acknowledged PUT
left it, and its history holds each acknowledged PUT once and nothing else.
The paused host is resumed even when the test fails.
"""
import os
import signal
import time
from collections import Counter

import pytest
import requests

from tests.live import Gunicorn, Nginx, create_job

pytestmark = pytest.mark.live
READ_TIMEOUT = {"proxy_read_timeout 35s;": "proxy_read_timeout 4s;",
                "X-Request-Timeout 35;": "X-Request-Timeout 4;"}


@pytest.fixture
def hosts(postgres, tmp_path):
    url = postgres.create_database("paused_host")
    hosts = [Gunicorn(tmp_path / f"host{i}.db", workers=2, database_url=url) for i in (1, 2)]
    (tmp_path / "nginx").mkdir()
    proxy = Nginx(tmp_path / "nginx", *(h.port for h in hosts), edits=READ_TIMEOUT)
    yield hosts, proxy
    proxy.stop()
    for host in hosts:
        signal_host(host, signal.SIGCONT)
        host.stop()


def signal_host(host: Gunicorn, signum: int) -> None:
    for pid in {host.process.pid, *host.worker_pids()}:
        os.kill(pid, signum)


def test_no_put_is_applied_twice_or_after_a_newer_acknowledged_one(hosts):
    (paused, other), proxy = hosts
    job = create_job(proxy.base)
    url = f"{proxy.base}/api/jobs/{job['id']}"
    signal_host(paused, signal.SIGSTOP)
    answers = {}
    try:
        started = time.monotonic()
        # Past nginx's 10 s fail_timeout, so the paused host is tried again.
        while time.monotonic() - started < 14:
            name = f"v{len(answers)}"
            answers[name] = requests.put(url, json={"name": name}, timeout=30).status_code
    finally:
        signal_host(paused, signal.SIGCONT)
    # Let the resumed host's workers take the PUTs left in their sockets.
    time.sleep(3)
    acknowledged = [name for name, status in answers.items() if status == 200]
    final = requests.get(f"{other.base}/api/jobs/{job['id']}", timeout=10).json()
    assert final["name"] == acknowledged[-1]
    history = requests.get(f"{other.base}/api/jobs/{job['id']}/history", timeout=10).json()
    applied = [event["data"]["changes"]["name"][1] for event in history
               if event["type"] == "job.updated"]
    assert Counter(applied) == Counter(acknowledged)
    assert applied == acknowledged
    # The paused host was reached, and gave up the PUTs it found too late.
    assert set(answers.values()) == {200, 504}
    assert paused.wait_for_log("the proxy's deadline passed")
    for host in (paused, other):
        assert "Traceback" not in host.log_text()
