"""peewee queries compiled to SQL once and reused, and rows handed out as dicts.

peewee compiles a query to SQL on every execution (about 0.1 ms each, more
than the rest of a Get Job or Update Job). The statements below are built
by peewee once per database kind, with parameter placeholders where the
values go, cached, and executed with the values (docs/benchmarks.md).

Every row leaves the store as a dict keyed by column name (`job_id`, not
`job`), the one representation services and schemas share.
"""
from collections.abc import Callable, Iterable
from functools import cache

from peewee import (
    SQL,
    AutoField,
    BigIntegerField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
    Query,
    TextField,
)

from jobs.store.db import db


def placeholder() -> SQL:
    """Return the database's parameter placeholder (`?` for SQLite) as a peewee node."""
    return SQL(db.param)


def compile_once(build: Callable[..., Query], *args) -> str:
    """Return the SQL of `build(*args)`, a query with `placeholder()` for every value.

    Cached per database class, so one database's dialect never reaches another.
    """
    return _compile(type(db.obj), build, *args)


@cache
def _compile(database_class: type, build: Callable[..., Query], *args) -> str:
    sql, params = build(*args).sql()
    if params:
        raise ValueError(f"a cached statement holds values instead of placeholders: {sql}")
    return sql


def as_row(model: type[Model], values: Iterable) -> dict:
    """Return one row of `model` (values in column order) as a dict keyed by column name.

    Each value goes through its field's `python_value`, except where both
    drivers already hand out the Python value (integer and text columns:
    see `_conversions`); NULL stays None.
    """
    names, conversions = _conversions(model)
    row = dict(zip(names, values, strict=True))
    for name, convert in conversions:
        if row[name] is not None:
            row[name] = convert(row[name])
    return row


# Field classes whose python_value is int() or str() of what SQLite and psycopg
# already return: calling it changes nothing and cost a third of a long list.
_DRIVER_TYPED = (IntegerField, BigIntegerField, AutoField, CharField, TextField)


@cache
def _conversions(model: type[Model]) -> tuple[tuple[str, ...], tuple[tuple[str, Callable], ...]]:
    """`model`'s column names in order, and (column, python_value) where it does something."""
    names, conversions = [], []
    for field in model._meta.sorted_fields:
        names.append(field.column_name)
        target = field.rel_field if isinstance(field, ForeignKeyField) else field
        if type(target) not in _DRIVER_TYPED:
            conversions.append((field.column_name, field.python_value))
    return tuple(names), tuple(conversions)


def rows(model: type[Model], sql: str, params: tuple) -> list[dict]:
    """Run `sql` (selecting all of `model`'s columns in order); return the rows as dicts."""
    return [as_row(model, row) for row in db.execute_sql(sql, params)]


def first_row(model: type[Model], sql: str, params: tuple) -> dict | None:
    """Run `sql` like `rows`; return the first row, or None."""
    row = db.execute_sql(sql, params).fetchone()
    return None if row is None else as_row(model, row)


def query_rows(query: Query) -> list[dict]:
    """Run a peewee `query` over all columns of its model; return the rows as dicts.

    The raw rows are converted once, by `as_row` (peewee's own `tuples()`
    would convert them first).
    """
    return rows(query.model, *query.sql())


def tuples(sql: str, params: tuple) -> list[tuple]:
    """Run `sql`; return its rows as plain tuples."""
    return db.execute_sql(sql, params).fetchall()
