"""peewee queries compiled to SQL once and reused: the hot read and write paths.

peewee compiles a query to SQL on every execution (about 0.1 ms each, more
than the rest of a Get Job or Update Job). The statements below are built
by peewee once, with parameter placeholders where the values go, cached,
and executed with the values; rows come back through the fields' own
converters. README, Benchmark, has the figures.
"""
from collections.abc import Callable
from functools import cache

from peewee import SQL, Model, Query

from jobs.db import db


def placeholder() -> SQL:
    """Return the database's parameter placeholder (`?` for SQLite) as a peewee node."""
    return SQL(db.param)


@cache
def compile_once(build: Callable[..., Query], *args) -> str:
    """Return the SQL of `build(*args)`, a query with `placeholder()` for every value."""
    sql, params = build(*args).sql()
    if params:
        raise ValueError(f"a cached statement holds values instead of placeholders: {sql}")
    return sql


def _model(model: type[Model], row: tuple) -> Model:
    pairs = zip(model._meta.sorted_fields, row, strict=True)
    return model(**{field.name: field.python_value(value) for field, value in pairs})


def model_rows(model: type[Model], sql: str, params: tuple) -> list[Model]:
    """Run `sql` (selecting all of `model`'s columns in order); return the rows as models."""
    return [_model(model, row) for row in db.execute_sql(sql, params)]


def model_row(model: type[Model], sql: str, params: tuple) -> Model | None:
    """Run `sql` like `model_rows`; return the first row as a model, or None."""
    row = db.execute_sql(sql, params).fetchone()
    return None if row is None else _model(model, row)


def tuples(sql: str, params: tuple) -> list[tuple]:
    """Run `sql`; return its rows as plain tuples."""
    return db.execute_sql(sql, params).fetchall()
