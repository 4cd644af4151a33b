"""Prometheus metrics (docs/operations.md, Metrics): what is counted, and the text served.

Under gunicorn, `PROMETHEUS_MULTIPROC_DIR` is set before this module is
imported (gunicorn.conf.py), and prometheus_client writes every worker's
values to files there; a scrape merges them (`jobs.http.multiprocess`), so
any worker answers for all. Without it (Flask's test client, `flask run`)
the values live in this process. Serials by status are counted at scrape
time, never stored; so are the webhook figures, read from the subscriptions'
rows (the deliverer is a process of its own, outside gunicorn's workers).
"""
import os
import time
from collections.abc import Callable, Iterator
from functools import cache

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily

from jobs.http import access
from jobs.http.multiprocess import LockedCollector
from jobs.store.db import observe_write_lock_waits

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")

metrics_bp = Blueprint("metrics", __name__)

# No `_created` series: multiprocess mode has none, and both modes serve the same families.
disable_created_metrics()

# Requests take 1-50 ms; the upper buckets catch waits for the 10 s busy timeout.
REQUEST_BUCKETS = (.001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 10)
LOCK_BUCKETS = (.0001, .0005, .001, .002, .005, .01, .05, .1, .5, 1, 5, 10)

REQUESTS = Counter("jobs_http_requests", "HTTP requests answered, by route template, "
                   "method and status", ("route", "method", "status"), registry=None)
DURATION = Histogram("jobs_http_request_duration_seconds", "Time from the first request hook "
                     "to the response, by route template", ("route",), buckets=REQUEST_BUCKETS,
                     registry=None)
LOCK_WAIT = Histogram("jobs_db_write_lock_wait_seconds", "Time a write transaction waited for "
                      "SQLite's write lock (BEGIN IMMEDIATE)", buckets=LOCK_BUCKETS, registry=None)
WORKERS = Gauge("jobs_workers", "gunicorn workers serving (0 outside gunicorn)",
                multiprocess_mode="livesum", registry=None)
STORED = (REQUESTS, DURATION, LOCK_WAIT, WORKERS)


def _start() -> None:
    g.metrics_started = time.perf_counter()


@cache
def _series(route: str, method: str, status: int) -> tuple:
    # labels() costs more than the update itself; the arguments are bounded.
    return REQUESTS.labels(route, method, status), DURATION.labels(route)


def _record(response: Response) -> Response:
    req = request._get_current_object()
    count, duration = _series(access.route(req), access.method(req), response.status_code)
    count.inc()
    duration.observe(time.perf_counter() - g.metrics_started)
    return response


def init_metrics(app: Flask) -> None:
    """Count and time every request of `app`, and the write-lock waits; call before other hooks.

    Registered first, the timer starts before the connection is checked out.
    """
    app.before_request(_start)
    app.after_request(_record)
    observe_write_lock_waits(LOCK_WAIT.observe)


def worker_started() -> None:
    """Count this process as a live gunicorn worker (gunicorn.conf.py, post_worker_init)."""
    WORKERS.set(1)


class SerialsCollector:
    """`jobs_serials{status}`: `count()` (one GROUP BY query) run at scrape time."""

    def __init__(self, count: Callable[[], dict[str, int]]):
        self._count = count

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the serials family, counted now."""
        family = GaugeMetricFamily("jobs_serials", "Serials by status", labels=("status",))
        for status, number in self._count().items():
            family.add_metric((status,), number)
        yield family


class WebhooksCollector:
    """`jobs_webhook_deliveries_total{webhook, outcome}` and `jobs_webhook_lag{webhook}`, from
    `statistics()` (one row per subscription: `id`, `delivered`, `rejected`, `unreachable`,
    `lag`) run at scrape time."""

    OUTCOMES = ("delivered", "rejected", "unreachable")

    def __init__(self, statistics: Callable[[], list[dict]]):
        self._statistics = statistics

    def collect(self) -> Iterator:
        """Yield the two webhook families, read now."""
        attempts = CounterMetricFamily(
            "jobs_webhook_deliveries", "Webhook delivery attempts by subscription and outcome "
            "(delivered: a 2xx; rejected: another status; unreachable: no answer)",
            labels=("webhook", "outcome"))
        lag = GaugeMetricFamily("jobs_webhook_lag", "Events not yet delivered, by subscription",
                                labels=("webhook",))
        for row in self._statistics():
            for outcome in self.OUTCOMES:
                attempts.add_metric((row["id"], outcome), row[outcome])
            lag.add_metric((row["id"],), row["lag"])
        yield attempts
        yield lag


def render(count_serials: Callable[[], dict[str, int]],
           webhook_statistics: Callable[[], list[dict]]) -> bytes:
    """Return every metric in Prometheus text format, serials counted by `count_serials()`,
    the webhook figures read by `webhook_statistics()`."""
    registry = CollectorRegistry()
    if MULTIPROCESS_DIR:
        registry.register(LockedCollector(MULTIPROCESS_DIR))
    else:
        for metric in STORED:
            registry.register(metric)
    registry.register(SerialsCollector(count_serials))
    registry.register(WebhooksCollector(webhook_statistics))
    return generate_latest(registry)
