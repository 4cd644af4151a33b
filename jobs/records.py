"""Row operations every resource shares: look up or 404, partial update, guarded delete.

The look-up and the partial update are the hot path of every GET and PUT.
peewee compiles a query to SQL on every call (about 0.1 ms, more than the
rest of the request), so their statements are compiled by peewee once per
model and column set, with parameter placeholders, and reused; rows come
back through the fields' own converters. README, Serving, has the figures.
"""
from functools import cache

from peewee import SQL, Field, Model, fn

from jobs.db import db
from jobs.errors import Conflict, NotFound
from jobs.models import Serial, now_ms


def _placeholder() -> SQL:
    return SQL(db.param)


@cache
def _select_by_key(model: type[Model]) -> str:
    query = model.select().where(model._meta.primary_key == _placeholder())
    return query.sql()[0]


@cache
def _update_by_key(model: type[Model], columns: tuple[str, ...]) -> str:
    fields = model._meta.fields
    query = (
        model.update({fields[name]: _placeholder() for name in columns})
        .where(model._meta.primary_key == _placeholder())
        .returning(model)
    )
    return query.sql()[0]


def _one_row(model: type[Model], sql: str, params: tuple) -> Model | None:
    row = db.execute_sql(sql, params).fetchone()
    if row is None:
        return None
    fields = model._meta.sorted_fields
    return model(**{field.name: field.python_value(value) for field, value in zip(fields, row)})


def fetch(model: type[Model], ident: str, kind: str) -> Model:
    """Return the `model` row with primary key `ident`; raises NotFound `{kind} not found: {id}`."""
    row = _one_row(model, _select_by_key(model), (ident,))
    if row is None:
        raise NotFound(kind, ident)
    return row


def update_present(row: Model, changes: dict, kind: str) -> Model:
    """Apply a partial update (the seed's Update Job rules) to a row already looked up.

    `changes` holds only the validated fields present in the body; with none,
    nothing is written and `row` is returned. Otherwise one UPDATE writes
    exactly those columns plus `updated_at` in a BEGIN IMMEDIATE transaction,
    so a concurrent update of another field is never lost; identical values
    still refresh `updated_at`. Last write wins. Returns the row as stored;
    raises NotFound if it was deleted since the lookup.
    """
    if not changes:
        return row
    model = type(row)
    values = {**changes, "updated_at": now_ms()}
    fields = model._meta.fields
    params = tuple(fields[name].db_value(value) for name, value in values.items())
    with db.atomic():
        stored = _one_row(model, _update_by_key(model, tuple(values)), (*params, row.get_id()))
    if stored is None:
        raise NotFound(kind, row.get_id())
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
