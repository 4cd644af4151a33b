"""GET /api/health (API.md: Operations)."""
from jobs.api import bp
from jobs.db import check_writable, db
from schemas.health import HealthSchema

health_schema = HealthSchema()


@bp.get("/health")
def health():
    """Health check: 200 `{"status": "ok"}` after a real `SELECT 1` on a writable file; else 503."""
    db.execute_sql("SELECT 1").fetchone()
    check_writable()
    return health_schema.dump({"status": "ok"})
