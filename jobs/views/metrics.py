"""GET /metrics (docs/api.md: Operations): Prometheus text format, one view over every worker."""
from flask import Response

from jobs.http import contract
from jobs.http.metrics import CONTENT_TYPE, metrics_bp, render
from jobs.services.serials import count_by_status


@metrics_bp.get("/metrics")
@contract({"type": "string"}, media_type="text/plain", role="viewer")
def get_metrics():
    """Metrics: requests, durations, write-lock waits and serials by status as Prometheus text."""
    return Response(render(count_by_status), content_type=CONTENT_TYPE)
