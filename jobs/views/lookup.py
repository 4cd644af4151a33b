"""GET /api/lookup (docs/api.md, Scans: Lookup): the contract loads and dumps."""
from jobs.http import bp, contract, load_query
from jobs.services.lookup import lookup
from schemas.lookup import LookupQuerySchema, LookupSchema


@bp.get("/lookup")
@contract(LookupSchema, query=LookupQuerySchema, role="viewer", errors={
    400: ("code is required",), 404: ("Nothing matches {code}",),
    409: ("Code {code} matches more than one job",)})
def lookup_code():
    """Lookup: 200 with what the trimmed `code` names (serial, job, path or step)."""
    kind, found = lookup(**load_query())
    return {"kind": kind, kind: found}
