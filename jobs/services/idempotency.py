"""Stored answers of POSTs sent with an Idempotency-Key (docs/api.md, Retries and concurrency).

The HTTP edge (`jobs.http.idempotency`) calls `claim` and `keep` inside the
one write transaction of the request, around the change itself, so the
answer is stored together with the change or not at all. Costs of a keyed
POST: the look-up (one indexed read) and, when it succeeds, one insert; on
PostgreSQL also one advisory lock, and every `PRUNE_EVERY`th insert of a
process deletes at most `PRUNE_BATCH` expired keys (no separate clean-up job).
"""
import hashlib
import itertools
from dataclasses import dataclass

from jobs import clock
from jobs.store.bulk import insert_rows
from jobs.store.db import db, held_lock, is_postgres
from jobs.store.models import IdempotencyKey
from jobs.store.statements import execute, first_row, param, statement, text

PRUNE_EVERY = 16
# Keys this process has kept: every PRUNE_EVERY-th prunes (`keep`).
_kept = itertools.count(1)
KEPT = ("actor", "key", "method", "path", "fingerprint", "status", "body", "location", "etag",
        "created_at")
PRUNE_BATCH = 100
# The first of the two 32-bit advisory lock keys of every idempotency key on
# PostgreSQL (the second is a hash of actor and key); jobs.store.db's
# single 64-bit keys are another key space.
KEY_LOCK_CLASS = 7_300_003


@dataclass(frozen=True)
class Answer:
    """A response as stored with its key: status, exact body text, `Location`, `ETag`."""

    status: int
    body: str
    location: str | None = None
    etag: str | None = None


@dataclass(frozen=True)
class Seen:
    """A key found unexpired: the fingerprint of the request it ran, and that request's answer."""

    fingerprint: str
    answer: Answer


def _by_actor_and_key():
    return IdempotencyKey.select().where((IdempotencyKey.actor == param("actor"))
                                         & (IdempotencyKey.key == param("key")))


def _seen(row: dict | None) -> Seen | None:
    if row is None:
        return None
    return Seen(row["fingerprint"], Answer(row["status"], row["body"], row["location"],
                                           row["etag"]))


# Migration 0011's function returns the table's row type: the columns are named here, in the
# model's order, whatever order a later step leaves the table in.
_COLUMNS = ", ".join(f'"{field.column_name}"' for field in IdempotencyKey._meta.sorted_fields)
_LOCKED_LOOK_UP = (f"SELECT {_COLUMNS} FROM "
                   "lock_idempotency_key(%(class)s, %(lock)s, %(actor)s, %(key)s)")


def _look_up_in_turn(actor: str, key: str) -> dict | None:
    """Return `actor`'s `key` row (None when unseen); on PostgreSQL after taking the key's
    transaction lock, so that requests with one key run in turn.

    The lock is held until the transaction ends, so a retry of a request
    still running waits for its commit, then finds its stored answer: lock
    and look-up are one round trip (migration 0011's function), whose read
    takes its snapshot after the lock was granted. It waits at most
    `lock_timeout` (OperationalError). SQLite's write transactions already
    run one at a time.
    """
    if not is_postgres():
        return _row(actor, key)
    return first_row(IdempotencyKey, text(_LOCKED_LOOK_UP),
                     {"class": KEY_LOCK_CLASS, "lock": _lock_key(actor, key), "actor": actor,
                      "key": key})


def _lock_key(actor: str, key: str) -> int:
    digest = hashlib.sha256(f"{actor}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def held(actor: str, key: str, wait_seconds: float):
    """Hold `actor`'s `key` for a block of several transactions (a batch that commits its
    items one by one), so that a request with the key waits for the block, as it waits for
    a transaction that holds it (`claim`). A context manager; raises KeyHeld
    past `wait_seconds`, OperationalError past PostgreSQL's `lock_timeout`."""
    return held_lock(KEY_LOCK_CLASS, _lock_key(actor, key), wait_seconds)


def claim(actor: str, key: str, max_age_ms: int) -> Seen | None:
    """Return what `actor` sent and got with `key` within `max_age_ms`, or None when unseen.

    Call first in the request's write transaction. Waits for a request
    with the same key still running (PostgreSQL). An expired key is deleted
    here and counts as unseen.
    """
    row = _look_up_in_turn(actor, key)
    if row is not None and row["created_at"] < clock.now_ms() - max_age_ms:
        IdempotencyKey.delete().where(IdempotencyKey.id == row["id"]).execute()
        return None
    return _seen(row)


def find(actor: str, key: str) -> Seen | None:
    """Return the stored request and answer of `actor`'s `key`, expired or not, or None."""
    return _seen(_row(actor, key))


def _row(actor: str, key: str) -> dict | None:
    return first_row(IdempotencyKey, statement(_by_actor_and_key), {"actor": actor, "key": key})


def keep(actor: str, key: str, method: str, path: str, fingerprint: str, answer: Answer,
         max_age_ms: int) -> None:
    """Store `answer` for `actor`'s `key` (call in the change's transaction, after the change).

    Raises IntegrityError when another transaction stored the key first (on PostgreSQL
    from the transaction's next statement or COMMIT: the insert reads nothing back, and
    waits to go with them, `jobs.store.combined`). Every `PRUNE_EVERY`th key this
    process keeps also deletes up to `PRUNE_BATCH` expired ones.
    """
    stamp = clock.now_ms()
    insert_rows(IdempotencyKey, KEPT, [
        (actor, key, method, path, fingerprint, answer.status, answer.body, answer.location,
         answer.etag, stamp)])
    if next(_kept) % PRUNE_EVERY == 0:
        prune(stamp - max_age_ms)


def prune(cutoff_ms: int) -> int:
    """Delete up to `PRUNE_BATCH` keys created before `cutoff_ms`, oldest first; return how many.

    On PostgreSQL rows another pruning transaction holds are skipped, never waited for.
    """
    return execute(statement(_expired), {"cutoff": cutoff_ms, "limit": PRUNE_BATCH}).rowcount


def _expired():
    oldest = (IdempotencyKey.select(IdempotencyKey.id)
              .where(IdempotencyKey.created_at < param("cutoff"))
              .order_by(IdempotencyKey.created_at).limit(param("limit")))
    if db.for_update:
        oldest = oldest.for_update("FOR UPDATE SKIP LOCKED")
    return IdempotencyKey.delete().where(IdempotencyKey.id.in_(oldest))
