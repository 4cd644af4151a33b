"""The one error envelope (docs/api.md, Conventions: Error responses)."""
from marshmallow import fields

from schemas.base import WireSchema


class ErrorDataSchema(WireSchema):
    """`data` of a validation failure: each failing field mapped to its messages."""

    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class ErrorSchema(WireSchema):
    """Every answer with a status >= 400; `data` only for validation failures."""

    status_code = fields.Integer(data_key="statusCode", required=True)
    status_message = fields.String(data_key="statusMessage", required=True)
    message = fields.String(required=True)
    data = fields.Nested(ErrorDataSchema)
