"""Idempotency-Key on POSTs (docs/api.md, Retries and concurrency): the one place that keeps
`Contract.idempotent`.

`idempotent(view)` wraps a POST view. Without the header the view runs as
usual. With it: the key is checked (400), the request fingerprinted, and in
ONE write transaction (the view's own transaction joins it) the key is
looked up: a stored answer of the same request is replayed unchanged (plus
`Idempotent-Replayed: true`), running and writing nothing; a stored answer
of another request is 422; an unseen key runs the view, and a 2xx answer is
stored with the key before the commit. An error answer rolls everything
back, so nothing is stored and the request may be fixed and sent again.
Authentication runs before (a `before_request` hook), the view's own order
(404 look-ups, the body) after.
"""
import hashlib
import json
import re
from collections.abc import Callable
from decimal import Decimal
from functools import wraps

from flask import Response, current_app, request
from peewee import IntegrityError, OperationalError

from jobs import acting
from jobs.errors import ApiError, BadRequest, Conflict, Unprocessable
from jobs.http.body import parsed_body, raw_body
from jobs.services import idempotency as keys
from jobs.store.db import write_transaction

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
INVALID_KEY = "Idempotency-Key must be 1 to 255 visible ASCII characters"
OTHER_REQUEST = "Idempotency-Key has already been used for a different request"
IN_PROGRESS = "A request with this Idempotency-Key is still being processed"
KEY_MAX = 255
# PostgreSQL's SQLSTATE for a lock wait past lock_timeout.
LOCK_NOT_AVAILABLE = "55P03"
_PLAIN_INTEGER = re.compile(r"-?[0-9]+")


def idempotent(view: Callable) -> Callable:
    """Wrap the POST `view` so that a request sent again with its Idempotency-Key runs once."""

    @wraps(view)
    def answer(**view_args):
        key = request.headers.get(HEADER)
        if key is None:
            return view(**view_args)
        if not 1 <= len(key) <= KEY_MAX or not all("!" <= char <= "~" for char in key):
            raise BadRequest(INVALID_KEY)
        fingerprint = request_fingerprint()
        if fingerprint is None:
            # The body cannot be read: the view answers with its error (404 or 400/413),
            # and an error stores nothing.
            return view(**view_args)
        owner = acting.current().key_owner
        try:
            return _once(view, view_args, owner, key, fingerprint)
        except IntegrityError:
            # Another transaction stored this key between our look-up and our insert:
            # ours is rolled back whole; its answer is ours.
            seen = keys.find(owner, key)
            if seen is None:
                raise
            return _replay_or_refuse(seen, fingerprint)
        except OperationalError as error:
            if _lock_timeout(error):
                raise Conflict(IN_PROGRESS) from error
            raise

    return answer


def _max_age_ms() -> int:
    return int(current_app.config["IDEMPOTENCY_KEY_HOURS"] * 3_600_000)


def _once(view: Callable, view_args: dict, owner: str, key: str, fingerprint: str) -> Response:
    max_age = _max_age_ms()
    with write_transaction():
        seen = keys.claim(owner, key, max_age)
        if seen is not None:
            return _replay_or_refuse(seen, fingerprint)
        response = current_app.make_response(view(**view_args))
        if 200 <= response.status_code < 300:
            stored = keys.Answer(response.status_code, response.get_data(as_text=True),
                                 response.headers.get("Location"), response.headers.get("ETag"))
            keys.keep(owner, key, request.method, request.path, fingerprint, stored, max_age)
    return response


def _replay_or_refuse(seen: keys.Seen, fingerprint: str) -> Response:
    if seen.fingerprint != fingerprint:
        raise Unprocessable(OTHER_REQUEST)
    stored = seen.answer
    headers = {REPLAYED: "true"}
    for name, value in (("Location", stored.location), ("ETag", stored.etag)):
        if value is not None:
            headers[name] = value
    return Response(stored.body.encode("utf-8"), stored.status, headers,
                    mimetype=current_app.json.mimetype)


def _lock_timeout(error: OperationalError) -> bool:
    cause = error.__cause__ or error.__context__ or (error.args[0] if error.args else None)
    return getattr(cause, "sqlstate", None) == LOCK_NOT_AVAILABLE


def request_fingerprint() -> str | None:
    """Return the SHA-256 (hex) of the request: method, path and body as parsed JSON.

    An empty body counts as `{}`; numbers compare by value (80 and 80.0 are
    one body); a body that does not parse counts by its bytes. None when
    the body cannot be read at all.
    """
    try:
        raw = raw_body()
    except Exception:
        return None
    try:
        canonical = canonical_json(parsed_body() if raw else {}).encode("utf-8")
    except (ApiError, RecursionError):
        canonical = b"raw:" + raw
    digest = hashlib.sha256(f"{request.method}\n{request.path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def canonical_json(value) -> str:
    """Return one text per parsed JSON value: object keys sorted, numbers by value.

    Linear in the body: each distinct number is written once (equal numbers,
    such as 80 and 80.0, share their text).
    """
    numbers: dict[Decimal, str] = {}

    def text(item) -> str:
        if isinstance(item, Decimal):
            known = numbers.get(item)
            if known is None:
                known = numbers[item] = _number(item)
            return known
        if isinstance(item, dict):
            pairs = (f"{json.dumps(k)}:{text(v)}" for k, v in sorted(item.items()))
            return "{" + ",".join(pairs) + "}"
        if isinstance(item, list):
            return "[" + ",".join(map(text, item)) + "]"
        return json.dumps(item)

    return text(value)


def _number(value: Decimal) -> str:
    """`80`, `80.0` and `8e1` -> `8e1`; exact (no rounding to a context's precision).

    A number too large for Decimal's exponent was parsed as ±Infinity
    (`jobs.http.body`); it is written as such.
    """
    if not value.is_finite():
        return str(value)
    if value.is_zero():
        return "0"
    written = str(value)
    if _PLAIN_INTEGER.fullmatch(written):
        # The common case, without building the digit tuple.
        sign, digits, exponent = written[:1] == "-", written.lstrip("-"), 0
    else:
        sign, digit_tuple, exponent = value.as_tuple()
        digits = "".join(map(str, digit_tuple))
    kept = digits.rstrip("0")
    return f"{'-' if sign else ''}{kept}e{exponent + len(digits) - len(kept)}"
