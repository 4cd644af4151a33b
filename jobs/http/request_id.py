"""Request ids (docs/operations.md, Request ids): one id per request, on responses and logs.

An incoming `X-Request-ID` of 1-128 safe characters (letters, digits and
`._:-`) is kept, so a proxy's id (nginx `$request_id`) follows the request
through; anything else is replaced by a new random id. The id is returned
in the `X-Request-ID` header of every response, errors included, and
`RequestIdFilter` adds it to every log record made during the request.
"""
import logging
import re
import secrets

from flask import Flask, Response, has_request_context, request

HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_INCOMING = "HTTP_X_REQUEST_ID"
_ENVIRON_KEY = "jobs.request_id"


def request_id() -> str:
    """Return the current request's id, taking it from the request on first use."""
    # One look-up in the WSGI environ, not two through `g` and `request.headers`: this
    # runs twice per request (docs/benchmarks.md, The request path).
    environ = request.environ
    chosen = environ.get(_ENVIRON_KEY)
    if chosen is None:
        incoming = environ.get(_INCOMING, "")
        chosen = incoming if _SAFE_ID.fullmatch(incoming) else secrets.token_hex(16)
        environ[_ENVIRON_KEY] = chosen
    return chosen


def _add_header(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    return response


class RequestIdFilter(logging.Filter):
    """Set `record.request_id` (`-` outside a request) so formats can use `%(request_id)s`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add `request_id` to `record`; never drops it."""
        record.request_id = request_id() if has_request_context() else "-"
        return True


def init_request_ids(app: Flask) -> None:
    """Return every request's id in `X-Request-ID` (the id is taken on first use)."""
    app.after_request(_add_header)
