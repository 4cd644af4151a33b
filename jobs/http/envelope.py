"""The one JSON error envelope (docs/api.md, Conventions: Error responses).

Services raise `jobs.errors`; `register_error_handlers` turns them, marshmallow
`ValidationError`s, werkzeug `HTTPException`s and crashes into
`{"statusCode", "statusMessage", "message"[, "data": {"errors": {...}}]}`.
"""
import logging

from flask import Flask, jsonify
from marshmallow import ValidationError
from peewee import DatabaseError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from jobs.errors import ApiError
from schemas.error import ErrorSchema

log = logging.getLogger(__name__)

_error_schema = ErrorSchema()

HTTP_MESSAGES = {
    413: "Request body must be at most 1 MiB",
}


def error_body(status: int, message: str, errors: dict | None = None) -> dict:
    """Return the error envelope for `status` as a dict; `errors` maps fields to messages."""
    return _error_schema.dump({
        "status_code": status,
        "status_message": HTTP_STATUS_CODES.get(status, "Unknown Error"),
        "message": message,
        "data": None if errors is None else {"errors": errors},
    })


def error_response(status: int, message: str, errors: dict | None = None):
    """Build the JSON error response for `status` (see `error_body`)."""
    return jsonify(error_body(status, message, errors)), status


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested error dict to `{"steps[0].name": [...]}`.

    Nested messages name only their leaf field ("name is required"); they are
    rewritten to name the full path ("steps[0].name is required").
    """
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        if isinstance(key, int):
            path = f"{prefix}[{key}]"
        else:
            path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(flatten_errors(value, path))
        else:
            flat[path] = [_full_path(msg, key, path) for msg in value]
    return flat


def _full_path(message: str, key, path: str) -> str:
    leaf = f"{key} "
    if path != key and message.startswith(leaf):
        return f"{path} {message[len(leaf):]}"
    return message


def first_message(errors: dict[str, list[str]]) -> str:
    """Return the one sentence of a failed validation (`flatten_errors`' first message)."""
    return next(iter(errors.values()))[0]


def _validation_error(error: ValidationError):
    errors = flatten_errors(error.messages)
    return error_response(400, first_message(errors), errors)


def _http_error(error: HTTPException):
    message = HTTP_MESSAGES.get(error.code, HTTP_STATUS_CODES.get(error.code, "Error"))
    response, status = error_response(error.code, message)
    for name, value in error.get_headers():
        if name.lower() == "allow":
            response.headers[name] = value
    return response, status


def _database_unavailable(error: OperationalError):
    log.exception("database unavailable")
    return error_response(503, "Service Unavailable")


def _database_failure(error: DatabaseError):
    # A bare DatabaseError is the database's own failure (SQLite: "database
    # disk image is malformed", "file is not a database" after a disk fault):
    # unavailable. Its subclasses (IntegrityError, ProgrammingError, ...) are bugs.
    if type(error) is DatabaseError:
        return _database_unavailable(error)
    return _crash(error)


def _crash(error: Exception):
    log.exception("unhandled error")
    return error_response(500, "Internal Server Error")


def register_error_handlers(app: Flask) -> None:
    """Route every error, including unknown URLs and crashes, to the JSON envelope."""
    app.register_error_handler(
        ApiError, lambda e: error_response(e.status, e.message, getattr(e, "errors", None)))
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(DatabaseError, _database_failure)
    app.register_error_handler(Exception, _crash)
