"""GET /api/health (docs/api.md: Operations)."""
import logging

from jobs.errors import SERVICE_UNAVAILABLE, ServiceUnavailable
from jobs.http import bp, contract
from jobs.services.health import Unhealthy, check_service
from schemas.health import HealthSchema

log = logging.getLogger(__name__)


@bp.get("/health")
@contract(HealthSchema, role=None, errors={503: (SERVICE_UNAVAILABLE,)})
def health():
    """Health check: 200 `{"status": "ok"}` when reads and writes can happen; else 503.

    A database that does not answer is the plain 503; writes or disk space
    that fail are named in its `data.errors` (`writes`, `disk`).
    """
    try:
        check_service()
    except Unhealthy as unhealthy:
        log.warning("unhealthy: %s", unhealthy, exc_info=unhealthy.__cause__)
        raise ServiceUnavailable(unhealthy.errors) from unhealthy
    return {"status": "ok"}
