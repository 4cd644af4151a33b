"""Lists read by keyset (docs/api.md, Lists: pages and filters), and the cursor secret.

A `Keyset` is a filtered list in a unique order. It is read in batches that
start after a key (the last row's order columns), never at an offset: a
batch is one short query, so rows created or deleted between batches never
shift the rows after the key, and every row that exists throughout is read
exactly once. The key comparison is a row value, `(created_at, id) > (?, ?)`,
which SQLite and PostgreSQL both answer as a range of an index that ends
with the order.
"""
import re
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_

from peewee import (
    SQL,
    ColumnBase,
    Expression,
    Field,
    Model,
    ModelSelect,
    NodeList,
    Tuple,
    Value,
    fn,
)

from jobs.store.db import UNICODE_LOWER, db, is_postgres
from jobs.store.models import Secret
from jobs.store.postgres import REQUEST_WAIT, bounded_waits
from jobs.store.statements import query_rows

_LIKE_SPECIAL = re.compile(r"([\\%_])")


@dataclass(frozen=True)
class Keyset:
    """The rows of `model` that meet every `condition`, ordered by `key` (unique);
    `descending`: largest key first."""

    model: type[Model]
    key: tuple[Field, ...]
    conditions: tuple[Expression, ...] = ()
    descending: bool = False

    def page_query(self, after: Sequence | None, size: int) -> ModelSelect:
        """Return the query of the first `size` rows whose key comes after `after` in the
        order (greater; smaller when `descending`), from the first row when `after` is None."""
        conditions = self.conditions
        if after is not None:
            beyond = Tuple(*self.key) < Tuple(*after) if self.descending else (
                Tuple(*self.key) > Tuple(*after))
            conditions += (beyond,)
        order = [field.desc() for field in self.key] if self.descending else self.key
        query = self.model.select().order_by(*order).limit(size)
        return query.where(*conditions) if conditions else query

    def page(self, after: Sequence | None, size: int) -> list[dict]:
        """Return up to `size` rows after the key `after`, as dicts keyed by column."""
        return query_rows(self.page_query(after, size))

    def key_of(self, row: dict) -> list:
        """Return `row`'s key: the values of the order columns, the next batch's `after`."""
        return [row[field.column_name] for field in self.key]

    def batches(self, after: Sequence | None, size: int) -> Iterator[list[dict]]:
        """Yield the rows after `after` in batches of `size` until the list ends.

        Each batch is its own query on a connection taken from the pool for
        that query alone and given back before the batch is yielded, so a
        consumer that stops (a client gone mid-stream) holds no connection
        and no transaction. For use outside a request's connection (a
        streamed response runs after `teardown_request`).
        """
        while True:
            # Bounded like a request's, so a server that stops answering ends
            # the stream instead of holding the worker.
            with bounded_waits(REQUEST_WAIT), db.connection_context():
                batch = self.page(after, size)
            if batch:
                yield batch
            if len(batch) < size:
                return
            after = self.key_of(batch[-1])


def contains_text(fields: Sequence[Field], text: str) -> Expression:
    """Return the condition "one of `fields` contains `text`", ignoring case in every script.

    `lowered(field) LIKE '%text%' ESCAPE '\\'` per field, ORed, with `text`
    lowered by Python's `str.lower` and `%`, `_` and `\\` in it escaped, so
    they match themselves. The column is lowered alike on both databases:
    by the same `str.lower` on SQLite (`UNICODE_LOWER`, whose `lower()` folds
    A-Z only), by ICU's root locale on PostgreSQL (`lower(… COLLATE
    "und-x-icu")`, whatever the server's locale).
    """
    pattern = "%" + _LIKE_SPECIAL.sub(r"\\\1", text.lower()) + "%"
    matches = (NodeList((_Lowered(field), SQL("LIKE"), Value(pattern), SQL("ESCAPE '\\'")))
               for field in fields)
    return reduce(or_, matches)


class _Lowered(ColumnBase):
    """A text column lowered as Python's `str.lower` lowers it, written for the database the
    query is compiled for (so a condition built before the database is bound still fits)."""

    def __init__(self, field: Field):
        super().__init__()
        self.field = field

    def __sql__(self, ctx):
        if is_postgres():
            return ctx.sql(fn.LOWER(NodeList((self.field, SQL('COLLATE "und-x-icu"')))))
        return ctx.sql(getattr(fn, UNICODE_LOWER)(self.field))


def cursor_secret() -> bytes:
    """Return the random key that signs this database's list cursors.

    Migration 0003 stores one; a database that lost it (emptied, or a copy
    made by copy-db, which does not carry it) gets a new one here, once,
    whichever host asks first.
    """
    fresh = secrets.token_hex(32)
    Secret.insert(name="cursor", value=fresh).on_conflict_ignore().execute()
    return bytes.fromhex(Secret.get_by_id("cursor").value)
