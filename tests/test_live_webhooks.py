"""The deliverer as a real process (docs/api.md, Webhooks: Delivery; docs/operations.md, Webhooks).

`flask --app app webhooks deliver` runs beside a real gunicorn on one
database (SQLite and PostgreSQL), delivering to a threaded receiver on
loopback (`WEBHOOK_ALLOW_PRIVATE=true`, short backoff and poll). Every
delivery is verified with `standardwebhooks`, as a receiver would.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.live import ROOT, stop_process
from tests.receiver import Receiver

pytestmark = pytest.mark.live

SETTINGS = {"WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_BACKOFF_SECONDS": "0.2",
            "WEBHOOK_POLL_SECONDS": "0.1"}


class Deliverer:
    """`flask --app app webhooks deliver` on `database_url`, its output in `log`."""

    def __init__(self, database_url: str, log):
        self.log = log
        env = {**os.environ, **SETTINGS, "DATABASE_URL": database_url}
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app",
                                         "webhooks", "deliver"], cwd=ROOT, env=env,
                                        stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int:
        stop_process(self.process, signal.SIGTERM)
        return self.process.returncode


@pytest.fixture(scope="module")
def server(tmp_path_factory, live_database_url):
    from tests.live import serve
    yield from serve(tmp_path_factory.mktemp("live"), database_url=live_database_url,
                     env=SETTINGS)


@pytest.fixture
def deliverers(server, tmp_path):
    started = []

    def start() -> Deliverer:
        log = open(tmp_path / f"deliverer{len(started)}.log", "wb")  # noqa: SIM115
        started.append(Deliverer(server.database_url, log))
        return started[-1]

    yield start
    for deliverer in started:
        deliverer.stop()
        deliverer.log.close()
        text = Path(deliverer.log.name).read_text()
        assert "Traceback" not in text, text


@pytest.fixture(autouse=True)
def no_subscriptions_left(request):
    """Each test's subscriptions are deleted after it (a later receiver may reuse its port)."""
    yield
    if "server" not in request.fixturenames:
        return
    server = request.getfixturevalue("server")
    for webhook in requests.get(f"{server.base}/api/webhooks", timeout=10).json():
        requests.delete(f"{server.base}/api/webhooks/{webhook['id']}", timeout=10)


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


def subscribe(server, url: str, **fields) -> dict:
    response = requests.post(f"{server.base}/api/webhooks", json={"url": url, **fields},
                             timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def make_events(server, count: int, writers: int = 4) -> list[dict]:
    """`count` job updates by `writers` concurrent clients; return the events they made."""
    job = requests.post(f"{server.base}/api/jobs", json={"name": "HOOKED", "goalQuantity": 1},
                        timeout=10).json()
    after = requests.get(f"{server.base}/api/events?jobId={job['id']}", timeout=10).json()[-1]

    def write(offset):
        with requests.Session() as http:
            for goal in range(offset, count, writers):
                http.put(f"{server.base}/api/jobs/{job['id']}", json={"goalQuantity": goal + 1},
                         timeout=10).raise_for_status()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [after] + requests.get(f"{server.base}/api/events?after={after['id']}",
                                  timeout=10).json()


def of(receiver: Receiver, webhook: dict) -> list[dict]:
    """The events `webhook` received, verified with its secret, in arrival order."""
    return [got.verified(webhook["secret"]) for got in receiver.received
            if got.headers["webhook-id"].startswith(webhook["id"] + "_")]


def wait_until(check, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_every_event_arrives_once_per_subscription_in_order(server, deliverers, receiver):
    first, second = subscribe(server, receiver.url), subscribe(server, receiver.url)
    deliverers()
    events = make_events(server, 120)
    wait_until(lambda: len(receiver.received) >= 2 * len(events))
    time.sleep(0.5)
    assert of(receiver, first) == events
    assert of(receiver, second) == events
    assert len(receiver.received) == 2 * len(events)
    shown = requests.get(f"{server.base}/api/webhooks/{first['id']}", timeout=10).json()
    assert shown["lastDeliveredEventId"] == events[-1]["id"]


def test_a_receiver_that_fails_then_recovers_gets_the_same_webhook_id(
        server, deliverers, receiver):
    webhook = subscribe(server, receiver.url)
    receiver.status = 500
    deliverers()
    events = make_events(server, 3)
    wait_until(lambda: len(receiver.received) >= 3)
    shown = requests.get(f"{server.base}/api/webhooks/{webhook['id']}", timeout=10).json()
    assert shown["status"] == "failing"
    receiver.status = 200
    wait_until(lambda: len(of(receiver, webhook)) >= 3 + len(events))
    ids = [got.headers["webhook-id"] for got in receiver.received]
    failed = ids[:-len(events)]
    assert set(failed) == {f"{webhook['id']}_{events[0]['id']}"}
    assert ids[-len(events):] == [f"{webhook['id']}_{e['id']}" for e in events]
    log = requests.get(f"{server.base}/api/webhooks/{webhook['id']}/deliveries",
                       timeout=10).json()
    assert [d.get("status") for d in log] == [200] * len(events) + [500] * len(failed)
    assert requests.get(f"{server.base}/api/webhooks/{webhook['id']}",
                        timeout=10).json()["status"] == "active"


def test_sigkill_mid_stream_loses_nothing_and_reorders_nothing(server, deliverers):
    receiver = Receiver(delay=0.005)
    try:
        webhook = subscribe(server, receiver.url)
        events = make_events(server, 200)
        victim = deliverers()
        wait_until(lambda: len(receiver.received) >= 60)
        victim.kill()
        deliverers()
        wait_until(lambda: {e["id"] for e in of(receiver, webhook)} >= {e["id"] for e in events},
                   seconds=120)
        got = [e["id"] for e in of(receiver, webhook)]
    finally:
        receiver.stop()
    assert all(a <= b for a, b in zip(got, got[1:], strict=False)), "reordered"
    assert sorted(set(got)) == [e["id"] for e in events]
    assert len(got) - len(set(got)) <= 1


def test_sigterm_stops_it_cleanly(server, deliverers):
    deliverer = deliverers()
    # Before its handler is installed (a slow start), SIGTERM would kill it outright.
    wait_until(lambda: b"Delivering" in Path(deliverer.log.name).read_bytes())
    assert deliverer.stop() == 0
    assert Path(deliverer.log.name).read_text().endswith("Stopped.\n")


def test_two_deliverers_never_send_one_event_twice_at_once(postgres, tmp_path):
    from tests.live import serve
    url = postgres.create_database("live_webhooks_two")
    receiver = ConcurrencyReceiver()
    servers = serve(tmp_path, database_url=url, env=SETTINGS)
    host = next(servers)
    logs = [open(tmp_path / f"d{i}.log", "wb") for i in range(2)]  # noqa: SIM115
    try:
        hooks = [subscribe(host, receiver.url) for _ in range(4)]
        events = make_events(host, 60)
        pair = [Deliverer(url, log) for log in logs]
        wait_until(lambda: len(receiver.received) >= len(hooks) * len(events), seconds=120)
        time.sleep(0.5)
        for deliverer in pair:
            assert deliverer.stop() == 0
    finally:
        receiver.stop()
        for log in logs:
            log.close()
        next(servers, None)
    for webhook in hooks:
        assert of(receiver, webhook) == events
    assert receiver.most_at_once == 1
    owners = {line.split()[-1] for log in logs for line in
              Path(log.name).read_text().splitlines() if line.startswith("Delivering")}
    assert len(owners) == 2


class ConcurrencyReceiver(Receiver):
    """A receiver that notes how many POSTs of one subscription it holds at the same time."""

    def __init__(self):
        super().__init__(delay=0.01)
        self.active, self.most_at_once = {}, 0
        self.server.RequestHandlerClass = self._counting(self.server.RequestHandlerClass)

    def _counting(self, handler):
        receiver = self

        class Counting(handler):
            def do_POST(self):
                hook = self.headers["webhook-id"].rsplit("_", 1)[0]
                with receiver.lock:
                    receiver.active[hook] = receiver.active.get(hook, 0) + 1
                    receiver.most_at_once = max(receiver.most_at_once, receiver.active[hook])
                try:
                    super().do_POST()
                finally:
                    with receiver.lock:
                        receiver.active[hook] -= 1

        return Counting


def test_bodies_are_the_feed_s_items(server, deliverers, receiver):
    webhook = subscribe(server, receiver.url, types=["job.created"])
    deliverers()
    job = requests.post(f"{server.base}/api/jobs", json={"name": "Ünïcode ✓", "goalQuantity": 2},
                        timeout=10).json()
    wait_until(lambda: len(of(receiver, webhook)) == 1)
    feed = requests.get(f"{server.base}/api/events?jobId={job['id']}", timeout=10)
    (got,) = [g for g in receiver.received if g.headers["webhook-id"].startswith(webhook["id"])]
    assert got.body.decode() == feed.text.strip()[1:-1]
    assert json.loads(got.body)["data"]["name"] == "Ünïcode ✓"
