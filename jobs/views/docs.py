"""GET /api/openapi.json and /api/docs: the contract as an OpenAPI 3 document and a page."""
from flask import current_app, render_template

from jobs.http import bp, contract
from jobs.openapi import api_document


@bp.get("/openapi.json")
@contract({"type": "object"}, role=None)
def openapi_document():
    """The OpenAPI 3 document of every `/api` route."""
    return api_document(current_app)


@bp.get("/docs")
@contract({"type": "string"}, media_type="text/html", role=None)
def api_docs():
    """API reference: the OpenAPI document as an HTML page that needs no network."""
    return render_template("api_docs.html", doc=api_document(current_app))
