"""Log formats (docs/operations.md, Logs): `LOG_FORMAT=text`, the default, or `json`.

text: the app's records as `<time> [<pid>] [<level>] rid=<request id>
<logger>: <message>`, gunicorn's lines in its own formats. json: every line
of the app and of gunicorn one JSON object: `time` (ISO 8601, UTC,
milliseconds), `level`, `logger`, `pid`, `message`; during a request also
`request_id`, `method`, `route` and `actor`; an access line also `client`,
`status` and `duration_ms`; a record with a traceback `exception`.
"""
import json
import logging
import re
import sys
from typing import TextIO
from urllib.parse import unquote

from flask import has_request_context, request
from gunicorn import glogging

from jobs.http import access
from jobs.http.request_id import RequestIdFilter, request_id
from schemas.fields import format_timestamp

TEXT_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] rid=%(request_id)s %(name)s: %(message)s"
# gunicorn's atoms for the environ keys the app fills (`access.share_with_server`).
ROUTE_ATOM = f"{{{access.ROUTE_KEY}}}e"
ACTOR_ATOM = f"{{{access.ACTOR_KEY}}}e"
# A query parameter whose name looks like a credential has its value logged as this.
REDACTED = "REDACTED"
_CREDENTIAL_NAME = re.compile(r"token|key|secret|passw|auth|credential|signature", re.I)
_QUERY_PARAMETER = re.compile(r"(?P<start>[?&;])(?P<name>[^=&;#\s]*)=(?P<value>[^&;#\s]*)")


def redact(text: str) -> str:
    """`text` (a request line, URL or query) with each credential-like parameter's value hidden.

    A parameter is credential-like when its name, percent-decoded, contains
    token, key, secret, passw, auth, credential or signature (any case):
    `?access_token=abc&limit=5` -> `?access_token=REDACTED&limit=5`.
    """
    def hide(match: re.Match) -> str:
        if not _CREDENTIAL_NAME.search(unquote(match["name"])):
            return match[0]
        return f"{match['start']}{match['name']}={REDACTED}"

    return _QUERY_PARAMETER.sub(hide, text)


class JsonFormatter(logging.Formatter):
    """A record as one JSON object; inside a request, with the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Return `record` as one line of JSON."""
        common = {"time": format_timestamp(int(record.created * 1000)),
                  "level": record.levelname, "logger": record.name, "pid": record.process}
        return json.dumps({**common, **self.details(record)}, ensure_ascii=False)

    def details(self, record: logging.LogRecord) -> dict:
        """Return the message, the current request's fields and any traceback."""
        fields = {"message": record.getMessage()}
        if has_request_context():
            fields.update(request_id=request_id(), method=request.method,
                          route=access.route(request), actor=access.actor())
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return fields


class JsonAccessFormatter(JsonFormatter):
    """gunicorn's access record (its arguments are gunicorn's atoms) as one JSON object."""

    def details(self, record: logging.LogRecord) -> dict:
        """Return the request line, ids and outcome of the request the record logs."""
        atoms = record.args
        return {"message": atoms["r"], "request_id": atoms["{x-request-id}o"],
                "client": atoms["h"], "method": atoms["m"],
                "route": atoms[ROUTE_ATOM], "status": int(atoms["s"]),
                "duration_ms": atoms["D"] / 1000, "actor": atoms[ACTOR_ATOM]}


class RedactingGunicornLogger(glogging.Logger):
    """gunicorn's logger with credentials in URLs hidden from the access log (`redact`)."""

    def atoms(self, resp, req, environ, request_time) -> dict:
        """gunicorn's atoms, with the request line (`r`) and the query (`q`) redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = redact(atoms["r"])
        # The query atom has no leading "?".
        atoms["q"] = redact(f"?{atoms['q']}")[1:]
        return atoms


class JsonGunicornLogger(RedactingGunicornLogger):
    """gunicorn's logger writing its error and access logs as JSON lines (`logger_class`)."""

    def setup(self, cfg) -> None:
        """Set up gunicorn's handlers as usual, then give them the JSON formatters."""
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())
        for handler in self.access_log.handlers:
            handler.setFormatter(JsonAccessFormatter())


def log_handler(stream: TextIO, log_format: str) -> logging.Handler:
    """Return a handler writing records to `stream` in `log_format`, with their request id."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    return handler


STDERR_HANDLER = "shop-jobs-stderr"


def log_to_stderr(log_format: str, level: int = logging.INFO) -> None:
    """Send records that reach the root logger to stderr in `log_format` (gunicorn.conf.py).

    Called again, it replaces the handler it added before instead of adding a second.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "name", None) == STDERR_HANDLER]:
        root.removeHandler(handler)
    handler = log_handler(sys.stderr, log_format)
    handler.name = STDERR_HANDLER
    root.addHandler(handler)
    root.setLevel(level)
