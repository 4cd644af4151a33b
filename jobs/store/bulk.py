"""Many rows in few statements: multi-row INSERTs compiled once per shape (docs/benchmarks.md).

peewee builds a multi-row INSERT anew for every batch, which costs more than
the database's own work for 10,000 rows (Create Serials, Void). Here the
statement for `rows` rows of given columns is compiled once, with a named
parameter per row and column (`{column}_{row}`), and run with the values
flattened in that order (`jobs.store.statements.run`).
"""
from functools import cache
from itertools import chain

from peewee import Model

from jobs.store.statements import param, run, statement

# Bound values per statement: far below SQLite's 32766 and PostgreSQL's 65535.
MAX_VALUES = 20000


def _insert(model: type[Model], columns: tuple[str, ...], count: int, returning: bool):
    fields = model._meta.fields
    query = model.insert_many([{fields[column]: param(f"{column}_{row}") for column in columns}
                               for row in range(count)])
    # Without `returning`, none: peewee would add RETURNING of the key on PostgreSQL, which
    # nothing reads.
    return query.returning(model._meta.primary_key) if returning else query.returning()


def insert_rows(model: type[Model], columns: tuple[str, ...], values: list[tuple],
                returning: bool = False) -> list:
    """Insert `values` (tuples in `columns` order, as the database stores them) into `model`.

    Returns the primary keys in row order when `returning`, else [] (and the rows may be
    sent with the transaction's next statement: `jobs.store.statements.run`'s `defer`).
    Call inside the write transaction of the change.
    """
    keys, size = [], MAX_VALUES // len(columns)
    # Slices, not peewee's `chunked`, which pads every batch to its full size.
    for batch in (values[start:start + size] for start in range(0, len(values), size)):
        insert = statement(_insert, model, columns, len(batch), returning)
        order = _order(insert.names[:len(columns)], columns)
        if order is not None:
            batch = [tuple(row[index] for index in order) for row in batch]
        cursor = run(insert, tuple(chain.from_iterable(batch)), defer=not returning)
        if returning:
            # Keys are handed out in row order; RETURNING's own order is not promised.
            keys.extend(sorted(key for (key,) in cursor.fetchall()))
    return keys



@cache
def _order(first_row: tuple[str, ...], columns: tuple[str, ...]) -> tuple[int, ...] | None:
    """The index in `columns` of each column of the statement's rows (peewee writes them in
    the model's order), or None when that is `columns`' own order."""
    written = tuple(name.removesuffix("_0") for name in first_row)
    return None if written == columns else tuple(columns.index(name) for name in written)
