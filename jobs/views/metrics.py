"""GET /metrics (docs/api.md: Operations): Prometheus text format, one view over every worker."""
from flask import Response

from jobs.http import contract
from jobs.http.metrics import CONTENT_TYPE, metrics_bp, render
from jobs.services.delivery import statistics
from jobs.services.serials import count_by_status


@metrics_bp.get("/metrics")
@contract({"type": "string"}, media_type="text/plain", role="viewer")
def get_metrics():
    """Metrics: requests, durations, lock waits, serials, webhook attempts and lag (Prometheus)."""
    return Response(render(count_by_status, statistics), content_type=CONTENT_TYPE)
