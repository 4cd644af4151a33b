"""The health check's rule (docs/api.md: Operations, GET /api/health).

Healthy means requests can be served, writes included: the database answers
a real `SELECT 1`, a write transaction can begin (SQLite: `BEGIN IMMEDIATE`
takes the write lock, which a file on a read-only or failed file system
refuses; PostgreSQL: the transaction is not read-only and gets a
transaction id, which a standby refuses), nothing is written, and on
SQLite the disk beside the file has room. A database that does not answer
raises its own OperationalError (503 like any request); writes or disk
space that fail are reported by name.
"""
from jobs.store.db import db, free_bytes, write_probe

# Below this, beside the SQLite file, writes are near to failing.
DISK_FREE_MIN = 16 * 1024 * 1024
PARTS = {
    "writes": "the database does not accept writes",
    "disk": "less than 16 MiB free beside the database",
}


class Unhealthy(Exception):
    """The parts that are down, as `{part: [message]}` (the 503's `data.errors`).

    The cause, if any, is `__cause__`.
    """

    def __init__(self, parts: list[str]):
        super().__init__(", ".join(parts))
        self.errors = {part: [PARTS[part]] for part in parts}


def check_service() -> None:
    """Raise OperationalError when the database does not answer; Unhealthy naming
    `writes` and/or `disk` when those are down."""
    db.execute_sql("SELECT 1").fetchone()
    down = []
    cause = None
    try:
        write_probe()
    except Exception as error:
        down.append("writes")
        cause = error
    space = free_bytes()
    if space is not None and space < DISK_FREE_MIN:
        down.append("disk")
    if down:
        raise Unhealthy(down) from cause
