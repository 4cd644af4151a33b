"""The health check's rule (docs/api.md: Operations, GET /api/health)."""
from jobs.store.db import check_writable, db


def check_database() -> None:
    """Run a real `SELECT 1` and check the SQLite file is writable; raises OperationalError."""
    db.execute_sql("SELECT 1").fetchone()
    check_writable()
