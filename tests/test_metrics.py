"""GET /metrics in-process (docs/api.md, Metrics): labels, series, serials, lock waits."""
import os
import secrets
import sqlite3
import threading
import time
from contextlib import closing

import pytest

from jobs.http.metrics import CONTENT_TYPE
from jobs.store.db import EVENT_LOCK_KEY, make_database
from jobs.vocabulary import SERIAL_STATUSES
from tests.conftest import error_body
from tests.prometheus import added, label_values, samples, value

REQUESTS = "jobs_http_requests_total"
DURATION_COUNT = "jobs_http_request_duration_seconds_count"
LOCK_WAITS = "jobs_db_write_lock_wait_seconds_count"


def scrape(client) -> str:
    response = client.get("/metrics")
    assert (response.status_code, response.content_type) == (200, CONTENT_TYPE)
    return response.text


def test_requests_are_counted_by_route_template_method_and_status(client, job):
    before = scrape(client)
    for _ in range(3):
        client.get(f"/api/jobs/{job['id']}")
    client.put("/api/jobs/job_missing", json={"name": "X"})
    after = scrape(client)
    route = "/api/jobs/<job_id>"
    for method, status, count in (("GET", "200", 3), ("PUT", "404", 1)):
        labels = {"route": route, "method": method, "status": status}
        assert added(before, after, REQUESTS, **labels) == count
    assert added(before, after, DURATION_COUNT, route=route) == 4
    assert job["id"] not in after and "job_missing" not in after


def test_unmatched_paths_and_unusual_methods_have_fixed_labels(client):
    before = scrape(client)
    client.get("/api/nowhere")
    client.open("/api/jobs", method="BREW")
    after = scrape(client)
    unmatched = {"route": "<unmatched>", "method": "GET", "status": "404"}
    assert added(before, after, REQUESTS, **unmatched) == 1
    other = {"route": "<unmatched>", "method": "<other>", "status": "405"}
    assert added(before, after, REQUESTS, **other) == 1
    assert "/api/nowhere" not in after and "BREW" not in after


@pytest.mark.slow
def test_random_unknown_ids_add_no_series(client, job):
    paths = ("/api/jobs/{}", "/api/paths/{}", "/api/serials/{}", "/api/serials/{}/advance",
             "/api/{}", "/{}")
    methods = ("GET", "PUT", "DELETE", "POST", "PATCH")

    def send(count: int) -> None:
        for number in range(count):
            path = paths[number % len(paths)].format(secrets.token_hex(8))
            client.open(path, method=methods[number % len(methods)], json={})

    send(len(paths) * len(methods))  # every route, method and status once
    scrape(client)  # and /metrics itself, whose first scrape is counted after it answered
    before = samples(scrape(client))
    send(1000)
    after = samples(scrape(client))
    assert after.keys() == before.keys()


def test_wrong_method_is_json_405(client):
    response = client.post("/metrics")
    assert response.status_code == 405
    assert response.json == error_body(405, "Method Not Allowed", "Method Not Allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_serials_by_status_are_counted_at_scrape_time(client, path, make_serials):
    serials = make_serials(path, quantity=4)
    client.post(f"/api/serials/{serials[0]['id']}/scrap", json={"reason": "damaged"})
    for _ in range(3):
        client.post(f"/api/serials/{serials[1]['id']}/advance")
    text = scrape(client)
    assert {status: value(text, "jobs_serials", status=status) for status in SERIAL_STATUSES} == {
        "in_progress": 2, "on_hold": 0, "completed": 1, "scrapped": 1, "voided": 0}
    assert label_values(text, "status") >= set(SERIAL_STATUSES)


def test_each_write_transaction_records_its_wait_for_the_lock(client, job):
    before = scrape(client)
    client.put(f"/api/jobs/{job['id']}", json={"name": "RENAMED"})
    client.post("/api/jobs", json={"name": "J2", "goalQuantity": 1})
    client.get(f"/api/jobs/{job['id']}")
    assert added(before, scrape(client), LOCK_WAITS) == 2


def hold_the_write_lock(app, database_kind, tmp_path, locked, seconds: float) -> None:
    """From another connection, hold what a write waits for: SQLite's write lock, or
    PostgreSQL's event-order lock."""
    if database_kind == "sqlite":
        with closing(sqlite3.connect(tmp_path / "test.db", isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            locked.set()
            time.sleep(seconds)
            other.execute("COMMIT")
        return
    other = make_database(app.config["DATABASE_URL"])
    with other.connection_context():
        other.execute_sql("SELECT pg_advisory_lock(%s)", (EVENT_LOCK_KEY,))
        locked.set()
        time.sleep(seconds)
        other.execute_sql("SELECT pg_advisory_unlock(%s)", (EVENT_LOCK_KEY,))
    other.close_all()


@pytest.mark.slow
def test_a_writer_that_waits_for_the_lock_records_the_wait(app, client, job, tmp_path,
                                                           database_kind):
    before = scrape(client)
    locked = threading.Event()
    holder = threading.Thread(target=hold_the_write_lock,
                              args=(app, database_kind, tmp_path, locked, 0.3))
    holder.start()
    locked.wait(5)
    assert client.put(f"/api/jobs/{job['id']}", json={"name": "LATE"}).status_code == 200
    holder.join()
    after = scrape(client)
    assert added(before, after, LOCK_WAITS) == 1
    assert added(before, after, "jobs_db_write_lock_wait_seconds_sum") >= 0.25
    assert added(before, after, "jobs_db_write_lock_wait_seconds_bucket", le="0.1") == 0


@pytest.mark.sqlite_only
def test_without_the_database_metrics_are_503_like_every_route(client, tmp_path):
    os.remove(tmp_path / "test.db")
    response = client.get("/metrics")
    assert response.status_code == 503
    assert response.json == error_body(503, "Service Unavailable", "Service Unavailable")


@pytest.mark.parametrize("name", ["jobs_workers", "jobs_db_write_lock_wait_seconds_sum"])
def test_families_without_labels_are_served(client, name):
    assert (name, frozenset()) in samples(scrape(client))
