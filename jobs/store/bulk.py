"""Many rows in few statements: multi-row INSERTs compiled once per shape (docs/benchmarks.md).

peewee builds a multi-row INSERT anew for every batch, which costs more than
the database's own work for 10,000 rows (Create Serials, Void). Here the
statement for `rows` rows of given columns is compiled once, with
placeholders, and executed with the values flattened.
"""
from functools import cache
from itertools import chain

from peewee import Model, __exception_wrapper__
from psycopg import RawCursor

from jobs.store.db import db, is_postgres
from jobs.store.statements import compile_once, placeholder

# Bound values per statement: far below SQLite's 32766 and PostgreSQL's 65535.
MAX_VALUES = 20000


def _insert(model: type[Model], columns: tuple[str, ...], count: int, returning: bool):
    fields = model._meta.fields
    row = {fields[column]: placeholder() for column in columns}
    query = model.insert_many([row] * count)
    return query.returning(model._meta.primary_key) if returning else query


def insert_rows(model: type[Model], columns: tuple[str, ...], values: list[tuple],
                returning: bool = False) -> list:
    """Insert `values` (tuples in `columns` order, as the database stores them) into `model`.

    Returns the primary keys in row order when `returning`, else [].
    Call inside the write transaction of the change.
    """
    keys, size = [], MAX_VALUES // len(columns)
    # Slices, not peewee's `chunked`, which pads every batch to its full size.
    for batch in (values[start:start + size] for start in range(0, len(values), size)):
        sql = compile_once(_insert, model, columns, len(batch), returning)
        cursor = _execute(sql, tuple(chain.from_iterable(batch)))
        if returning:
            # Keys are handed out in row order; RETURNING's own order is not promised.
            keys.extend(sorted(key for (key,) in cursor.fetchall()))
    return keys


def _execute(sql: str, params: tuple):
    """Run `sql` with `params`. On PostgreSQL with `$n` placeholders through a raw cursor:
    psycopg rewrites `%s` to `$n` on every execution of a statement this long (it caches
    short ones only), which was half the CPU of Create Serials of 10,000."""
    if not is_postgres():
        return db.execute_sql(sql, params)
    with __exception_wrapper__:
        cursor = RawCursor(db.connection())
        cursor.execute(_numbered(sql), params)
    return cursor


@cache
def _numbered(sql: str) -> str:
    first, *rest = sql.split("%s")
    return first + "".join(f"${number}{text}" for number, text in enumerate(rest, start=1))

