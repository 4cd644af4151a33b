"""POST /api/scans (docs/api.md, Scans: many parts at once, and offline replay)."""
from jobs.http import bp, contract, load_body
from jobs.http.idempotency import PER_ITEM
from jobs.http.scan_items import run_items
from schemas.scan import ScanBatchSchema, ScanResultsSchema


@bp.post("/scans")
@contract(ScanResultsSchema, body=ScanBatchSchema, idempotent=PER_ITEM, role="operator",
          examples={"a cart at Deburr": {"scans": [
              {"key": "st4-0001", "serialId": "SN-00010", "action": "advance",
               "expectedStepId": "step_AbCdEfGhIjKl", "scannedAt": "2024-01-20T16:45:00.000Z",
               "operator": "B-1042"},
              {"key": "st4-0002", "serialId": "SN-00011", "action": "scrap",
               "reason": "damaged"}]}})
def scan():
    """Scans: each item run in order, each in its own transaction; 200 with the results."""
    return {"results": run_items(load_body()["scans"])}
