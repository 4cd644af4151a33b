"""Row operations every resource shares: look up or 404, partial update, guarded delete.

The write operations run inside the caller's write transaction, so that the
change and its history event are stored together or not at all.

`NOT_FOUND` holds each kind's 404 and `HAS_SERIALS` its refused delete
(the services and the contracts cite them).
The look-up and the partial update run on every GET and PUT, so their
statements are compiled once per model, lock and column set (`statements`).
"""
from collections.abc import Callable

from peewee import SQL, Field, Model, fn

from jobs import clock
from jobs.errors import Conflict, NotFound
from jobs.store.db import db
from jobs.store.models import Job, Path, Serial, Webhook
from jobs.store.statements import execute, first_row, param, statement, tuples
from jobs.vocabulary import VOIDED

# No stored id holds NUL (PostgreSQL text cannot), so such an id names nothing.
NUL = "\x00"
NOT_FOUND = {Job: "Job not found: {id}", Path: "Path not found: {id}",
             Serial: "Serial not found: {id}", Webhook: "Webhook not found: {id}"}
HAS_SERIALS = {Job: "Cannot delete job: it has {n} serial(s)",
               Path: "Cannot delete path: it has {n} serial(s)"}


def _by_key(model: type[Model], lock: str | None):
    return locked(model.select().where(model._meta.primary_key == param("ident")), lock)


def _update_by_key(model: type[Model], columns: tuple[str, ...]):
    fields = model._meta.fields
    return (
        model.update({fields[name]: param(name) for name in columns})
        .where(model._meta.primary_key == param("ident"))
    )


def _exists_by_key(model: type[Model], lock: str | None):
    return locked(model.select(SQL("1")).where(model._meta.primary_key == param("ident")), lock)


def locked(query, lock: str | None):
    """Return `query` with the row `lock` (`"FOR UPDATE"`, `"FOR SHARE"`) on PostgreSQL.

    Row locks exist on PostgreSQL only; SQLite's write transactions
    (BEGIN IMMEDIATE) already exclude every other writer.
    """
    return query.for_update(lock) if lock and db.for_update else query


def require(model: type[Model], ident: str, lock: str | None = None) -> None:
    """Check that the `model` row `ident` exists without loading it (the look-up first).

    Every endpoint that must answer 404 before it reads the body calls this.
    `lock` (`"FOR SHARE"`, `"FOR UPDATE"`; inside a write transaction) locks
    the row on PostgreSQL until the transaction ends, so a concurrent delete
    waits for it (or it for the delete, and then finds nothing). Raises
    NotFound `NOT_FOUND[model]`.
    """
    if NUL in ident or not tuples(statement(_exists_by_key, model, lock), {"ident": ident}):
        raise NotFound(NOT_FOUND[model], id=ident)


def fetch(model: type[Model], ident: str, lock: str | None = None) -> dict:
    """Return the `model` row `ident` as a dict, locked as in `require`.

    Before changing a row, fetch it with `lock="FOR UPDATE"`, so that what
    was read is what the change replaces. Raises NotFound `NOT_FOUND[model]`.
    """
    found = NUL not in ident
    row = first_row(model, statement(_by_key, model, lock), {"ident": ident}) if found else None
    if row is None:
        raise NotFound(NOT_FOUND[model], id=ident)
    return row


def update_row(model: type[Model], row: dict, changes: dict) -> dict:
    """Write `changes` and `updated_at = now` to the `model` row `row`; return the row as stored.

    A partial update (docs/api.md, Update Job): one UPDATE of exactly those
    columns plus `updated_at`, so a concurrent update of another field is
    never lost; identical values still refresh `updated_at`; last write
    wins. Call inside the write transaction, with `row` as
    `fetch(..., lock="FOR UPDATE")` read it there: nothing else can change
    the row before the commit, so the row as stored is `row` with the
    written values as the database hands them back (no `RETURNING` row is
    read), and the UPDATE may be sent with the transaction's next statement
    (`jobs.store.statements.run`'s `defer`).
    """
    values = {**changes, "updated_at": clock.now_ms()}
    fields = model._meta.fields
    params = {name: fields[name].db_value(value) for name, value in values.items()}
    execute(statement(_update_by_key, model, tuple(values)),
            {**params, "ident": row[model._meta.primary_key.column_name]}, defer=True)
    return {**row, **{name: None if value is None else fields[name].python_value(value)
                      for name, value in params.items()}}


def delete_unless_serials(model: type[Model], ident: str, link: Field,
                          precondition: Callable[[dict], None] | None = None) -> dict:
    """Delete the `model` row `ident` (its children cascade) unless serials point at it via `link`.

    Call inside a write transaction: the row is locked first, so that a
    serial created concurrently cannot slip in between the count and the
    delete; voided serials do not count. `precondition(row)`, if given,
    runs on the locked row before the count (it raises to refuse: If-Match
    before 409). Returns the deleted
    row; raises NotFound, or Conflict `HAS_SERIALS[model]`.
    """
    row = fetch(model, ident, lock="FOR UPDATE")
    if precondition is not None:
        precondition(row)
    # Voided serials do not keep a job or path (docs/api.md, Void).
    count = Serial.select(fn.COUNT(Serial.id)).where(
        (link == ident) & (Serial.status != VOIDED)).scalar()
    if count:
        raise Conflict(HAS_SERIALS[model], n=count)
    model.delete().where(model._meta.primary_key == ident).execute()
    return row
