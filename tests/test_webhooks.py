"""Webhook subscriptions (docs/api.md, Webhooks): create, read, delete, resume, deliveries."""
import base64
import re
import socket
import time

import pytest

from app import ConfigError, create_app
from jobs.store.db import db
from jobs.store.models import Webhook, WebhookDelivery
from jobs.webhooks.targets import LOOKUP_SECONDS
from tests.conftest import error_body
from tests.test_schema_upgrades import table_rows

PUBLIC = "http://93.184.215.14/hooks/shop"
SECRET = re.compile(r"whsec_([A-Za-z0-9+/]{43}=)")


def create(client, expect=201, headers=None, **body):
    response = client.post("/api/webhooks", json={"url": PUBLIC, **body}, headers=headers)
    assert response.status_code == expect, response.json
    return response.json


def nothing_changed(client) -> None:
    assert client.get("/api/webhooks").json == []
    assert client.get("/api/events").json == []


def test_create_answers_the_subscription_and_its_secret_once(client):
    created = create(client, description="ERP")
    assert list(created) == ["id", "url", "description", "status", "createdAt", "secret"]
    assert re.fullmatch(r"wh_[A-Za-z0-9_-]{12}", created["id"])
    assert len(base64.b64decode(SECRET.fullmatch(created["secret"]).group(1))) == 32
    assert (created["url"], created["status"], created["description"]) == (PUBLIC, "active", "ERP")
    shown = {k: v for k, v in created.items() if k != "secret"}
    assert client.get(f"/api/webhooks/{created['id']}").json == shown
    assert client.get("/api/webhooks").json == [shown]
    assert client.get("/api/events").json == []


def test_location_and_fields_in_order_with_the_filters(client, job):
    response = client.post("/api/webhooks", json={
        "url": PUBLIC, "types": ["serial.scrapped", "job.updated", "serial.scrapped"],
        "jobId": job["id"], "description": "scraps"})
    body = response.json
    assert response.headers["Location"] == f"/api/webhooks/{body['id']}"
    assert list(body) == ["id", "url", "types", "jobId", "description", "status", "createdAt",
                          "secret"]
    assert (body["types"], body["jobId"]) == (["serial.scrapped", "job.updated"], job["id"])
    assert "lastDeliveredEventId" not in body


def test_null_filters_are_no_filters(client):
    body = create(client, types=None, jobId=None, description=None)
    assert list(body) == ["id", "url", "status", "createdAt", "secret"]


@pytest.mark.parametrize("body, message", [
    ({}, "url is required"),
    ({"url": None}, "url is required"),
    ({"url": ""}, "url is required"),
    ({"url": 42}, "url must be an http or https URL"),
    ({"url": "ftp://example.com/x"}, "url must be an http or https URL"),
    ({"url": "example.com/hook"}, "url must be an http or https URL"),
    ({"url": "http:///hook"}, "url must be an http or https URL"),
    ({"url": "http://example.com:99999/"}, "url must be an http or https URL"),
    ({"url": "http://exa mple.com/"}, "url must be an http or https URL"),
    ({"url": "http://example.com/a\tb"}, "url must be an http or https URL"),
    ({"url": "http://example.com/\x00"}, "url must be an http or https URL"),
    ({"url": "https://example.com/" + "a" * 1981}, "url must be at most 2000 characters"),
    ({"url": PUBLIC, "types": []}, "types must be a non-empty list of event types"),
    ({"url": PUBLIC, "types": "job.created"}, "types must be a non-empty list of event types"),
    ({"url": PUBLIC, "types": ["job.created", "job.exploded"]},
     "types must be a non-empty list of event types"),
    ({"url": PUBLIC, "types": [1]}, "types must be a non-empty list of event types"),
    ({"url": PUBLIC, "jobId": 5}, "jobId must be a string"),
    ({"url": PUBLIC, "description": ["x"]}, "description must be a string"),
    ({"url": PUBLIC, "description": "d" * 1001}, "description must be at most 1000 characters"),
])
def test_invalid_bodies_are_400_and_store_nothing(client, body, message):
    response = client.post("/api/webhooks", json=body)
    field = message.split()[0]
    assert (response.status_code, response.json) == (
        400, error_body(400, "Bad Request", message, {field: [message]}))
    nothing_changed(client)


def test_a_url_of_exactly_2000_characters_is_accepted(client):
    url = "https://93.184.215.14/" + "a" * 1978
    assert create(client, url=url)["url"] == url


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/h", "http://localhost:8080/h", "http://10.1.2.3/h", "http://192.168.0.9/h",
    "http://172.16.0.1/h", "http://169.254.169.254/latest", "http://224.0.0.1/h",
    "http://[::1]/h", "http://[fe80::1]/h", "http://[::ffff:127.0.0.1]/h", "http://0.0.0.0/h",
    # An IPv6 zone id as a URL writes it (RFC 6874: `%25`), which no resolver takes as such.
    "http://[::1%25lo]:18791/h", "http://[fe80::1%25eth0]/h", "http://[ff02::1%25lo]/h",
])
def test_private_addresses_are_refused(client, url):
    response = client.post("/api/webhooks", json={"url": url})
    assert (response.status_code, response.json) == (
        400, error_body(400, "Bad Request", "url must not point to a private address",
                        {"url": ["url must not point to a private address"]}))
    nothing_changed(client)


def test_webhook_allow_private_accepts_them(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True,
                      "WEBHOOK_ALLOW_PRIVATE": "true"})
    assert create(app.test_client(), url="http://127.0.0.1:9000/h")["status"] == "active"
    db.close_all()


def test_a_host_that_does_not_resolve_yet_is_accepted(client):
    assert create(client, url="https://erp.invalid/hook")["url"] == "https://erp.invalid/hook"


@pytest.mark.slow
def test_a_resolver_that_hangs_is_waited_for_two_seconds_at_most(client, monkeypatch):
    def hang(*args, **kwargs):
        time.sleep(6)
        raise OSError("no answer")

    monkeypatch.setattr(socket, "getaddrinfo", hang)
    started = time.monotonic()
    created = client.post("/api/webhooks", json={"url": "https://slow.example.com/hook"})
    assert created.status_code == 201
    assert time.monotonic() - started < LOOKUP_SECONDS + 1


def test_an_unknown_job_is_404_and_stores_nothing(client):
    response = client.post("/api/webhooks", json={"url": PUBLIC, "jobId": "job_missing"})
    assert (response.status_code, response.json) == (
        404, error_body(404, "Not Found", "Job not found: job_missing"))
    nothing_changed(client)


@pytest.mark.parametrize("method, suffix", [
    ("get", ""), ("delete", ""), ("post", "/resume"), ("get", "/deliveries")])
def test_an_unknown_webhook_is_404(client, method, suffix):
    response = getattr(client, method)(f"/api/webhooks/wh_missing{suffix}")
    assert (response.status_code, response.json) == (
        404, error_body(404, "Not Found", "Webhook not found: wh_missing"))


def test_delete_is_204_then_404_and_takes_the_log(client):
    webhook = create(client)
    add_deliveries(webhook["id"], 1)
    response = client.delete(f"/api/webhooks/{webhook['id']}")
    assert (response.status_code, response.get_data()) == (204, b"")
    assert client.get(f"/api/webhooks/{webhook['id']}").status_code == 404
    assert client.delete(f"/api/webhooks/{webhook['id']}").status_code == 404
    assert client.get("/api/webhooks").json == []
    with db.connection_context():
        assert WebhookDelivery.select().count() == 0
    assert client.get("/api/events").json == []


def test_resume_makes_a_failing_or_disabled_subscription_active_and_due(client):
    webhook = create(client)
    with db.connection_context():
        Webhook.update(status="disabled", failures=9, failing_since=1,
                       next_attempt_at=2**50).where(Webhook.id == webhook["id"]).execute()
    assert client.get(f"/api/webhooks/{webhook['id']}").json["status"] == "disabled"
    response = client.post(f"/api/webhooks/{webhook['id']}/resume")
    assert response.status_code == 200
    assert response.json == {**{k: v for k, v in webhook.items() if k != "secret"},
                             "status": "active"}
    with db.connection_context():
        row = Webhook.get_by_id(webhook["id"])
    assert (row.failures, row.failing_since, row.next_attempt_at) == (0, None, None)
    assert client.get("/api/events").json == []


def add_deliveries(webhook_id: str, count: int) -> None:
    with db.connection_context():
        for number in range(1, count + 1):
            failed = number % 2 == 0
            WebhookDelivery.insert(webhook=webhook_id, event_id=number,
                                   attempted_at=1705769100000 + number,
                                   status=None if failed else 200,
                                   error="ConnectionRefusedError" if failed else None,
                                   duration_ms=number).execute()


def test_deliveries_newest_first_and_paged(client):
    webhook = create(client)
    add_deliveries(webhook["id"], 5)
    url = f"/api/webhooks/{webhook['id']}/deliveries"
    whole = client.get(url).json
    assert [d["eventId"] for d in whole] == [5, 4, 3, 2, 1]
    assert whole[0] == {"eventId": 5, "webhookId": webhook["id"],
                        "attemptedAt": "2024-01-20T16:45:00.005Z", "status": 200,
                        "durationMs": 5}
    assert whole[1] == {"eventId": 4, "webhookId": webhook["id"],
                        "attemptedAt": "2024-01-20T16:45:00.004Z",
                        "error": "ConnectionRefusedError", "durationMs": 4}
    seen, target = [], f"{url}?limit=2"
    while target:
        page = client.get(target)
        seen += page.json
        target = page.headers.get("Link", "").removeprefix("<").partition(">")[0]
    assert seen == whole
    bad = client.get(f"{url}?limit=0")
    assert bad.json["message"] == "limit must be an integer from 1 to 1000"


def test_idempotency_key_replays_the_creation(client):
    first = create(client, headers={"Idempotency-Key": "hook-1"})
    again = client.post("/api/webhooks", json={"url": PUBLIC},
                        headers={"Idempotency-Key": "hook-1"})
    assert (again.status_code, again.json, again.headers["Idempotent-Replayed"]) == (
        201, first, "true")
    assert len(client.get("/api/webhooks").json) == 1
    other = client.post("/api/webhooks", json={"url": PUBLIC + "2"},
                        headers={"Idempotency-Key": "hook-1"})
    assert other.status_code == 422


def test_subscriptions_start_after_the_newest_event(client, job):
    webhook = create(client)
    with db.connection_context():
        cursor = Webhook.get_by_id(webhook["id"]).cursor
    assert cursor == client.get("/api/events").json[-1]["id"]


def test_copy_db_carries_subscriptions_secrets_cursors_and_deliveries(app, client, tmp_path):
    webhook = create(client)
    add_deliveries(webhook["id"], 2)
    before = {t: table_rows(app.config["DATABASE_URL"], t)
              for t in ("webhook", "webhook_delivery")}
    target = f"sqlite:///{tmp_path}/copy.db"
    result = app.test_cli_runner().invoke(args=["copy-db", target])
    assert result.exit_code == 0, result.output
    assert "1 webhook, 2 webhook_delivery" in result.output
    assert {t: table_rows(target, t) for t in before} == before


def test_webhook_allow_private_must_be_a_flag(database_url):
    with pytest.raises(ConfigError, match="WEBHOOK_ALLOW_PRIVATE must be true or false"):
        create_app({"DATABASE_URL": database_url, "WEBHOOK_ALLOW_PRIVATE": "maybe"})
