"""GET /api/openapi.json: the contract as an OpenAPI 3 document."""
from flask import current_app

from jobs.api import bp
from jobs.openapi_routes import api_document


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3 document of every `/api` route."""
    return api_document(current_app)
