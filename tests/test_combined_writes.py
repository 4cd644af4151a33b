"""Writes sent with the transaction's next statement (jobs.store.combined; PostgresPool.defer_raw):
what a transaction reads is what it wrote, each table's writes keep their order, a rollback sends
none, a failing write fails the commit; and the statements a scan item costs on PostgreSQL."""
import itertools

import psycopg
import pytest
from peewee import IntegrityError

from jobs.services import idempotency
from jobs.store.combined import MAX_VALUES, Waiting, combine
from jobs.store.db import db
from jobs.store.models import Job
from jobs.store.statements import text

postgres_only = pytest.mark.postgres_only
RENAME = 'UPDATE "job" SET "name" = %(name)s WHERE ("id" = %(id)s)'
KEY = ('INSERT INTO "idempotency_key" ("actor", "key", "method", "path", "fingerprint", '
       '"status", "body", "created_at") VALUES (%(actor)s, %(key)s, \'POST\', \'/\', \'f\', '
       '200, \'{}\', 1)')


def defer(sql: str, **params) -> None:
    stmt = text(sql)
    db.obj.defer_raw(stmt.sql, stmt.bind(params))


def test_parts_are_numbered_after_the_earlier_ones():
    assert combine(('UPDATE "a" SET "x" = $1 WHERE "id" = $2', 'INSERT INTO "b" VALUES ($1)'),
                   (2, 1)) == ('WITH w0 AS (UPDATE "a" SET "x" = $1 WHERE "id" = $2) '
                               'INSERT INTO "b" VALUES ($3)')


def test_a_second_write_to_a_table_does_not_wait_with_the_first():
    waiting = Waiting()
    waiting.add("a", 'UPDATE "a" SET "x" = $1', (1,))
    assert (waiting.takes("a"), waiting.takes("b")) == (False, True)
    assert waiting.take() == ('UPDATE "a" SET "x" = $1', [1])
    assert waiting.take() is None


def names(job_id: str) -> list[str]:
    return [row[0] for row in db.execute_sql('SELECT "name" FROM "job" WHERE "id" = %s',
                                             (job_id,))]


def store_key() -> None:
    """Store the key that `KEY` inserts, so that inserting it again fails."""
    with db.atomic():
        defer(KEY, actor="a", key="k")


@postgres_only
def test_a_read_in_the_transaction_sees_its_waiting_writes(app, job):
    with db.connection_context(), db.atomic():
        defer(RENAME, name="first", id=job["id"])
        defer(RENAME, name="second", id=job["id"])
        assert db.obj.connection().waiting().statements == [text(RENAME).sql]
        assert names(job["id"]) == ["second"]
        assert Job.get_by_id(job["id"]).name == "second"


@postgres_only
def test_a_rollback_sends_nothing_and_the_next_transaction_none_of_it(app, job):
    with db.connection_context():
        with db.atomic() as transaction:
            defer(RENAME, name="never", id=job["id"])
            transaction.rollback()
        with db.atomic():
            assert names(job["id"]) == [job["name"]]


@postgres_only
def test_a_rollback_never_sends_a_waiting_write(app, job):
    with db.connection_context():
        store_key()
        with db.atomic() as transaction:
            defer(KEY, actor="a", key="k")
            transaction.rollback()


@postgres_only
def test_a_new_transaction_never_sends_writes_left_waiting(app, job):
    with db.connection_context():
        stmt = text(RENAME)
        db.obj.connection().waiting().add("job", stmt.sql, stmt.bind(
            {"name": "left", "id": job["id"]}))
        with db.atomic():
            assert names(job["id"]) == [job["name"]]


@postgres_only
def test_a_waiting_write_that_fails_fails_the_commit_and_stores_nothing(app, job):
    with db.connection_context():
        store_key()
        with pytest.raises(IntegrityError), db.atomic():
            defer(RENAME, name="lost", id=job["id"])
            defer(KEY, actor="a", key="k")
        assert names(job["id"]) == [job["name"]]


@postgres_only
def test_a_write_of_many_values_runs_at_once(app, job):
    many = ('UPDATE "job" SET "name" = %(name)s WHERE "id" IN ('
            + ", ".join(f"%(id{n})s" for n in range(MAX_VALUES)) + ")")
    with db.connection_context(), db.atomic():
        defer(many, name="many", **{f"id{n}": job["id"] for n in range(MAX_VALUES)})
        assert db.obj.connection().waiting().statements == []


@postgres_only
def test_outside_a_transaction_a_write_runs_at_once(app, job):
    with db.connection_context():
        defer(RENAME, name="now", id=job["id"])
        assert db.obj.connection().waiting().statements == []
        assert names(job["id"]) == ["now"]


@postgres_only
def test_an_advance_item_is_seven_statements(client, path, make_serials, monkeypatch):
    """BEGIN, the key's lock and its row (migration 0011), the serial (with its path and steps)
    and its step states, the event-order lock and the last link (0011), then the event, the
    serial's UPDATE, the Undo image and the stored key in one statement, and COMMIT."""
    serials = make_serials(path, 2)
    # Every 16th key this process keeps also prunes: start the count where neither item does.
    monkeypatch.setattr(idempotency, "_kept", itertools.count(1))
    sent = []
    execute = psycopg.RawCursor.execute

    def counted(cursor, query, *args, **kwargs):
        sent.append(query)
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.RawCursor, "execute", counted)
    response = client.post("/api/scans", json={"scans": [
        {"key": f"k{n}", "serialId": serial["id"], "action": "advance"}
        for n, serial in enumerate(serials)]})
    assert [r["outcome"] for r in response.json["results"]] == ["applied", "applied"]
    assert len(sent) == 14
    assert sum(query.startswith("WITH w0 AS (INSERT INTO \"event\"") for query in sent) == 2
