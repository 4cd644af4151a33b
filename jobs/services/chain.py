"""The hash chain of the history (docs/api.md, Records an auditor can trust).

Each event's `hash` is the hex SHA-256 of the previous event's hash (64
zeros before the first), a newline and the event as `GET /api/events`
serves it, without `hash`, as sorted compact JSON. The event is dumped by
the wire schema itself and re-read from its JSON text, so the hash is of
what a client reads back, never of a second copy of the wire format.
"""
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import orjson

from jobs.errors import ApiError
from jobs.store.db import is_postgres, lock_event_order
from jobs.store.keyset import Keyset
from jobs.store.models import Event
from jobs.store.statements import execute, param, statement
from schemas.event import EventSchema

GENESIS = "0" * 64
NO_EVENTS = "No events yet"
BATCH = 1000
_SERVED = EventSchema()


class NoEventsYet(ApiError):
    """404 `No events yet`: the history is empty, so it has no head."""

    status = 404

    def __init__(self):
        super().__init__(NO_EVENTS)


class ChainBroken(Exception):
    """The stored hash of event `event_id` does not recompute: the history was changed."""

    def __init__(self, event_id: int):
        super().__init__(f"History broken at event {event_id}")
        self.event_id = event_id


@dataclass(frozen=True)
class Head:
    """The newest event's id and hash, and how many events the chain holds (when counted)."""

    id: int
    hash: str
    count: int = 0


def served(row: dict) -> dict:
    """Return the event row `row` (columns, `data` parsed) as a client reads it, without `hash`.

    Dumped by `EventSchema`, encoded as the service encodes its answers
    (orjson; the standard library for an integer beyond 64 bits, which
    orjson refuses, as `jobs.http.json` does) and parsed back with `json.loads`.
    """
    dumped = _SERVED.dump(row)
    # A measurement read back from the store is a Decimal; served as its exact number, it is
    # read back as the float nearest to it, as float() gives it.
    try:
        text = orjson.dumps(dumped, default=float)
    except TypeError:
        text = json.dumps(dumped, ensure_ascii=False, separators=(",", ":"), default=float)
    event = json.loads(text)
    event.pop("hash", None)
    return event


def link(previous: str, event: dict) -> str:
    """Return the hash of `event` (as `served` gives it) after the event hashed `previous`."""
    text = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def digest(previous: str, row: dict) -> str:
    """Return the hash of the event row `row` (columns, `data` as the store reads it back)
    after the event hashed `previous`: `link(previous, served(row))`, byte for byte.

    An event without a fraction or an integer beyond 64 bits (orjson refuses
    both: a Decimal, 2**64) is encoded once, by orjson with sorted keys, whose
    text is then json's own (every code point escaped alike, integers and
    literals alike: tests/test_chain.py); any other takes `served` and `link`.
    """
    dumped = _SERVED.dump(row)
    dumped.pop("hash", None)
    try:
        text = orjson.dumps(dumped, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return link(previous, served(row))
    return hashlib.sha256(previous.encode() + b"\n" + text).hexdigest()


def _last_event():
    return Event.select(Event.id, Event.hash).order_by(Event.id.desc()).limit(param("limit"))


def last_link() -> tuple[int, str]:
    """Return the newest event's (id, hash), or (0, 64 zeros) with no events.

    Read without the event-order lock: the next event's predecessor only
    under it (`locked_last_link`).
    """
    return _link(execute(statement(_last_event), {"limit": 1}).fetchone())


def locked_last_link() -> tuple[int, str]:
    """Take the event-order lock, then return the newest event's (id, hash), or (0, 64 zeros)
    with no events: the next event's predecessor. Call in the write transaction, right
    before its event insert.

    PostgreSQL: lock and read in one round trip (`jobs.store.db.lock_event_order`);
    raises OperationalError past `lock_timeout`. SQLite: the write transaction
    already holds the write lock, so this is `last_link`.
    """
    if not is_postgres():
        return last_link()
    return _link(lock_event_order())


def _link(row) -> tuple[int, str]:
    """A last-event row's (id, hash); the genesis link (0, 64 zeros) when there is none."""
    return (row[0], row[1]) if row else (0, GENESIS)


def head() -> Head:
    """Return the newest event's id and hash (GET /api/events/head). Raises NoEventsYet."""
    ident, digest = last_link()
    if not ident:
        raise NoEventsYet()
    return Head(ident, digest)


def count() -> int:
    """Return how many events are stored."""
    return Event.select().count()


def verify(progress: Callable[[int], None] = lambda n: None) -> Head:
    """Recompute every event's hash in id order, in batches (bounded memory).

    Calls `progress(n)` after each batch of `n` events. Returns the head and
    the number of events checked (id 0 and 64 zeros with none); raises
    ChainBroken naming the first event whose stored hash is not the one its
    content and predecessor give. docs/operations.md, Checking the history.
    """
    previous, checked, last = GENESIS, 0, 0
    for batch in _batches():
        for row in batch:
            if row["hash"] != digest(previous, row):
                raise ChainBroken(row["id"])
            previous, last = row["hash"], row["id"]
        checked += len(batch)
        progress(len(batch))
    return Head(last, previous, checked)


def _batches() -> Iterator[list[dict]]:
    return Keyset(Event, (Event.id,)).batches(None, BATCH)
