"""GET /api/health (API.md: Operations)."""
from jobs.api import bp
from jobs.db import check_writable, db


@bp.get("/health")
def health():
    """200 `{"status": "ok"}` after a real `SELECT 1` on a writable file; else 503."""
    db.execute_sql("SELECT 1").fetchone()
    check_writable()
    return {"status": "ok"}
