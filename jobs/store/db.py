"""The database handle: unbound at import, bound by the application factory.

`db` is a peewee DatabaseProxy so that models can be declared before the URL
is known and no connection exists until a request (or the CLI) needs one:
gunicorn's master never hands an open SQLite connection to its workers.
"""
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import quote

from peewee import (
    Database,
    DatabaseProxy,
    OperationalError,
    PostgresqlDatabase,
    __exception_wrapper__,
)
from playhouse.db_url import parse
from playhouse.pool import PooledDatabase, PooledSqliteDatabase

from jobs.errors import ServiceUnavailable
from jobs.store import postgres
from jobs.store.postgres import PostgresPool

db = DatabaseProxy()
log = logging.getLogger(__name__)
# The Unix time after which the current request's writes must not commit.
_commit_deadline: ContextVar[float | None] = ContextVar("commit_deadline", default=None)
_scratch: ContextVar[dict | None] = ContextVar("write_scratch", default=None)

# Per-connection settings for SQLite, run once per pooled connection. WAL lets
# readers run beside the writer; lock_type makes every transaction BEGIN
# IMMEDIATE, so a read-then-write waits for the write lock (up to
# busy_timeout ms) instead of failing with "database is locked" when another
# worker wrote in between. `timeout` is the pool's wait for a free connection;
# the pool hands a connection to one thread at a time, but not always the
# thread that opened it (gthread workers), hence check_same_thread=False.
SQLITE_OPTIONS = {
    "pragmas": {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000},
    "lock_type": "IMMEDIATE",
    "max_connections": 32,
    "timeout": 10,
    "check_same_thread": False,
}
# `synchronous`: FULL syncs the WAL at every commit, so a 2xx survives a power
# cut; NORMAL syncs only at checkpoints and may lose the last commits
# (docs/operations.md, What a 2xx promises).
SYNCHRONOUS = ("full", "normal")

WRITE_LOCKS = {"IMMEDIATE", "EXCLUSIVE"}
# The SQL function that lowers text as Python does, on every SQLite connection (the
# built-in lower() folds A-Z only): jobs.store.keyset.contains_text.
UNICODE_LOWER = "unicode_lower"


def _unicode_lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


def _ignore(seconds: float) -> None:
    """The write-lock observer until one is set: nothing is recorded."""


_write_lock_observer: Callable[[float], None] = _ignore


def observe_write_lock_waits(observer: Callable[[float], None]) -> None:
    """Call `observer(seconds)` after each write transaction's wait for the write lock.

    SQLite: how long `BEGIN IMMEDIATE` took. PostgreSQL: how long the
    event-order lock took (`lock_event_order`, with the one-row read that
    shares its round trip), which every write takes once, right before its
    event's insert; row locks are not measured. Recorded whether
    or not the lock was had before the timeout (docs/operations.md,
    Metrics). One observer at a time; a new one replaces the last.
    """
    global _write_lock_observer
    _write_lock_observer = observer


@contextmanager
def _waiting_for_the_write_lock():
    started = time.perf_counter()
    try:
        yield
    finally:
        _write_lock_observer(time.perf_counter() - started)


class _Unwrapped(OperationalError):
    """An OperationalError that peewee's exception wrapper passes on as it is (it re-wraps
    an exception whose class or first base is named like a DB-API error)."""


class NoSpace(_Unwrapped):
    """The SQLite file cannot be opened: not one block is free beside it (a 503 in a request;
    at the start, one line and exit 1: docs/operations.md, Full disk)."""


class SqliteFile(PooledSqliteDatabase):
    """Pooled connections to one SQLite file that must already exist.

    Connections open `file:PATH?mode=rw`, so a missing file is an
    OperationalError (503) instead of a new, empty database. A connection is
    kept across requests (no connect, PRAGMAs or WAL checkpoint per request);
    at check-out it is dropped, and a new one opened, if the file was
    removed or replaced, or became read-only or writable, since it was
    opened (SQLite opens a write-protected file read-only, and its writes
    then fail as they should: an old connection could still write the WAL).
    """

    def __init__(self, path: str, **kwargs):
        self.path = path
        self._opened_files = {}
        super().__init__(f"file:{quote(path)}?mode=rw", uri=True, **kwargs)

    def _file_state(self) -> tuple | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return stat.st_dev, stat.st_ino, os.access(self.path, os.W_OK)

    def _add_conn_hooks(self, conn) -> None:
        self._opened_files[self.conn_key(conn)] = self._file_state()
        try:
            super()._add_conn_hooks(conn)
        except sqlite3.OperationalError as error:
            if _free_bytes(self.path) != 0:
                raise
            self._close_raw(conn)
            raise NoSpace(f"no space left beside {self.path}: SQLite cannot create its "
                          f"shared-memory file ({self.path}-shm) to open the database; "
                          "free some space and start again") from error

    def _is_closed(self, conn) -> bool:
        if super()._is_closed(conn):
            return True
        if self._file_state() == self._opened_files.get(self.conn_key(conn)):
            return False
        self._close_raw(conn)
        return True

    def _close_raw(self, conn) -> None:
        self._opened_files.pop(self.conn_key(conn), None)
        super()._close_raw(conn)

    def begin(self, lock_type: str | None = None) -> None:
        """Start a transaction; a write transaction's wait for the lock goes to the observer."""
        if (lock_type or self._lock_type) not in WRITE_LOCKS:
            super().begin(lock_type)
            return
        with _waiting_for_the_write_lock():
            super().begin(lock_type)

    def execute_raw(self, sql: str, values: tuple = ()) -> sqlite3.Cursor:
        """Run `sql` (`?` placeholders, `values` in their order) on the connection and return
        its cursor; errors are peewee's, as from `execute_sql`, without its query hooks
        (this database has none) and its cursor look-up."""
        self._log_query(sql, values)
        with __exception_wrapper__:
            return self.connection().execute(sql, values)

    def defer_raw(self, sql: str, values: tuple) -> None:
        """Run the write `sql` now (`PostgresPool.defer_raw` sends it later, to save a round
        trip; SQLite has none to save)."""
        self.execute_raw(sql, values)

    def check_writable(self) -> None:
        """Raise OperationalError unless this process may write the file (missing, read-only)."""
        if not os.access(self.path, os.W_OK):
            raise OperationalError(f"database file not writable: {self.path}")

    def backup_to(self, target: str) -> None:
        """Copy the live database, WAL content included, to `target` with SQLite's backup API.

        One backup step under one read snapshot: consistent while other
        processes write. The copy is written beside `target` and renamed
        into place, so `target` is never half-written.
        """
        partial = f"{target}.partial"
        copy = sqlite3.connect(partial)
        try:
            with self.connection_context():
                self.connection().backup(copy)
        finally:
            copy.close()
        os.replace(partial, target)


# PostgreSQL: pooled connections (hosts share one database, so every
# request borrows a connection instead of paying for a new one), a bounded
# wait for an unreachable or frozen server, and for a lock (503 or 409, not
# a hung worker): jobs.store.postgres.
POSTGRES_SCHEMES = {"postgres", "postgresql", "postgres+pool", "postgresql+pool"}
# Every host takes this advisory lock around a schema upgrade (jobs.store.schema).
UPGRADE_LOCK_KEY = 7_300_001
# Every write transaction takes this one right before it inserts its event.
EVENT_LOCK_KEY = 7_300_002
# Migration 0011's function: the lock, then the newest event's (id, hash) read after it.
_EVENT_LOCK_THEN_LAST = f"SELECT * FROM lock_event_order_last_link({EVENT_LOCK_KEY})"


def make_database(url: str, synchronous: str = "full") -> Database:
    """Return an unbound peewee Database for `url` (docs/operations.md, Configuration).

    `sqlite:///PATH` (or `sqlite+pool:`) is a `SqliteFile` with WAL, foreign
    keys, a 10 s busy timeout, immediate write transactions and `synchronous`
    (`full` or `normal`, one of `SYNCHRONOUS`); the file is created here if
    missing (at start, never by a request).
    `postgresql://user:password@host:port/name` (or `postgres:`,
    `postgresql+pool:`) is a pool of psycopg connections. Raises ValueError
    for any other scheme.
    """
    scheme, _, rest = url.partition("://")
    if scheme in ("sqlite", "sqlite+pool"):
        path = database_path(url)
        sqlite3.connect(path).close()
        pragmas = {**SQLITE_OPTIONS["pragmas"], "synchronous": synchronous}
        database = SqliteFile(path, **{**SQLITE_OPTIONS, "pragmas": pragmas})
        database.register_function(_unicode_lower, UNICODE_LOWER, 1, deterministic=True)
        return database
    if scheme in POSTGRES_SCHEMES:
        return PostgresPool(**parse(f"postgresql://{rest}"), **postgres.OPTIONS)
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://, not {scheme}://")


def open_database(url: str, synchronous: str = "full") -> Database:
    """Make the Database for `url` (see `make_database`) and bind `db` to it."""
    database = make_database(url, synchronous)
    db.initialize(database)
    return database


def is_postgres(database: Database | None = None) -> bool:
    """Whether `database` (default: the bound one) is PostgreSQL."""
    target = db.obj if database is None else database
    return isinstance(target, PostgresqlDatabase)


@contextmanager
def write_transaction():
    """A write transaction (a context manager): `BEGIN IMMEDIATE` on SQLite, `BEGIN` on PostgreSQL.

    Nested in another, it joins it instead of making a savepoint: one request
    is one transaction (its change, its history event and its idempotency
    key), stored together or rolled back together, without the savepoint's
    two extra statements. Right before the outermost one commits, the
    request's deadline (`set_commit_deadline`) is checked: past it, the
    transaction is rolled back and ServiceUnavailable raised.
    """
    with db.transaction():
        outermost = db.transaction_depth() == 1
        token = _scratch.set({}) if outermost else None
        try:
            yield
            if outermost:
                _check_commit_deadline()
        finally:
            if token is not None:
                _scratch.reset(token)


def write_scratch() -> dict | None:
    """Return a dict that lives as long as the outermost write transaction now open, or None
    outside one: rows a step of the transaction read under their row lock, for its later
    steps (`jobs.services.serial_state.current_serial`)."""
    return _scratch.get()


def set_commit_deadline(deadline: float | None) -> None:
    """Refuse to commit write transactions after Unix time `deadline` (None: no deadline).

    Set per request by `jobs.http.deadline` from the proxy's headers.
    """
    _commit_deadline.set(deadline)


def _check_commit_deadline() -> None:
    deadline = _commit_deadline.get()
    if deadline is not None and time.time() > deadline:
        log.warning("write not committed: the proxy's deadline passed %.3f s ago",
                    time.time() - deadline)
        raise ServiceUnavailable()


def read_snapshot():
    """A read transaction that sees one snapshot and takes no write lock (a context manager).

    SQLite: `BEGIN DEFERRED`; PostgreSQL: `REPEATABLE READ`.
    """
    if is_postgres():
        return db.atomic(isolation_level="REPEATABLE READ")
    return db.atomic(lock_type="DEFERRED")


def schema_lock(database: Database):
    """A write transaction that holds the schema-upgrade lock until it ends (a context manager).

    SQLite: the write lock (`BEGIN IMMEDIATE`); PostgreSQL: a transaction
    advisory lock, so hosts starting together upgrade the schema once.
    """
    transaction = database.atomic()
    if is_postgres(database):
        return _with_advisory_lock(database, transaction)
    return transaction


@contextmanager
def _with_advisory_lock(database: Database, transaction):
    with transaction:
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (UPGRADE_LOCK_KEY,))
        yield


def lock_event_order() -> tuple[int, str] | None:
    """Make event ids follow commit order (PostgreSQL): call right before a transaction's
    event insert; return the newest event's (id, hash) read under the lock, None with none.

    PostgreSQL hands out ids when rows are inserted, not when they commit, so
    an event with a smaller id could commit after one with a larger id was
    already read. Here each transaction takes one advisory lock before it
    inserts its event and keeps it until it has committed: ids are taken and
    committed one transaction at a time, in the same order. The lock is held
    from the event's insert to the commit (the writes after it wait to go
    with it, `jobs.store.combined`). The lock and the read are one round
    trip, migration 0011's function, whose read takes its snapshot after the
    lock was granted: it sees the event of the transaction waited for. Not for
    SQLite, whose write transactions (`BEGIN IMMEDIATE`) already run one at a
    time (`jobs.services.chain.locked_last_link`).
    """
    with _waiting_for_the_write_lock():
        return db.obj.execute_raw(_EVENT_LOCK_THEN_LAST).fetchone()


class KeyHeld(Exception):
    """`held_lock` waited its whole bound: another request holds the lock."""


# SQLite: files beside the database, one per bucket of lock keys, that `held_lock` locks.
LOCK_BUCKETS = 256
# How long `held_lock` waits on SQLite: as long as a write transaction waits for its lock.
HELD_WAIT = SQLITE_OPTIONS["pragmas"]["busy_timeout"] / 1000


@contextmanager
def held_lock(space: int, key: int, wait_seconds: float):
    """Hold the lock (`space`, `key`) for the block, across the transactions it runs.

    Another holder of the same lock waits for it, at most `wait_seconds`
    (then KeyHeld; PostgreSQL's `lock_timeout` may end the wait first, an
    OperationalError). A lock that ends with its process or connection
    (a worker killed mid-block leaves nothing held). PostgreSQL: the session
    advisory lock (`space`, `key`), the key space of `pg_advisory_xact_lock`
    too. SQLite (one host): `flock` of the key's bucket file beside the
    database (`DATABASE-locks/N`).
    """
    if is_postgres():
        with _advisory_session_lock(space, key):
            yield
        return
    with _bucket_file(space, key) as lock_file:
        _flock_within(lock_file, wait_seconds)
        yield


@contextmanager
def _advisory_session_lock(space: int, key: int):
    db.obj.execute_raw(f"SELECT pg_advisory_lock({int(space)}, {int(key)})")
    try:
        yield
    finally:
        db.obj.execute_raw(f"SELECT pg_advisory_unlock({int(space)}, {int(key)})")


@contextmanager
def _bucket_file(space: int, key: int):
    folder = f"{db.obj.path}-locks"
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"{space}-{key % LOCK_BUCKETS}"), "a+b") as lock_file:
        yield lock_file


def _flock_within(lock_file, wait_seconds: float) -> None:
    until = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > until:
                raise KeyHeld() from None
            time.sleep(0.02)


def check_writable() -> None:
    """Raise OperationalError (503) when the SQLite file is missing or read-only for us."""
    if isinstance(db.obj, SqliteFile):
        db.obj.check_writable()


def write_probe() -> None:
    """Begin a write transaction and roll it back: raises when writes cannot happen now.

    SQLite: the file writable for us, and `BEGIN IMMEDIATE` (the write lock)
    granted; PostgreSQL: the transaction not read-only
    (`default_transaction_read_only`) and a transaction id assigned (which a
    standby refuses). Nothing is written.
    """
    check_writable()
    with db.atomic() as transaction:
        if is_postgres():
            read_only, _ = db.execute_sql(
                "SELECT current_setting('transaction_read_only'), pg_current_xact_id()").fetchone()
            if read_only == "on":
                raise OperationalError("the database server takes no writes (read-only)")
        transaction.rollback()


def free_bytes() -> int | None:
    """Bytes free for us beside the SQLite file (0 when they cannot be read); None on PostgreSQL."""
    if not isinstance(db.obj, SqliteFile):
        return None
    return _free_bytes(db.obj.path)


def _free_bytes(path: str) -> int:
    try:
        stat = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return 0
    return stat.f_bavail * stat.f_frsize


def close_idle_connections() -> None:
    """Close the pool's idle connections, so that none is inherited by a fork."""
    if isinstance(db.obj, PooledDatabase):
        db.close_idle()


def database_path(url: str) -> str:
    """Return the database name (the file path for SQLite) in a db_url URL."""
    return parse(url)["database"]
