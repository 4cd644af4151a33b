"""Migration 0011's functions on PostgreSQL (docs/benchmarks.md, PostgreSQL round trips): a
waiter for the lock reads what the holder committed, because the read takes its snapshot
after the lock was granted; a plain statement that locks and reads in one sees the old."""
import threading
import time

import psycopg
import pytest

from jobs.services.idempotency import KEY_LOCK_CLASS
from jobs.store.db import EVENT_LOCK_KEY
from tests.helpers import empty_postgres

LAST_LINK = f"SELECT * FROM lock_event_order_last_link({EVENT_LOCK_KEY})"
KEY = f"SELECT key, body FROM lock_idempotency_key({KEY_LOCK_CLASS}, 42, 'me', 'k')"
ONE_STATEMENT = (f"SELECT pg_advisory_xact_lock({EVENT_LOCK_KEY}),"
                 " (SELECT max(id) FROM event)")
EVENT = ("INSERT INTO event (id, at, type, actor, request_id, job_id, data, hash)"
         " VALUES (%s, 1, 't', 'a', 'r', 'j', '{}', %s)")
STORED = ("INSERT INTO idempotency_key (actor, key, method, path, fingerprint, status, body,"
          " created_at) VALUES ('me', 'k', 'POST', '/p', 'f', 200, 'answer', 1)")


@pytest.fixture
def connections(postgres_url):
    empty_postgres(postgres_url)
    opened = [psycopg.connect(postgres_url) for _ in range(2)]
    yield opened
    for connection in opened:
        connection.close()


def waited(holder: psycopg.Connection, waiter: psycopg.Connection, locked: str, write: str,
           read: str, values: tuple = ()) -> list:
    """`holder` takes the lock by `locked` and writes; `waiter` runs `read`, which waits for
    the lock; `holder` commits. Return what `waiter` read."""
    holder.execute(locked)
    holder.execute(write, values)
    got, started = [], threading.Event()

    def wait() -> None:
        started.set()
        got.extend(waiter.execute(read).fetchall())

    thread = threading.Thread(target=wait)
    thread.start()
    started.wait()
    blocked = waiter_blocked(holder)
    holder.commit()
    thread.join(10)
    waiter.rollback()
    assert blocked
    return got


def waiter_blocked(observer: psycopg.Connection) -> bool:
    """Whether another session waits for an advisory lock (polled for up to 5 s)."""
    with psycopg.connect(observer.info.dsn, autocommit=True) as watcher:
        for _ in range(500):
            if watcher.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                               " AND NOT granted").fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


def test_a_waiter_for_the_event_order_reads_the_event_committed_meanwhile(connections):
    holder, waiter = connections
    assert holder.execute(LAST_LINK).fetchall() == []
    holder.commit()
    assert waited(holder, waiter, LAST_LINK, EVENT, LAST_LINK, (7, "h7")) == [(7, "h7")]


def test_a_waiter_for_a_key_reads_the_key_committed_meanwhile(connections):
    holder, waiter = connections
    assert waited(holder, waiter, KEY, STORED, KEY) == [("k", "answer")]


def test_one_statement_that_locks_and_reads_would_read_stale(connections):
    # Why the functions exist: the statement's snapshot predates the lock it waited for.
    holder, waiter = connections
    assert waited(holder, waiter, LAST_LINK, EVENT, ONE_STATEMENT, (7, "h7")) == [("", None)]


def test_a_lock_wait_past_the_timeout_is_the_lock_timeout_error(connections):
    holder, waiter = connections
    holder.execute(KEY)
    waiter.execute("SET lock_timeout = 50")
    with pytest.raises(psycopg.errors.LockNotAvailable):
        waiter.execute(KEY)
