"""Idempotency keys (docs/api.md, Retries and concurrency): the `idempotency_key` table.

One row per (actor, key) a POST succeeded with: the request's fingerprint
and the stored answer (status, the exact body, `Location`, `ETag`). The
unique index on (actor, key) is what keeps an operation from running twice,
in any worker or host; the index on `created_at` serves the pruning of
expired keys. A new table: nothing else changes. The model is a frozen copy
(later steps change the table by migration, never by editing this file); on
PostgreSQL its text keys use the "C" collation, as the ids of 0001 do, so
that keys compare byte by byte on both databases.
"""
from peewee import AutoField, BigIntegerField, IntegerField, Model, PostgresqlDatabase, TextField


def idempotency_key_model(database) -> type[Model]:
    """Return the `idempotency_key` model of schema version 4, bound to `database`."""
    collation = '"C"' if isinstance(database, PostgresqlDatabase) else None

    class IdempotencyKey(Model):
        id = AutoField()
        actor = TextField(collation=collation)
        key = TextField(collation=collation)
        method = TextField()
        path = TextField()
        fingerprint = TextField()
        status = IntegerField()
        body = TextField()
        location = TextField(null=True)
        etag = TextField(null=True)
        created_at = BigIntegerField()

        class Meta:
            legacy_table_names = False
            indexes = ((("actor", "key"), True), (("created_at",), False))

    IdempotencyKey.bind(database)
    return IdempotencyKey


def up(migrator, db):
    """Create the `idempotency_key` table and its two indexes."""
    db.create_tables([idempotency_key_model(db)])
