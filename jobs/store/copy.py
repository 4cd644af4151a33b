"""Moving the data to another database (docs/operations.md, Moving to PostgreSQL).

`copy_database` copies every table of `MODELS` (ids, timestamps, the
serial counter and the events' hashes included) from the bound database
into an empty one, after creating the schema there, and then the secrets
(the key that signs list cursors and record links), which replace the
target's own: cursors and record links handed out before the move stay
valid. It reads one snapshot of the source and writes the target in one
transaction: a failed copy leaves the target empty.
"""
from peewee import AutoField, CompositeKey, Database, Model, chunked

from jobs.store.db import is_postgres, read_snapshot
from jobs.store.models import MODELS, Secret
from jobs.store.schema import upgrade

BATCH = 500


class CopyError(RuntimeError):
    """The copy cannot start (the target holds data)."""


def _holds_data(target: Database) -> list[str]:
    present = set(target.get_tables())
    with target.bind_ctx(MODELS):
        return [m._meta.table_name for m in MODELS
                if m._meta.table_name in present and m.select().exists()]


def copy_database(target: Database) -> dict[str, int]:
    """Copy every row of the bound database into `target`; return the row count per table.

    `target`'s connections are closed afterwards. Raises CopyError when a
    table of `target` already has rows.
    """
    try:
        return _copy_into(target)
    finally:
        target.close_all()


def _copy_into(target: Database) -> dict[str, int]:
    with target.connection_context():
        full = _holds_data(target)
        if full:
            raise CopyError(f"target database holds data (table {full[0]}); "
                            "copy into an empty database")
        upgrade(target)
        with read_snapshot(), target.atomic():
            counts = {m._meta.table_name: _copy_table(m, target) for m in MODELS}
            counts["secret"] = _copy_secrets(target)
            _advance_sequences(target)
    return counts


def _copy_table(model: type[Model], target: Database) -> int:
    fields = model._meta.sorted_fields
    key = model._meta.primary_key
    order = [model._meta.fields[name] for name in key.field_names] \
        if isinstance(key, CompositeKey) else [key]
    rows = model.select().order_by(*order).tuples().iterator()
    copied = 0
    for batch in chunked(rows, BATCH):
        with model.bind_ctx(target):
            model.insert_many(batch, fields=fields).execute()
        copied += len(batch)
    return copied


def _copy_secrets(target: Database) -> int:
    # The target's upgrade made secrets of its own: the source's replace them.
    rows = list(Secret.select().tuples())
    if rows:
        with Secret.bind_ctx(target):
            Secret.insert_many(rows, fields=[Secret.name, Secret.value]).on_conflict(
                conflict_target=[Secret.name], preserve=[Secret.value]).execute()
    return len(rows)


def _advance_sequences(target: Database) -> None:
    # Rows copied with their ids leave PostgreSQL's id sequences behind them.
    if not is_postgres(target):
        return
    for model in MODELS:
        if isinstance(model._meta.primary_key, AutoField):
            table = model._meta.table_name
            target.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM \"{table}\"")
