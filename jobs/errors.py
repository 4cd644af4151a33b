"""Domain errors: what services, the store and the body reader raise (no Flask here).

Each carries the HTTP status it stands for and the one sentence a client
shows; `jobs.http.envelope` turns them into the JSON error envelope
(docs/api.md, Conventions: Error responses).
"""


class ApiError(Exception):
    """An error with an HTTP status and the one sentence a client shows.

    `message` is the raiser's constant, a template whose placeholders the
    `values` fill (`Conflict(ON_HOLD, id=serial_id)`); the contracts cite
    the same constant, placeholders and all (docs/api.md).
    """

    status = 400

    def __init__(self, message: str, **values):
        text = message.format(**values) if values else message
        super().__init__(text)
        self.message = text


class BadRequest(ApiError):
    """400: the body is unreadable or breaks a rule that no schema field owns."""


class InvalidField(BadRequest):
    """400: a field's value breaks a rule the service checks (it needs stored state);
    `errors` maps the field to the message, as a schema's failures do. `values`
    fill the placeholders of both (`InvalidField("results.{name}", MISSING, name=...)`)."""

    def __init__(self, field: str, message: str, /, **values):
        super().__init__(message, **values)
        self.errors = {field.format(**values) if values else field: [self.message]}


class InvalidFields(BadRequest):
    """400: several fields' values break rules the service checks; `errors` maps each field,
    in the order given, to its message, and the message is the first of them."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = {field: [message] for field, message in errors.items()}


class NotFound(ApiError):
    """404: the resource named is not there (`Job not found: {id}`, the raiser's constant)."""

    status = 404


class Conflict(ApiError):
    """409: the request is valid but the stored state forbids it."""

    status = 409


class PreconditionFailed(ApiError):
    """412: an `If-Match` names no current version of the resource."""

    status = 412


class Unprocessable(ApiError):
    """422: the request is well formed but cannot be applied (an Idempotency-Key reused)."""

    status = 422


class UnsupportedMediaType(ApiError):
    """415: a non-empty body that is not `application/json`."""

    status = 415


SERVICE_UNAVAILABLE = "Service Unavailable"


class ServiceUnavailable(ApiError):
    """503 `Service Unavailable`: the request cannot be served now; nothing was written.

    `errors`, if given, names the parts that are down (the health check's `data.errors`).
    """

    status = 503

    def __init__(self, errors: dict[str, list[str]] | None = None):
        super().__init__(SERVICE_UNAVAILABLE)
        self.errors = errors


class Forbidden(ApiError):
    """403: the actor's role may call the route but not do this (Undo's planner rule)."""

    status = 403
