"""The app's OpenAPI document, built once per app from the views' contracts."""
from flask import Flask

from jobs.openapi.builder import build_document


def api_document(app: Flask) -> dict:
    """Return `app`'s OpenAPI document, built on first use and kept in `app.extensions`."""
    if "openapi" not in app.extensions:
        app.extensions["openapi"] = build_document(app)
    return app.extensions["openapi"]
