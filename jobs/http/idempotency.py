"""Idempotency-Key on POSTs (docs/api.md, Retries and concurrency): the one place that keeps
`Contract.idempotent`, and the keys of scan items (docs/api.md, Scans).

`idempotent(view)` wraps a POST view. Without the header the view runs as
usual. With it: the key is checked (400), the request fingerprinted, and in
ONE write transaction (the view's own transaction joins it) the key is
looked up: a stored answer of the same request is replayed unchanged (plus
`Idempotent-Replayed: true`), running and writing nothing; a stored answer
of another request is 422; an unseen key runs the view, and a 2xx answer is
stored with the key before the commit. An error answer rolls everything
back, so nothing is stored and the request may be fixed and sent again.
Authentication runs before (a `before_request` hook), the view's own order
(404 look-ups, the body) after. A scan item is keyed by `run_once` too, as
the single request it stands for: one implementation for both.
"""
import hashlib
import json
import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps

from flask import Response, current_app, request
from peewee import IntegrityError, OperationalError

from jobs import acting
from jobs.errors import ApiError, BadRequest, Conflict, Unprocessable
from jobs.http.body import parsed_body, raw_body
from jobs.services import idempotency as keys
from jobs.store.db import HELD_WAIT, KeyHeld, write_transaction
from schemas.fields import valid_key

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
INVALID_KEY = "Idempotency-Key must be 1 to 255 visible ASCII characters"
OTHER_REQUEST = "Idempotency-Key has already been used for a different request"
IN_PROGRESS = "A request with this Idempotency-Key is still being processed"
# `Contract(idempotent=PER_ITEM)`: the view runs items that are keyed and committed one by
# one (Scans); the request's own key is claimed and kept in transactions of their own.
PER_ITEM = "per_item"
# PostgreSQL's SQLSTATE for a lock wait past lock_timeout.
LOCK_NOT_AVAILABLE = "55P03"
_PLAIN_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Keyed:
    """One request sent with a key: who it belongs to (`Acting.key_owner`), the key, where it
    went, and the fingerprint of what it sent (`fingerprint`)."""

    owner: str
    key: str
    method: str
    path: str
    fingerprint: str


def idempotent(view: Callable, per_item: bool = False) -> Callable:
    """Wrap the POST `view` so that a request sent again with its Idempotency-Key runs once.

    `per_item`: the view commits its own items one by one (`PER_ITEM`), so
    the key is not held in one transaction around it.
    """

    @wraps(view)
    def answer(**view_args):
        key = request.headers.get(HEADER)
        if key is None:
            return view(**view_args)
        if not valid_key(key):
            raise BadRequest(INVALID_KEY)
        fingerprint = request_fingerprint()
        if fingerprint is None:
            # The body cannot be read: the view answers with its error (404 or 400/413),
            # and an error stores nothing.
            return view(**view_args)
        keyed = Keyed(acting.current().key_owner, key, request.method, request.path, fingerprint)
        once = run_once(keyed, lambda: responded(view(**view_args)),
                        one_transaction=not per_item)
        return replayed(once.answer) if once.replayed else once.made

    return answer


@dataclass(frozen=True)
class Once:
    """What `run_once` came to: the answer as stored with the key (`keys.Answer`), whether it
    is the stored answer of an earlier run (`replayed`), and what this run made (else None)."""

    answer: keys.Answer
    replayed: bool
    made: object = None


def responded(returned) -> tuple[Response, keys.Answer]:
    """A view's return value as its Response and as the key stores that Response."""
    response = current_app.make_response(returned)
    return response, keys.Answer(response.status_code, response.get_data(as_text=True),
                                 response.headers.get("Location"), response.headers.get("ETag"))


def answered(returned: tuple) -> tuple[dict, keys.Answer]:
    """A dumping view's return value, `(dumped, status, headers)` (`jobs.http.running`), as
    what it dumped and as the key stores it: the `responded` answer, the same text, without
    making the Response (a scan item needs only the dump: docs/benchmarks.md, Scans)."""
    dumped, status, headers = returned
    named = {name.lower(): value for name, value in headers.items()}
    return dumped, keys.Answer(status, current_app.json.dumps(dumped) + "\n",
                               named.get("location"), named.get("etag"))


def run_once(keyed: Keyed, run: Callable[[], tuple], one_transaction: bool = True) -> Once:
    """Run `run` (a view's work, returning what it made and its `keys.Answer`) once per key.

    The one implementation of the key (docs/api.md, Retries and concurrency),
    for the header and for each scan item. An unseen key runs `run` and
    stores a 2xx answer with the key; a seen key of the same request is its
    stored answer, `replayed`; of another request, Unprocessable (422). A
    key still in flight is waited for; past the lock timeout, Conflict `A
    request with this Idempotency-Key is still being processed`.
    `one_transaction`: the look-up, `run` (whose transactions join it) and
    the insert commit together; else each in its own, the key held across
    them (`keys.held`), so a retry waits for all three.
    """
    try:
        if one_transaction:
            with write_transaction():
                return _once(keyed, run, nullcontext)
        with keys.held(keyed.owner, keyed.key, HELD_WAIT):
            return _once(keyed, run, write_transaction)
    except KeyHeld as error:
        raise Conflict(IN_PROGRESS) from error
    except IntegrityError:
        # Another transaction stored this key between our look-up and our insert:
        # ours is rolled back whole; its answer is ours.
        seen = keys.find(keyed.owner, keyed.key)
        if seen is None:
            raise
        return _replay_or_refuse(seen, keyed.fingerprint)
    except OperationalError as error:
        if _lock_timeout(error):
            raise Conflict(IN_PROGRESS) from error
        raise


def _max_age_ms() -> int:
    return int(current_app.config["IDEMPOTENCY_KEY_HOURS"] * 3_600_000)


def _once(keyed: Keyed, run: Callable[[], tuple], step: Callable) -> Once:
    """The look-up, then the run, then the insert; the look-up and the insert each in a
    `step()`: a write transaction of its own, or none inside the one around all three."""
    max_age = _max_age_ms()
    with step():
        seen = keys.claim(keyed.owner, keyed.key, max_age)
    if seen is not None:
        return _replay_or_refuse(seen, keyed.fingerprint)
    made, answer = run()
    if 200 <= answer.status < 300:
        with step():
            keys.keep(keyed.owner, keyed.key, keyed.method, keyed.path, keyed.fingerprint,
                      answer, max_age)
    return Once(answer, False, made)


def _replay_or_refuse(seen: keys.Seen, fingerprint: str) -> Once:
    if seen.fingerprint != fingerprint:
        raise Unprocessable(OTHER_REQUEST)
    return Once(seen.answer, True)


def replayed(stored: keys.Answer) -> Response:
    """A stored answer as the Response of its replay: unchanged, plus `Idempotent-Replayed`."""
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
    """Return the `fingerprint` of this request, or None when its body cannot be read at all.

    An empty body counts as `{}`; a body that does not parse counts by its bytes.
    """
    try:
        raw = raw_body()
    except Exception:
        return None
    try:
        canonical = canonical_json(parsed_body() if raw else {}).encode("utf-8")
    except (ApiError, RecursionError):
        canonical = b"raw:" + raw
    return fingerprint(request.method, request.path, canonical)


def fingerprint(method: str, path: str, canonical: bytes) -> str:
    """Return the SHA-256 (hex) of a request: method, path and body (`canonical_json`'s text).

    Numbers compare by value (80 and 80.0 are one body), object keys in any order.
    """
    digest = hashlib.sha256(f"{method}\n{path}\n".encode())
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
