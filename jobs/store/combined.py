"""Writes that wait for a transaction's next statement, sent with it as one (docs/benchmarks.md,
Scans: fewer round trips on PostgreSQL).

A PostgreSQL round trip costs the client about 50 µs of CPU whatever the
statement; a move's INSERTs and UPDATEs, whose results nobody reads, are
kept (`Waiting`) and sent together, as the data-modifying `WITH` parts of
one statement, right before the transaction's next other statement or its
COMMIT. Each part writes another table: the parts of one statement see the
same snapshot and run in no promised order, so a second write to a table
sends the waiting ones first, and each table's writes keep their order.
Foreign keys are checked at the end of the whole statement.
"""
import re
from dataclasses import dataclass, field
from functools import lru_cache

# How a statement names the table it writes; and a placeholder, to renumber.
_TARGET = re.compile(r'^(?:INSERT INTO|UPDATE|DELETE FROM) "([^"]+)"')
_PLACEHOLDER = re.compile(r"\$(\d+)")
# A write with more values runs at once: a round trip is nothing beside its own cost, and
# the statements combined (and cached) stay the few shapes of a move's writes.
MAX_VALUES = 64


def target(sql: str) -> str | None:
    """The table an INSERT, UPDATE or DELETE writes, or None for any other statement."""
    found = _TARGET.match(sql)
    return found.group(1) if found else None


@dataclass
class Waiting:
    """The writes a connection's transaction has not sent yet, in order."""

    tables: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    values: list = field(default_factory=list)

    def takes(self, table: str) -> bool:
        """Whether a write to `table` can wait with these (else send these first)."""
        return table not in self.tables

    def add(self, table: str, sql: str, values: tuple) -> None:
        """Keep one more write (`$1` to `$n` for its n `values`)."""
        self.tables.append(table)
        self.statements.append(sql)
        self.counts.append(len(values))
        self.values.extend(values)

    def take(self) -> tuple[str, list] | None:
        """Return the one statement of every waiting write and its values, and forget them;
        None when nothing waits."""
        if not self.statements:
            return None
        taken = combine(tuple(self.statements), tuple(self.counts)), self.values
        self.clear()
        return taken

    def clear(self) -> None:
        """Forget the waiting writes (sent, or their transaction rolled back)."""
        self.tables, self.statements, self.counts, self.values = [], [], [], []


@lru_cache(maxsize=256)
def combine(statements: tuple[str, ...], counts: tuple[int, ...]) -> str:
    """One statement for `statements` (each numbered from `$1` to its count): all but the
    last as `WITH` parts, each part's placeholders shifted past the earlier parts'."""
    shifted, offset = [], 0
    for sql, count in zip(statements, counts, strict=True):
        shifted.append(_PLACEHOLDER.sub(lambda number, by=offset: f"${int(number[1]) + by}",
                                        sql))
        offset += count
    *parts, last = shifted
    if not parts:
        return last
    return "WITH " + ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(parts)) + " " + last
