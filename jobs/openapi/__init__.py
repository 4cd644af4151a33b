"""The API as an OpenAPI 3 document, generated from the routes and their contracts."""
from jobs.openapi.builder import build_document
from jobs.openapi.document import api_document

__all__ = ["api_document", "build_document"]
