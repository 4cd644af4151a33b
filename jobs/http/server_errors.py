"""gunicorn's own error answers in the API's JSON envelope (docs/api.md, Conventions).

gunicorn answers a request it cannot parse (a control byte in a header, too
many headers, `Content-Type` twice, a request line too long) itself, before
the app sees it, with an HTML page. `answer_in_json` makes it answer with
the envelope instead, and a new `X-Request-ID` (the request's own could not
be read), so that every error a client gets is JSON.
"""
import json
import secrets

from gunicorn import util
from werkzeug.http import HTTP_STATUS_CODES

from jobs.http.envelope import HTTP_MESSAGES, error_body


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, writing the JSON envelope; `reason` and `mesg` unused.

    They name gunicorn's parser internals; the envelope says only the status's phrase.
    """
    phrase = HTTP_STATUS_CODES.get(status_int, reason)
    body = json.dumps(error_body(status_int, HTTP_MESSAGES.get(status_int, phrase)),
                      separators=(",", ":")).encode()
    head = (f"HTTP/1.1 {status_int} {phrase}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Request-ID: {secrets.token_hex(16)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


def answer_in_json() -> None:
    """Make this process's gunicorn write its error answers as JSON (call in each worker)."""
    util.write_error = write_json_error
