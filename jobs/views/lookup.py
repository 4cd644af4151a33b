"""GET /api/lookup (docs/api.md, Scans: Lookup): the contract loads and dumps."""
from jobs.http import bp, contract, load_query
from jobs.services.lookup import MANY_JOBS, NOTHING_MATCHES, lookup
from schemas.lookup import LookupQuerySchema, LookupSchema


@bp.get("/lookup")
@contract(LookupSchema, query=LookupQuerySchema, role="viewer", errors={
    400: ("code is required",), 404: (NOTHING_MATCHES,), 409: (MANY_JOBS,)})
def lookup_code():
    """Lookup: 200 with what the trimmed `code` names (serial, job, path or step)."""
    kind, found = lookup(**load_query())
    return {"kind": kind, kind: found}
