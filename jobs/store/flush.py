"""One disk flush for a block of SQLite commits answered together (docs/operations.md, What
a 2xx promises; docs/api.md, Scans)."""
import os
from contextlib import contextmanager

from peewee import OperationalError

from jobs.store.db import SqliteFile, db

# `PRAGMA synchronous`'s value for FULL.
FULL = 2


@contextmanager
def one_flush():
    """Run a block of write transactions whose caller answers once, after the block: their
    commits reach the disk by one flush at its end instead of one flush each.

    SQLite at `synchronous=FULL`: inside the block the connection commits at
    NORMAL (each commit written to the WAL, where every connection reads it,
    but not synced); at its end FULL is restored and, when the block changed
    anything, the WAL file is synced, so each of its commits is on disk before
    the answer. A crash of the process loses none of them; a power cut within
    the block may lose some, none of which was answered. SQLite at NORMAL and
    PostgreSQL (the server's own durability at each commit): nothing changes.
    Raises OperationalError (503) when the WAL cannot be synced.
    """
    if not isinstance(db.obj, SqliteFile):
        yield
        return
    connection = db.connection()
    if connection.execute("PRAGMA synchronous").fetchone()[0] != FULL:
        yield
        return
    changes = connection.total_changes
    connection.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        connection.execute("PRAGMA synchronous = FULL")
        if connection.total_changes != changes:
            sync_committed()


def sync_committed() -> None:
    """SQLite: sync the WAL file, so that every commit made so far, by any connection, is on
    disk, those of a block of `one_flush` still running included; PostgreSQL: nothing (each
    commit is). Raises OperationalError (503) when the WAL cannot be synced."""
    if isinstance(db.obj, SqliteFile):
        _sync(f"{db.obj.path}-wal")


def _sync(path: str) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        # No WAL: SQLite checkpointed it into the database and synced that.
        return
    try:
        os.fsync(descriptor)
    except OSError as error:
        raise OperationalError(f"the WAL could not be synced: {error}") from error
    finally:
        os.close(descriptor)
