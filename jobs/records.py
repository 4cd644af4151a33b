"""Row operations every resource shares: look up or 404, partial update, guarded delete.

The look-up and the partial update run on every GET and PUT, so their
statements are compiled once per model and column set (`jobs.statements`).
"""
from peewee import SQL, Field, Model, fn

from jobs.db import db
from jobs.errors import Conflict, NotFound
from jobs.models import Serial, now_ms
from jobs.statements import compile_once, model_row, placeholder, tuples


def _by_key(model: type[Model]):
    return model.select().where(model._meta.primary_key == placeholder())


def _update_by_key(model: type[Model], columns: tuple[str, ...]):
    fields = model._meta.fields
    return (
        model.update({fields[name]: placeholder() for name in columns})
        .where(model._meta.primary_key == placeholder())
        .returning(model)
    )


def _exists_by_key(model: type[Model]):
    return model.select(SQL("1")).where(model._meta.primary_key == placeholder())


def require(model: type[Model], ident: str, kind: str) -> None:
    """Check that the `model` row `ident` exists without loading it; raises NotFound."""
    if not tuples(compile_once(_exists_by_key, model), (ident,)):
        raise NotFound(kind, ident)


def fetch(model: type[Model], ident: str, kind: str) -> Model:
    """Return the `model` row with primary key `ident`; raises NotFound `{kind} not found: {id}`."""
    row = model_row(model, compile_once(_by_key, model), (ident,))
    if row is None:
        raise NotFound(kind, ident)
    return row


def update_present(model: type[Model], ident: str, changes: dict, kind: str) -> Model:
    """Apply a partial update (the seed's Update Job rules) to the `model` row `ident`.

    `changes` holds only the validated fields present in the body; with none,
    nothing is written and the row is returned as stored. Otherwise one UPDATE writes
    exactly those columns plus `updated_at` in a BEGIN IMMEDIATE transaction,
    so a concurrent update of another field is never lost; identical values
    still refresh `updated_at`. Last write wins. Returns the row as stored;
    raises NotFound if it was deleted since the lookup.
    """
    if not changes:
        return fetch(model, ident, kind)
    values = {**changes, "updated_at": now_ms()}
    fields = model._meta.fields
    params = tuple(fields[name].db_value(value) for name, value in values.items())
    with db.atomic():
        sql = compile_once(_update_by_key, model, tuple(values))
        stored = model_row(model, sql, (*params, ident))
    if stored is None:
        raise NotFound(kind, ident)
    return stored


def delete_unless_serials(row: Model, link: Field, kind: str) -> None:
    """Delete `row` (its children cascade) unless serials point at it through `link`.

    The count runs inside the write transaction, so a serial created
    concurrently cannot slip in between. Raises Conflict
    `Cannot delete {kind}: it has {n} serial(s)`.
    """
    model = type(row)
    with db.atomic():
        count = Serial.select(fn.COUNT(Serial.id)).where(link == row.get_id()).scalar()
        if count:
            raise Conflict(f"Cannot delete {kind}: it has {count} serial(s)")
        model.delete().where(model._meta.primary_key == row.get_id()).execute()
