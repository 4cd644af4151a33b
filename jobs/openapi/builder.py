"""The OpenAPI 3 document, built from the app's `/api` routes and the marshmallow schemas.

`build_document` walks `app.url_map`: every `/api` rule whose view declares a
`Contract` (`jobs.http.contract`) becomes one operation per method (HEAD and
OPTIONS excepted), with its path parameters, the view docstring's first line
as summary, its request and response schemas, and one example error envelope
per documented message. A route that needs a role (`Contract.role`) gets the
bearer `security` requirement and the 401 and 403 answers.
"""
import re
from collections import defaultdict

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, fields
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Rule

from jobs.http.auth import (
    AUTHENTICATION_REQUIRED,
    CHALLENGE,
    INVALID_TOKEN,
    INVALID_TOKEN_CHALLENGE,
    ROLE_REQUIRED,
)
from jobs.http.body import (
    INVALID_JSON,
    NOT_AN_OBJECT,
    NOT_JSON_MEDIA_TYPE,
    UNREADABLE,
    UNSUPPORTED_ENCODING,
)
from jobs.http.contract import JSON, Contract, contract_of
from jobs.http.envelope import HTTP_MESSAGES, error_body, flatten_errors
from jobs.http.idempotency import HEADER as IDEMPOTENCY_KEY
from jobs.http.idempotency import IN_PROGRESS, INVALID_KEY, OTHER_REQUEST, REPLAYED
from schemas.error import ErrorSchema
from schemas.fields import KEY_MAX, WireField
from schemas.query import REPEATED, QuerySchema

IMPLICIT_METHODS = {"HEAD", "OPTIONS"}
_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_BODY_ERRORS = {400: (INVALID_JSON, NOT_AN_OBJECT, UNREADABLE), 413: (HTTP_MESSAGES[413],),
                415: (NOT_JSON_MEDIA_TYPE, UNSUPPORTED_ENCODING)}
LINK = ('`<{path}?{query}&cursor={cursor}>; rel="next"` (RFC 8288) when more items follow '
        'a page: the same path and parameters, in their order, with the next cursor')
SECURITY_SCHEME = "bearerToken"
_BEARER = {"type": "http", "scheme": "bearer", "description": (
    "A token made with `flask --app app token create NAME --role ROLE` (`shop_` and 43 "
    "characters), sent as `Authorization: Bearer <token>`; checked when the service runs "
    "with AUTH_REQUIRED=true. Roles: viewer < operator < planner.")}
_KEY_PARAMETER = {
    "in": "header", "name": IDEMPOTENCY_KEY, "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX,
               "pattern": "^[\\x21-\\x7E]+$"},
    "description": "Makes the POST safe to retry: 1 to 255 visible ASCII characters, kept "
                   "24 hours per actor. The same request sent again with the key gets the "
                   "stored answer (with `Idempotent-Replayed: true`) and runs nothing; "
                   "the key on another request is a 422 (docs/api.md, Retries and concurrency)."}
_KEY_ERRORS = {400: (INVALID_KEY,), 409: (IN_PROGRESS,), 422: (OTHER_REQUEST,)}
_REPLAYED_HEADER = {REPLAYED: "`true` when this is the stored answer of an earlier request "
                              "with the same Idempotency-Key (nothing ran)"}
_IF_MATCH_PARAMETER = {
    "in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
    "description": "`*` or a comma-separated list of ETags (strong; `W/` tags never match): "
                   "when none is the current version, 412 and nothing changes. Without it "
                   "the last write wins."}
_CHALLENGE_HEADER = {"WWW-Authenticate": {
    "description": f"`{CHALLENGE}`, or `{INVALID_TOKEN_CHALLENGE}` for an unknown or "
                   "revoked token", "schema": {"type": "string"}}}


def _operation(declared: Contract, view, operation_id: str) -> dict:
    """Return the OpenAPI Operation object for `view` and its contract."""
    summary, _, description = (view.__doc__ or "").strip().partition("\n")
    operation = {"summary": summary, "operationId": operation_id,
                 "responses": _responses(declared)}
    if declared.role is not None:
        operation["security"] = [{SECURITY_SCHEME: []}]
    if description.strip():
        operation["description"] = description.strip()
    parameters = [{"in": "query", "schema": declared.query}] if declared.query else []
    if declared.idempotent:
        parameters.append(_KEY_PARAMETER)
    if declared.if_match is not None:
        parameters.append(_IF_MATCH_PARAMETER)
    if parameters:
        operation["parameters"] = parameters
    if declared.body is not None:
        media = {"schema": declared.body}
        if declared.examples:
            media["examples"] = {name: {"value": v} for name, v in declared.examples.items()}
        # An empty body counts as `{}`, so the body is required only when `{}` is invalid.
        required = any(f.required for f in declared.body().fields.values())
        operation["requestBody"] = {"required": required, "content": {JSON: media}}
    return operation


def _responses(declared: Contract) -> dict:
    success = {"description": HTTP_STATUS_CODES[declared.status]}
    if declared.page is not None:
        success["description"] += (f"; the items in their order ({declared.page.order}), "
                                   "a page with `limit`, else the whole list")
    if declared.response is not None:
        success["content"] = {declared.media_type: {"schema": declared.response}}
    etag = {"ETag": declared.etag.describes} if declared.etag is not None else {}
    headers = {**declared.headers, **etag, **({"Link": LINK} if declared.page is not None else {}),
               **(_REPLAYED_HEADER if declared.idempotent else {})}
    if headers:
        success["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                              for name, text in headers.items()}
    answers = {str(declared.status): success}
    for status, examples in sorted(_error_examples(declared).items()):
        answers[str(status)] = {
            "description": HTTP_STATUS_CODES[status],
            "content": {JSON: {"schema": ErrorSchema, "examples": examples}},
        }
    if "401" in answers:
        answers["401"]["headers"] = _CHALLENGE_HEADER
    return answers


def _auth_errors(declared: Contract) -> dict[int, tuple[str, ...]]:
    if declared.role is None:
        return {}
    return {401: (AUTHENTICATION_REQUIRED, INVALID_TOKEN),
            403: (ROLE_REQUIRED.format(role=declared.role),)}


def _promised_errors(declared: Contract) -> dict[int, tuple[str, ...]]:
    promised = {**_auth_errors(declared)}
    for status, messages in (_KEY_ERRORS if declared.idempotent else {}).items():
        promised[status] = promised.get(status, ()) + messages
    if declared.if_match is not None:
        promised[412] = (declared.if_match.changed,)
    return promised


def _error_examples(declared: Contract) -> dict[int, dict]:
    examples: dict[int, dict] = defaultdict(dict)
    documented = {**_BODY_ERRORS} if declared.body is not None else {}
    if declared.query is not None and issubclass(declared.query, QuerySchema):
        documented[400] = (REPEATED,)
    for status, messages in (*_promised_errors(declared).items(), *declared.errors.items()):
        documented[status] = documented.get(status, ()) + tuple(messages)
    for status, messages in documented.items():
        for message in messages:
            examples[status][message] = {"value": error_body(status, message)}
    for schema in (s for s in (declared.body, declared.query) if s is not None):
        for error in field_errors(schema()):
            (message,), = flatten_errors(error).values()
            examples[400][message] = {"value": error_body(400, message, flatten_errors(error))}
    return examples


def field_errors(schema: Schema):
    """Yield one marshmallow-style error dict per message the schema's fields can produce."""
    for name, wire_field in schema.fields.items():
        key = wire_field.data_key or name
        if isinstance(wire_field, WireField):
            for message in wire_field.messages():
                yield {key: [message]}
        inner = wire_field.inner if isinstance(wire_field, fields.List) else wire_field
        if isinstance(inner, fields.Nested):
            for error in field_errors(inner.schema):
                yield {key: error if inner is wire_field else {0: error}}


def openapi_path(rule: Rule) -> str:
    """Return the rule's URL in OpenAPI form: `/api/jobs/<job_id>` -> `/api/jobs/{job_id}`."""
    return _RULE_ARGUMENT.sub(r"{\1}", rule.rule)


def _path_parameters(rule: Rule) -> list[dict]:
    return [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
            for name in _RULE_ARGUMENT.findall(rule.rule)]


def _described_classes(base: type = WireField):
    """`base` and every field class below it that names its own OpenAPI type."""
    if "openapi_type" in vars(base) and base.openapi_type is not None:
        yield base
    for subclass in base.__subclasses__():
        yield from _described_classes(subclass)


def _field_properties(self, wire_field, **kwargs) -> dict:
    """apispec attribute function: what a `WireField` says of itself (`openapi()`)."""
    return wire_field.openapi() if isinstance(wire_field, WireField) else {}


def _new_spec() -> APISpec:
    marshmallow = MarshmallowPlugin()
    spec = APISpec(
        title="Shop-floor Jobs", version="1.0.0", openapi_version="3.0.3",
        plugins=[marshmallow],
        info={"description": "Production jobs, their paths, serials and live progress."},
    )
    converter = marshmallow.converter
    for wire_class in _described_classes():
        converter.map_to_openapi_type(wire_class, wire_class.openapi_type,
                                      wire_class.openapi_format)
    converter.add_attribute_function(_field_properties)
    converter.add_parameter_attribute_function(_empty_values)
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.security_scheme(SECURITY_SCHEME, _BEARER)
    return spec


def build_document(app: Flask) -> dict:
    """Return the OpenAPI document (a dict) of `app`'s `/api` rules whose views declare a contract.
    """
    spec = _new_spec()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions[rule.endpoint]
        declared = contract_of(view)
        if declared is None or not rule.rule.startswith("/api/"):
            continue
        methods = sorted(rule.methods - IMPLICIT_METHODS)
        operations = {
            method.lower(): _operation(
                declared, view,
                view.__name__ if len(methods) == 1 else f"{view.__name__}_{method.lower()}",
            )
            for method in methods
        }
        spec.path(path=openapi_path(rule), operations=operations,
                  parameters=_path_parameters(rule))
    document = spec.to_dict()
    return {"openapi": document.pop("openapi"), **document}


def _empty_values(self, query_field, **kwargs) -> dict:
    """apispec parameter function: an empty filter (`?status=`) is no filter (`QuerySchema`);
    an empty `limit` or `cursor` is a 400 (docs/api.md, Lists: pages and filters)."""
    return {"allowEmptyValue": not getattr(query_field, "keeps_empty", False)}
