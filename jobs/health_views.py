"""GET /api/health (API.md: Operations)."""
from jobs.api import bp
from jobs.db import db


@bp.get("/health")
def health():
    """200 `{"status": "ok"}` after a real `SELECT 1`; a database error becomes 503."""
    db.execute_sql("SELECT 1").fetchone()
    return {"status": "ok"}
