"""Statements with named parameters, compiled once and reused, and rows handed out as dicts.

peewee compiles a query to SQL on every execution (about 0.1 ms each, more
than the rest of a Get Job or Update Job). A statement here is a peewee
query built once per database kind with `param("name")` where each value
goes, or a text with `%(name)s`; `statement`/`text` translate it, in this
one place, to the database's own placeholders (SQLite `?`, PostgreSQL
`$n`) and remember which name each stands for. It is run with a mapping of
exactly those names (`execute`, `rows`, `first_row`, `tuples`): a name
missing or extra is a TypeError, so the order peewee compiles a query in
never decides which value goes where (docs/benchmarks.md).

On PostgreSQL statements run through psycopg's raw cursor with `$n`
placeholders: psycopg's own `%s` rewriting cost more per statement than
the rest of its work (docs/benchmarks.md, Scans).

Every row leaves the store as a dict keyed by column name (`job_id`, not
`job`), the one representation services and schemas share.
"""
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from peewee import (
    SQL,
    AutoField,
    BigIntegerField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
    PostgresqlDatabase,
    Query,
    TextField,
)

from jobs.store.db import db

# How a named parameter is written in a statement's source: psycopg's own named style,
# which no other SQL text peewee writes can contain.
_NAMED = re.compile(r"%\((\w+)\)s")


def param(name: str) -> SQL:
    """Return the named parameter `name` as a peewee node, for a query given to `statement`."""
    return SQL(f"%({name})s")


@dataclass(frozen=True)
class Statement:
    """SQL in the database's own placeholders and the parameter name of each, in order.

    `names` has one entry per placeholder (`?` or `$n`); a name used twice
    on PostgreSQL is one `$n`, so it appears once.
    """

    sql: str
    names: tuple[str, ...]
    numbered: bool

    def bind(self, params: Mapping[str, object]) -> tuple:
        """Return the values of `params` in placeholder order.

        Raises TypeError naming the parameters missing from `params` and
        those it has that the statement does not take.
        """
        expected = set(self.names)
        if params.keys() != expected:
            missing = sorted(expected - params.keys())
            extra = sorted(params.keys() - expected)
            raise TypeError(f"statement parameters: missing {missing}, extra {extra}: {self.sql}")
        return tuple(params[name] for name in self.names)


def statement(build: Callable[..., Query], *args) -> Statement:
    """Return the Statement of `build(*args)`, a query with `param(...)` for every value.

    Cached per database class, so one database's dialect never reaches another.
    Raises ValueError if the query holds values instead of parameters.
    """
    return _compiled(type(db.obj), build, *args)


def text(sql: str) -> Statement:
    """Return the Statement of the SQL text `sql`, written with `%(name)s` parameters."""
    return _translated(type(db.obj), sql)


@cache
def _compiled(database_class: type, build: Callable[..., Query], *args) -> Statement:
    sql, values = build(*args).sql()
    if values:
        raise ValueError(f"a cached statement holds values instead of parameters: {sql}")
    return _translated(database_class, sql)


@cache
def _translated(database_class: type, sql: str) -> Statement:
    numbered = issubclass(database_class, PostgresqlDatabase)
    numbers: dict[str, int] = {}
    names: list[str] = []

    def placeholder(match: re.Match) -> str:
        name = match.group(1)
        if not numbered:
            names.append(name)
            return "?"
        if name not in numbers:
            numbers[name] = len(numbers) + 1
            names.append(name)
        return f"${numbers[name]}"

    return Statement(_NAMED.sub(placeholder, sql), tuple(names), numbered)


def execute(stmt: Statement, params: Mapping[str, object], defer: bool = False):
    """Run `stmt` with `params` (exactly its names, `Statement.bind`); return the cursor
    (None with `defer`: see `run`)."""
    return run(stmt, stmt.bind(params), defer)


def run(stmt: Statement, values: tuple, defer: bool = False):
    """Run `stmt` with `values` already in its placeholder order (multi-row inserts, which
    repeat each column's name per row: `jobs.store.bulk`); return the cursor.

    On PostgreSQL the cursor is the connection's one raw cursor: read its rows before the
    next statement runs. `defer`, for an INSERT, UPDATE or DELETE whose cursor nobody
    reads: on PostgreSQL, inside a transaction, it is sent with the transaction's next
    statement or its COMMIT (`jobs.store.combined`), and its errors come from there; None
    is returned."""
    if len(values) != len(stmt.names):
        raise TypeError(f"statement takes {len(stmt.names)} values, not {len(values)}")
    if defer:
        db.obj.defer_raw(stmt.sql, values)
        return None
    return db.obj.execute_raw(stmt.sql, values)


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


def rows(model: type[Model], stmt: Statement, params: Mapping[str, object]) -> list[dict]:
    """Run `stmt` (selecting all of `model`'s columns in order); return the rows as dicts."""
    return [as_row(model, row) for row in execute(stmt, params)]


def first_row(model: type[Model], stmt: Statement, params: Mapping[str, object]) -> dict | None:
    """Run `stmt` like `rows`; return the first row, or None."""
    row = execute(stmt, params).fetchone()
    return None if row is None else as_row(model, row)


def query_rows(query: Query) -> list[dict]:
    """Run a peewee `query` over all columns of its model; return the rows as dicts.

    The raw rows are converted once, by `as_row` (peewee's own `tuples()`
    would convert them first).
    """
    return [as_row(query.model, row) for row in db.execute_sql(*query.sql())]


def tuples(stmt: Statement, params: Mapping[str, object]) -> list[tuple]:
    """Run `stmt` with `params`; return its rows as plain tuples."""
    return execute(stmt, params).fetchall()
