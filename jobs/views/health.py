"""GET /api/health (docs/api.md: Operations)."""
from jobs.http import bp, contract
from jobs.services.health import check_database
from schemas.health import HealthSchema

health_schema = HealthSchema()


@bp.get("/health")
@contract(HealthSchema, role=None, errors={503: ("Service Unavailable",)})
def health():
    """Health check: 200 `{"status": "ok"}` after a real `SELECT 1` on a writable file; else 503."""
    check_database()
    return health_schema.dump({"status": "ok"})
