"""The proxy's deadline (docs/operations.md, Timeouts): a write commits only while nginx waits.

deploy/'s nginx sends `X-Request-Start: t=<seconds>` (when it passed the
request on) and `X-Request-Timeout: <seconds>` (its read timeout). Past
their sum nginx has answered 504 and given up on the request; a write that
committed after that could land after a newer one the client sent since.
So each request's deadline, less a margin for the clocks of two machines
and the commit itself, is handed to the store, which refuses to commit a
write transaction past it (503, nothing written). A request without both
headers (not through the proxy) has no deadline. Each request also bounds
its waits for PostgreSQL (`jobs.store.postgres.limit_waits`), so that a
frozen server costs it a 503 within 5 s.
"""
import re

from flask import Flask, request

from jobs.store.db import set_commit_deadline
from jobs.store.postgres import REQUEST_WAIT, limit_waits

START = "X-Request-Start"
TIMEOUT = "X-Request-Timeout"
# Seconds kept back from nginx's deadline: clock drift between the proxy and
# the host (NTP keeps it well under this) and the commit's own duration.
MARGIN = 1.0
_START_KEY = "HTTP_X_REQUEST_START"
_TIMEOUT_KEY = "HTTP_X_REQUEST_TIMEOUT"
_START = re.compile(r"t=([0-9]{1,12}(?:\.[0-9]{1,6})?)")
_SECONDS = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,3})?")


def request_deadline(start: str | None, timeout: str | None) -> float | None:
    """The Unix time after which this request must not commit, or None without both headers.

    `start` is `X-Request-Start` (`t=1733520000.123`), `timeout` is
    `X-Request-Timeout` (`35`); anything else counts as absent.
    """
    started = _START.fullmatch(start or "")
    if started is None or not _SECONDS.fullmatch(timeout or ""):
        return None
    return float(started.group(1)) + float(timeout) - MARGIN


def _set_deadline() -> None:
    limit_waits(REQUEST_WAIT)
    # Straight from the WSGI environ: most requests (not through the proxy) have neither.
    environ = request.environ
    start = environ.get(_START_KEY)
    if start is not None:
        set_commit_deadline(request_deadline(start, environ.get(_TIMEOUT_KEY)))


def _clear_deadline(exc: BaseException | None) -> None:
    limit_waits(None)
    set_commit_deadline(None)


def init_deadlines(app: Flask) -> None:
    """Give each request its proxy deadline and its wait bound; clear both after it."""
    app.before_request(_set_deadline)
    app.teardown_request(_clear_deadline)
