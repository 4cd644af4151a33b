"""The database handle: unbound at import, bound by the application factory.

`db` is a peewee DatabaseProxy so that models can be declared before the URL
is known and no connection exists until a request (or the CLI) needs one:
gunicorn's master never hands an open SQLite connection to its workers.
"""
from playhouse.db_url import connect, parse
from peewee import Database, DatabaseProxy

db = DatabaseProxy()

# Per-connection settings for SQLite. WAL lets readers run beside the writer;
# lock_type makes every transaction BEGIN IMMEDIATE, so a read-then-write
# waits for the write lock (up to `timeout` seconds) instead of failing with
# "database is locked" when another worker wrote in between.
SQLITE_OPTIONS = {
    "pragmas": {"journal_mode": "wal", "foreign_keys": 1, "synchronous": "normal"},
    "timeout": 10,
    "lock_type": "IMMEDIATE",
}


def open_database(url: str) -> Database:
    """Create the peewee Database for a `playhouse.db_url` URL and bind `db` to it.

    SQLite URLs (`sqlite:///path`, `sqlite+pool:///path`) get WAL, foreign
    keys, a 10 s busy timeout and immediate write transactions.
    """
    options = SQLITE_OPTIONS if url.startswith("sqlite") else {}
    database = connect(url, **options)
    db.initialize(database)
    return database


def database_path(url: str) -> str:
    """Return the database name (the file path for SQLite) in a db_url URL."""
    return parse(url)["database"]
