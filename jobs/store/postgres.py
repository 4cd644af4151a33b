"""PostgreSQL connections that never wait on the server unbounded (docs/operations.md, Timeouts).

A server that stops answering (its processes stopped, its machine frozen or
cut off) must cost a request a JSON 503 within 5 s, not a worker killed by
gunicorn after 30 s. The server's own `lock_timeout` (3 s) bounds the
waits it knows about; TCP keepalives and `tcp_user_timeout` notice a peer
that is gone; and during a request all its waits for the server together
are bounded on the client (`limit_waits`): past the bound the connection
is closed (the pool drops it), and no new one is opened without time left
for it; the statement fails with an OperationalError, which is 503.
Each batch of a whole list streamed after its request has the same bound
(`bounded_waits`). Outside requests (schema upgrades, `flask copy-db`)
waits are unbounded.
"""
import time
from contextlib import contextmanager
from contextvars import ContextVar

import psycopg
from peewee import InterfaceError, Psycopg3Adapter, __exception_wrapper__
from playhouse.pool import PooledPostgresqlDatabase

from jobs.store.combined import MAX_VALUES, Waiting, target

# Seconds a request may wait for the server, all its waits together.
REQUEST_WAIT = 4.5
# psycopg's shortest connect timeout (libpq's rule), in seconds.
_CONNECT_MIN = 2
OPTIONS = {
    "max_connections": 32, "stale_timeout": 300, "timeout": 10, "connect_timeout": 5,
    # Below REQUEST_WAIT, so a lock wait is the server's error (409 for an
    # Idempotency-Key in use), not a timeout on the client.
    "options": "-c lock_timeout=3000",
    "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 1, "keepalives_count": 3,
    "tcp_user_timeout": 5000,
}
# The monotonic time by which the current request's waits must end.
_wait_until: ContextVar[float | None] = ContextVar("wait_until", default=None)


def limit_waits(seconds: float | None) -> None:
    """Bound the current context's waits for the server to `seconds` from now (None: unbounded)."""
    _wait_until.set(None if seconds is None else time.monotonic() + seconds)


@contextmanager
def bounded_waits(seconds: float):
    """Within the block, bound the waits for the server to `seconds` from now, as a request's."""
    token = _wait_until.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _wait_until.reset(token)


def _time_left() -> float | None:
    until = _wait_until.get()
    return None if until is None else max(until - time.monotonic(), 0.001)


class BoundedConnection(psycopg.Connection):
    """A psycopg connection whose waits for the server honour `limit_waits`, with the one
    raw cursor our statements run on (`raw_cursor`)."""

    _raw: psycopg.RawCursor | None = None
    _waiting: Waiting | None = None

    def waiting(self) -> Waiting:
        """The writes of this connection's transaction not sent yet (`jobs.store.combined`)."""
        if self._waiting is None:
            self._waiting = Waiting()
        return self._waiting

    def raw_cursor(self) -> psycopg.RawCursor:
        """Return this connection's raw cursor (`$n` placeholders), made once: a new cursor
        per statement finds its dumpers and loaders anew and is freed by the cycle collector,
        and a batch of 1000 scan items grew from 1.16 to 1.42-1.74 s of CPU over four batches
        in one process (docs/benchmarks.md, Scans). Each statement's rows must be read before
        the next statement runs on it."""
        if self._raw is None:
            self._raw = psycopg.RawCursor(self)
        return self._raw

    def wait(self, gen, interval: float = 0.1, timeout: float | None = None):
        """psycopg's wait, with the context's limit as the timeout; closed when it expires."""
        limit = _time_left() if timeout is None else timeout
        try:
            return super().wait(gen, interval, limit)
        # psycopg's own timeout error (an OperationalError): the protocol is
        # mid-exchange, so the connection cannot be used again.
        except psycopg.errors._WaitTimeout:
            self.close()
            raise


class _BoundedAdapter(Psycopg3Adapter):
    def connect(self, db, **params):
        left = _time_left()
        if left is not None:
            if left < _CONNECT_MIN:
                raise psycopg.OperationalError("no time left in the request to connect")
            params["connect_timeout"] = min(int(left), params.get("connect_timeout", 5))
        return BoundedConnection.connect(dbname=db.database, **params)


class PostgresPool(PooledPostgresqlDatabase):
    """Pooled psycopg connections whose waits are bounded during requests (`limit_waits`);
    transactions begin and commit on the connection's raw cursor (`raw_cursor`)."""

    psycopg3_adapter = _BoundedAdapter

    def begin(self, isolation_level: str | None = None) -> None:
        """Begin a transaction (peewee's, without a new cursor for the one statement)."""
        self.connection().waiting().clear()
        level = isolation_level or self._isolation_level
        self.execute_raw(f"BEGIN TRANSACTION ISOLATION LEVEL "
                         f"{self._adapter.isolation_level_str(level)}" if level else "BEGIN")

    def commit(self) -> None:
        """Commit the transaction (peewee's, without a new cursor for the one statement),
        its waiting writes sent first."""
        if self.is_closed():
            raise InterfaceError("Cannot commit, database connection not open.")
        self.execute_raw("COMMIT")

    def rollback(self) -> None:
        """Roll the transaction back; its waiting writes are never sent."""
        if not self.is_closed():
            self.connection().waiting().clear()
        super().rollback()

    def cursor(self, named_cursor=None):
        """peewee's cursor, once the transaction's waiting writes are sent: every peewee
        query reads what the transaction wrote."""
        self._send_waiting()
        return super().cursor(named_cursor)

    def execute_raw(self, sql: str, values: tuple | None = None) -> psycopg.RawCursor:
        """Run `sql` (`$n` placeholders, `values` in their order) on the connection's raw
        cursor, after the transaction's waiting writes, and return it; errors are peewee's,
        as from `execute_sql`."""
        self._send_waiting()
        return self._run(sql, values)

    def defer_raw(self, sql: str, values: tuple) -> None:
        """Run the INSERT, UPDATE or DELETE `sql` (whose cursor nobody reads) as
        `execute_raw` would, but inside a transaction with its next statement or its COMMIT
        (`jobs.store.combined`): one round trip for the writes of a move. Its errors come
        from that statement."""
        table = target(sql)
        if table is None or len(values) > MAX_VALUES or not self.in_transaction():
            self.execute_raw(sql, values)
            return
        waiting = self.connection().waiting()
        if not waiting.takes(table):
            self._send_waiting()
        waiting.add(table, sql, values)

    def _send_waiting(self) -> None:
        if self.is_closed():
            return
        taken = self.connection().waiting().take()
        if taken is not None:
            self._run(*taken)

    def _run(self, sql: str, values) -> psycopg.RawCursor:
        self._log_query(sql, values)
        with __exception_wrapper__:
            cursor = self.connection().raw_cursor()
            cursor.execute(sql, values)
        return cursor
