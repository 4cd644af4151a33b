"""LOG_FORMAT (docs/operations.md, Logs): checked at start; json records as one object a line."""
import io
import json
import logging
import re

import pytest
from gunicorn.glogging import SafeAtoms

from jobs.http.logs import JsonAccessFormatter, log_handler, redact
from jobs.services import jobs as job_service
from jobs.settings import ConfigError

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.mark.parametrize("value", ["xml", "JSON", ""])
def test_unknown_log_format_is_a_one_line_error(make_app, monkeypatch, value):
    monkeypatch.setenv("LOG_FORMAT", value)
    with pytest.raises(ConfigError) as error:
        make_app()
    assert error.value.code == f"LOG_FORMAT must be text or json, not {value!r}"


@pytest.fixture
def json_lines():
    """Records of the `jobs` loggers as LOG_FORMAT=json writes them, parsed."""
    stream = io.StringIO()
    handler = log_handler(stream, "json")
    logger = logging.getLogger("jobs")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_record_in_a_request_names_the_request(client, monkeypatch, json_lines):
    def explode():
        raise RuntimeError("boom")

    monkeypatch.setattr(job_service, "job_list", explode)
    client.get("/api/jobs", headers={"X-Request-ID": "crash-7"})
    record = json_lines()[0]
    assert ISO_MS.fullmatch(record.pop("time"))
    assert isinstance(record.pop("pid"), int)
    assert "RuntimeError: boom" in record.pop("exception")
    assert record == {"level": "ERROR", "logger": "jobs.http.envelope",
                      "message": "unhandled error", "request_id": "crash-7", "method": "GET",
                      "route": "/api/jobs", "actor": "anonymous"}


def test_record_outside_a_request_has_no_request_fields(json_lines):
    logging.getLogger("jobs.test").warning("hello")
    assert set(json_lines()[0]) == {"time", "level", "logger", "pid", "message"}


def test_access_line_is_built_from_gunicorn_atoms():
    atoms = {"r": "GET /api/jobs/j1 HTTP/1.1", "{x-request-id}o": "rid-1", "h": "10.0.0.9",
             "m": "GET", "{jobs.route}e": "/api/jobs/<job_id>", "s": "404", "D": 1234,
             "{jobs.actor}e": "anonymous"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s",
                               (SafeAtoms(atoms),), None)
    line = json.loads(JsonAccessFormatter().format(record))
    assert ISO_MS.fullmatch(line.pop("time"))
    assert line == {"level": "INFO", "logger": "gunicorn.access", "pid": record.process,
                    "message": "GET /api/jobs/j1 HTTP/1.1", "request_id": "rid-1",
                    "client": "10.0.0.9", "method": "GET", "route": "/api/jobs/<job_id>",
                    "status": 404, "duration_ms": 1.234, "actor": "anonymous"}


@pytest.mark.parametrize("line,logged", [
    ("GET /api/jobs?access_token=abc&limit=5 HTTP/1.1",
     "GET /api/jobs?access_token=REDACTED&limit=5 HTTP/1.1"),
    ("?a=1&API_KEY=x;pass%77ord=y&Authorization=z&cursor=c",
     "?a=1&API_KEY=REDACTED;pass%77ord=REDACTED&Authorization=REDACTED&cursor=c"),
    ("?signature=s&secret=&q=token", "?signature=REDACTED&secret=REDACTED&q=token"),
    ("GET /api/jobs?limit=5 HTTP/1.1", "GET /api/jobs?limit=5 HTTP/1.1"),
])
def test_credentials_in_urls_are_redacted(line, logged):
    assert redact(line) == logged
