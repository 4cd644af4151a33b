"""Webhook delivery in-process (docs/api.md, Webhooks: Delivery), on both databases.

A real receiver on loopback (tests/receiver.py), the deliverer's own
rounds run here; signatures verified with `standardwebhooks` as a receiver
would. The deliverer as a process is in tests/test_live_webhooks.py.
"""
import json
import os
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from jobs import clock
from jobs.services import delivery
from jobs.store.db import db, is_postgres
from jobs.store.models import Webhook
from jobs.webhooks import sender
from jobs.webhooks.command import event_encoder
from jobs.webhooks.deliverer import Deliverer, Settings
from tests.prometheus import value
from tests.receiver import Receiver


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def deliverer(app):
    with app.app_context():
        settings = Settings(encode=event_encoder(), allow_private=True, backoff_seconds=0.2)
    return Deliverer(settings)


def deliver(deliverer: Deliverer) -> None:
    """Run the deliverer's rounds until nothing is due."""
    with ThreadPoolExecutor(2) as pool:
        while deliverer.round(pool):
            pass


def subscribe(app, url: str, **fields) -> dict:
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    response = app.test_client().post("/api/webhooks", json={"url": url, **fields})
    assert response.status_code == 201, response.json
    return response.json


def stored(webhook_id: str) -> dict:
    with db.connection_context():
        return Webhook.select().where(Webhook.id == webhook_id).dicts().get()


def changes(client, job) -> None:
    client.put(f"/api/jobs/{job['id']}", json={"goalQuantity": 70})
    other = client.post("/api/jobs", json={"name": "OTHER", "goalQuantity": 1}).json
    client.put(f"/api/jobs/{other['id']}", json={"name": "ÜBER"})
    client.put(f"/api/jobs/{job['id']}", json={"name": "JOB-2"})


def test_every_event_after_the_subscription_arrives_once_signed_in_order(
        app, client, job, receiver, deliverer):
    webhook = subscribe(app, receiver.url)
    changes(client, job)
    deliver(deliverer)
    events = client.get(f"/api/events?after={job_created_id(client)}").json
    got = receiver.received
    assert [r.verified(webhook["secret"]) for r in got] == events
    feed = client.get("/api/events").get_data(as_text=True)
    assert all(r.body.decode() in feed for r in got)
    assert [r.headers["webhook-id"] for r in got] == [
        f"{webhook['id']}_{e['id']}" for e in events]
    assert {r.headers["content-type"] for r in got} == {"application/json"}
    assert stored(webhook["id"])["last_delivered_event_id"] == events[-1]["id"]
    shown = client.get(f"/api/webhooks/{webhook['id']}").json
    assert (shown["status"], shown["lastDeliveredEventId"]) == ("active", events[-1]["id"])
    log = client.get(f"/api/webhooks/{webhook['id']}/deliveries").json
    assert [(d["eventId"], d["status"]) for d in log] == [(e["id"], 200) for e in events][::-1]
    assert all("error" not in d and isinstance(d["durationMs"], int) for d in log)
    deliver(deliverer)
    assert len(receiver.received) == len(events)


def deliver_changes_to(receiver: Receiver, app, client, job, deliverer) -> dict:
    """Subscribe `receiver`, make `changes`, deliver them, stop `receiver`; return the webhook."""
    try:
        webhook = subscribe(app, receiver.url)
        changes(client, job)
        deliver(deliverer)
    finally:
        receiver.stop()
    return webhook


def job_created_id(client) -> int:
    return client.get("/api/events?type=job.created").json[0]["id"]


def test_types_and_job_filters(app, client, job, receiver, deliverer):
    typed = subscribe(app, receiver.url, types=["job.created"])
    of_job = subscribe(app, receiver.url, jobId=job["id"])
    changes(client, job)
    deliver(deliverer)
    by_hook = {}
    for got in receiver.received:
        by_hook.setdefault(got.headers["webhook-id"].rsplit("_", 1)[0], []).append(
            json.loads(got.body))
    assert [e["type"] for e in by_hook[typed["id"]]] == ["job.created"]
    assert [e["data"] for e in by_hook[of_job["id"]]] == [
        {"changes": {"goalQuantity": [50, 70]}}, {"changes": {"name": ["JOB-2024-001", "JOB-2"]}}]


def test_a_failing_receiver_gets_retries_with_the_same_webhook_id(
        app, client, job, receiver, deliverer):
    webhook = subscribe(app, receiver.url)
    changes(client, job)
    receiver.status = 503
    deliver(deliverer)
    row = stored(webhook["id"])
    assert (row["status"], row["failures"], row["last_delivered_event_id"]) == ("failing", 1, None)
    assert client.get(f"/api/webhooks/{webhook['id']}").json["status"] == "failing"
    assert row["next_attempt_at"] - row["failing_since"] >= 200
    (attempt,) = client.get(f"/api/webhooks/{webhook['id']}/deliveries").json
    assert (attempt["status"], attempt["error"]) == (503, "receiver answered 503")
    with db.connection_context():
        Webhook.update(next_attempt_at=0).where(Webhook.id == webhook["id"]).execute()
    deliver(deliverer)
    receiver.status = 200
    with db.connection_context():
        Webhook.update(next_attempt_at=0).where(Webhook.id == webhook["id"]).execute()
    deliver(deliverer)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids[0] == ids[1] == ids[2] and len(set(ids)) == len(ids) - 2
    row = stored(webhook["id"])
    assert (row["status"], row["failures"], row["failing_since"]) == ("active", 0, None)


@pytest.mark.parametrize("failures, seconds", [(1, 5), (2, 10), (3, 20), (10, 2560),
                                               (11, 3600), (50, 3600)])
def test_backoff_doubles_from_5_s_up_to_an_hour(failures, seconds):
    assert delivery.backoff_ms(failures, 5000) == seconds * 1000


def test_three_days_of_failures_disable_it_and_resume_brings_it_back(
        app, client, job, receiver, deliverer, monkeypatch):
    webhook = subscribe(app, receiver.url)
    changes(client, job)
    receiver.status = 500
    deliver(deliverer)
    start = stored(webhook["id"])["failing_since"]
    monkeypatch.setattr(clock, "now_ms", lambda: start + 3 * 24 * 3_600_000)
    deliver(deliverer)
    assert stored(webhook["id"])["status"] == "disabled"
    assert len(receiver.received) == 2
    deliver(deliverer)
    assert len(receiver.received) == 2
    receiver.status = 204
    assert client.post(f"/api/webhooks/{webhook['id']}/resume").json["status"] == "active"
    deliver(deliverer)
    assert stored(webhook["id"])["status"] == "active"
    assert stored(webhook["id"])["last_delivered_event_id"] is not None


def test_a_redirect_is_a_failure_and_is_not_followed(app, client, job, deliverer):
    target = Receiver()
    redirecting = Receiver(status=302, location=target.url)
    try:
        webhook = subscribe(app, redirecting.url)
        changes(client, job)
        deliver(deliverer)
        assert (len(redirecting.received), target.received) == (1, [])
        assert stored(webhook["id"])["status"] == "failing"
    finally:
        target.stop()
        redirecting.stop()


def test_no_answer_within_the_timeout_is_a_failure(app, client, job, deliverer, monkeypatch):
    monkeypatch.setattr(sender, "TIMEOUT_SECONDS", 0.3)
    webhook = deliver_changes_to(Receiver(delay=1), app, client, job, deliverer)
    (attempt,) = client.get(f"/api/webhooks/{webhook['id']}/deliveries").json
    assert "status" not in attempt
    assert attempt["error"] == "no answer within 0.3 s"
    assert 250 <= attempt["durationMs"] < 1000


def test_the_private_rule_is_checked_again_at_delivery(app, client, job, receiver):
    webhook = subscribe(app, receiver.url)
    changes(client, job)
    with app.app_context():
        strict = Deliverer(Settings(encode=event_encoder(), allow_private=False))
    deliver(strict)
    assert receiver.received == []
    (attempt,) = client.get(f"/api/webhooks/{webhook['id']}/deliveries").json
    assert attempt["error"] == "url must not point to a private address"


def test_a_refused_connection_is_logged_without_status(app, client, job, deliverer):
    with socket.socket() as bound:
        # Bound but not listening: refused, and no other process can take the port meanwhile.
        bound.bind(("127.0.0.1", 0))
        webhook = subscribe(app, f"http://127.0.0.1:{bound.getsockname()[1]}/h")
        changes(client, job)
        deliver(deliverer)
    (attempt,) = client.get(f"/api/webhooks/{webhook['id']}/deliveries").json
    assert "status" not in attempt and attempt["error"].startswith("ConnectionRefusedError")
    assert stored(webhook["id"])["unreachable"] == 1


def test_one_deliverer_at_a_time_and_a_lost_lease_moves_nothing(app, client, job, deliverer):
    webhook = subscribe(app, "http://127.0.0.1:9/h")
    changes(client, job)
    with app.app_context():
        other = Deliverer(deliverer.settings)
    with db.connection_context():
        mine = delivery.claim(webhook["id"], deliverer.owner)
        assert mine is not None
        assert delivery.claim(webhook["id"], other.owner) is None
        assert delivery.due(clock.now_ms()) == []
        Webhook.update(lease_expires_at=clock.now_ms() - 1).where(
            Webhook.id == webhook["id"]).execute()
        assert delivery.claim(webhook["id"], other.owner) is not None
        attempt = delivery.Attempt(mine["cursor"] + 1, clock.now_ms(), 200, None, 1)
        assert delivery.record(mine, deliverer.owner, attempt, 5000) is False
    row = stored(webhook["id"])
    assert (row["cursor"], row["delivered"], row["lease_owner"]) == (
        mine["cursor"], 0, other.owner)
    assert client.get(f"/api/webhooks/{webhook['id']}/deliveries").json == []


def test_a_deleted_subscription_gets_nothing_more(app, client, job, receiver, deliverer):
    webhook = subscribe(app, receiver.url)
    client.delete(f"/api/webhooks/{webhook['id']}")
    changes(client, job)
    deliver(deliverer)
    assert receiver.received == []


def test_metrics_show_attempts_by_outcome_and_the_lag(app, client, job, receiver, deliverer):
    webhook = subscribe(app, receiver.url)
    typed = subscribe(app, receiver.url, types=["job.deleted"])
    changes(client, job)
    before = client.get("/metrics").get_data(as_text=True)
    assert value(before, "jobs_webhook_lag", webhook=webhook["id"]) == 4
    assert value(before, "jobs_webhook_lag", webhook=typed["id"]) == 0
    receiver.status = lambda count: 500 if count == 1 else 200
    deliver(deliverer)
    with db.connection_context():
        Webhook.update(next_attempt_at=0).where(Webhook.id == webhook["id"]).execute()
    deliver(deliverer)
    after = client.get("/metrics").get_data(as_text=True)
    wanted = {"delivered": 4, "rejected": 1, "unreachable": 0}
    assert {outcome: value(after, "jobs_webhook_deliveries_total", webhook=webhook["id"],
                           outcome=outcome) for outcome in wanted} == wanted
    assert value(after, "jobs_webhook_lag", webhook=webhook["id"]) == 0


def test_a_restarted_deliverer_frees_the_leases_of_its_host_s_dead_deliverers(app, client):
    dead, living = (subscribe(app, "http://127.0.0.1:9/h") for _ in range(2))
    client.post("/api/jobs", json={"name": "J", "goalQuantity": 1})
    with db.connection_context():
        assert delivery.claim(dead["id"], "bench-1:4000001:a") is not None
        assert delivery.claim(living["id"], "bench-1:4000002:b") is not None
        assert delivery.claim(living["id"] + "x", "other:4000003:c") is None
        freed = delivery.free_leases_of_the_dead("bench-1", lambda pid: pid == 4000002)
    assert freed == 1
    assert (stored(dead["id"])["lease_owner"], stored(living["id"])["lease_owner"]) == (
        None, "bench-1:4000002:b")


@pytest.mark.parametrize("protocol, connections", [("HTTP/1.1", 1), ("HTTP/1.0", 4)])
def test_a_turn_keeps_its_connection_open_when_the_receiver_does(
        app, client, job, deliverer, protocol, connections):
    receiver = Receiver(protocol=protocol)
    webhook = deliver_changes_to(receiver, app, client, job, deliverer)
    assert [r.verified(webhook["secret"])["id"] for r in receiver.received] == [
        e["id"] for e in client.get(f"/api/events?after={job_created_id(client)}").json]
    assert len({r.port for r in receiver.received}) == connections


def test_events_are_sent_once_the_wal_is_synced(app, client, job, receiver, deliverer,
                                                monkeypatch):
    """A scan batch's commits are synced after its last item (jobs.store.flush): the deliverer
    syncs the WAL before it sends what it read, so no receiver has an event a power cut undid."""
    subscribe(app, receiver.url)
    changes(client, job)
    synced = []
    real = os.fsync

    def spy(descriptor):
        synced.append((os.readlink(f"/proc/self/fd/{descriptor}"), len(receiver.received)))
        real(descriptor)

    monkeypatch.setattr(os, "fsync", spy)
    deliver(deliverer)
    assert len(receiver.received) == 4
    if is_postgres():
        assert synced == []
    else:
        assert synced[0] == (os.path.realpath(f"{db.obj.path}-wal"), 0)
