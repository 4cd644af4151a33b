"""Row operations every resource shares: look up or 404, partial update, guarded delete.

The write operations run inside the caller's write transaction, so that the
change and its history event are stored together or not at all.

A model's class name is the kind its 404 names (`Job not found: {id}`).
The look-up and the partial update run on every GET and PUT, so their
statements are compiled once per model and column set (`statements`).
"""
from peewee import SQL, Field, Model, fn

from jobs import clock
from jobs.errors import Conflict, NotFound
from jobs.store.db import db
from jobs.store.models import Serial
from jobs.store.statements import compile_once, first_row, placeholder, tuples


def _by_key(model: type[Model]):
    return model.select().where(model._meta.primary_key == placeholder())


def _locked_by_key(model: type[Model]):
    query = _by_key(model)
    return query.for_update() if db.for_update else query


def _update_by_key(model: type[Model], columns: tuple[str, ...]):
    fields = model._meta.fields
    return (
        model.update({fields[name]: placeholder() for name in columns})
        .where(model._meta.primary_key == placeholder())
        .returning(*model._meta.sorted_fields)
    )


def _exists_by_key(model: type[Model]):
    return model.select(SQL("1")).where(model._meta.primary_key == placeholder())


def require(model: type[Model], ident: str) -> None:
    """Check that the `model` row `ident` exists without loading it (the look-up first).

    Every endpoint that must answer 404 before it reads the body calls this.
    Raises NotFound `{Model} not found: {ident}`.
    """
    if not tuples(compile_once(_exists_by_key, model), (ident,)):
        raise NotFound(model.__name__, ident)


def fetch(model: type[Model], ident: str, lock: bool = False) -> dict:
    """Return the `model` row `ident` as a dict; raises NotFound `{Model} not found: {ident}`.

    `lock=True` (inside a write transaction, before changing the row) also
    locks the row on PostgreSQL (`FOR UPDATE`), so what was read is what the
    change replaces; SQLite's write transaction already excludes other writers.
    """
    build = _locked_by_key if lock else _by_key
    row = first_row(model, compile_once(build, model), (ident,))
    if row is None:
        raise NotFound(model.__name__, ident)
    return row


def update_row(model: type[Model], ident: str, changes: dict) -> dict:
    """Write `changes` and `updated_at = now` to the `model` row `ident`; return the row as stored.

    A partial update (docs/api.md, Update Job): one UPDATE of exactly those
    columns plus `updated_at` (`RETURNING` the row), so a concurrent update
    of another field is never lost; identical values still refresh
    `updated_at`; last write wins. Call inside the write transaction, after
    `fetch(..., lock=True)` found the row.
    """
    values = {**changes, "updated_at": clock.now_ms()}
    fields = model._meta.fields
    params = tuple(fields[name].db_value(value) for name, value in values.items())
    sql = compile_once(_update_by_key, model, tuple(values))
    return first_row(model, sql, (*params, ident))


def delete_unless_serials(model: type[Model], ident: str, link: Field) -> dict:
    """Delete the `model` row `ident` (its children cascade) unless serials point at it via `link`.

    Call inside a write transaction, so that a serial created concurrently
    cannot slip in between the count and the delete. Returns the deleted
    row; raises NotFound, or Conflict `Cannot delete {kind}: it has {n} serial(s)`.
    """
    row = fetch(model, ident, lock=True)
    count = Serial.select(fn.COUNT(Serial.id)).where(link == ident).scalar()
    if count:
        raise Conflict(f"Cannot delete {model.__name__.lower()}: it has {count} serial(s)")
    model.delete().where(model._meta.primary_key == ident).execute()
    return row
