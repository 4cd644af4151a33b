"""GET /api/lookup (docs/api.md, Scans: Lookup): parse, call, dump."""
from flask import request

from jobs.http import bp, contract
from jobs.services.lookup import lookup
from schemas.lookup import LookupQuerySchema, LookupSchema

query_schema = LookupQuerySchema()
lookup_schema = LookupSchema()


@bp.get("/lookup")
@contract(LookupSchema, query=LookupQuerySchema, role="viewer", errors={
    400: ("code is required",), 404: ("Nothing matches {code}",),
    409: ("Code {code} matches more than one job",)})
def lookup_code():
    """Lookup: 200 with what the trimmed `code` names (serial, job, path or step)."""
    kind, found = lookup(**query_schema.load(request.args))
    return lookup_schema.dump({"kind": kind, kind: found})
