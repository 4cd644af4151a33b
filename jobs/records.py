"""Row operations every resource shares: look up or 404, partial update, guarded delete."""
from peewee import Field, Model, fn

from jobs.db import db
from jobs.errors import Conflict, NotFound
from jobs.models import Serial, now_ms


def fetch(model: type[Model], ident: str, kind: str) -> Model:
    """Return the `model` row with primary key `ident`; raises NotFound `{kind} not found: {id}`."""
    row = model.get_or_none(model._meta.primary_key == ident)
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
    key = model._meta.primary_key
    with db.atomic():
        query = model.update(updated_at=now_ms(), **changes).where(key == row.get_id())
        stored = next(iter(query.returning(model).execute()), None)
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
