"""Path and ProcessStep request and response schemas (docs/api.md: Path)."""
from marshmallow import ValidationError, fields

from jobs.vocabulary import ADVANCEMENT_MODES, DEPENDENCY_TYPES
from schemas.base import WireSchema
from schemas.checks import Checks, CheckSchema
from schemas.fields import (
    Boolean,
    Choice,
    JsonInteger,
    Name,
    PlainString,
    Reference,
    Timestamp,
    WireField,
)

# The most steps a path may have: a 1 MiB body could otherwise hold 68,000
# of them and take seconds of a worker (docs/api.md, Create Path).
STEPS_MAX = 1000


class ObjectList(WireField, fields.List):
    """A non-empty JSON array of objects, each loaded by `schema` (`steps`).

    Missing, null, not an array or empty: "{field} is required". More than
    `maximum` items: "{field} must be a list of at most {maximum} steps",
    checked before any item, so that no body within the size limit costs more
    than its bound of work. An item that is not an object: "{field}[i] must be
    an object". Item field errors come
    back keyed by index, which `jobs.errors.flatten_errors` turns into
    `steps[0].name`.
    """

    default_error_messages = {
        "required": "{field} is required",
        "null": "{field} is required",
        "invalid": "{field} is required",
        "too_long": "{field} must be a list of at most {maximum} steps",
        "not_object": "{field}[{index}] must be an object",
    }

    def __init__(self, schema, *, maximum: int, **kwargs):
        super().__init__(fields.Nested(schema), **kwargs)
        self.maximum = maximum

    def message_args(self) -> dict:
        """Name the failing item `i` where no index is known (the OpenAPI examples)."""
        return {"index": "i", "maximum": self.maximum}

    def openapi(self) -> dict:
        """1 to `maximum` items."""
        return {"minItems": 1, "maxItems": self.maximum}

    def _deserialize(self, value, attr, data, **kwargs) -> list[dict]:
        if not isinstance(value, list) or not value:
            raise self.make_error("invalid")
        if len(value) > self.maximum:
            raise self.make_error("too_long")
        not_objects = {
            index: self.make_error("not_object", index=index).messages
            for index, item in enumerate(value) if not isinstance(item, dict)
        }
        if not_objects:
            raise ValidationError(not_objects)
        return super()._deserialize(value, attr, data, **kwargs)


class StepSchema(WireSchema):
    """A ProcessStep as sent to clients."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    order = fields.Integer(required=True)
    location = fields.String()
    optional = fields.Boolean(required=True)
    dependency_type = Choice(DEPENDENCY_TYPES, data_key="dependencyType", required=True)
    checks = fields.List(fields.Nested(CheckSchema), required=True)


class PathSchema(WireSchema):
    """A Path as sent to clients, its steps ordered by `order`."""

    id = fields.String(required=True)
    job_id = fields.String(data_key="jobId", required=True)
    name = fields.String(required=True)
    goal_quantity = fields.Integer(data_key="goalQuantity", required=True)
    advancement_mode = Choice(ADVANCEMENT_MODES, data_key="advancementMode", required=True)
    steps = fields.List(fields.Nested(StepSchema), required=True)
    created_at = Timestamp(data_key="createdAt", required=True)
    updated_at = Timestamp(data_key="updatedAt", required=True)


class StepCreateSchema(WireSchema):
    """One item of Create Path's `steps`, checked in the documented order.

    `location` is not in docs/api.md's message list; its check comes before `checks`.
    """

    name = Name(required=True)
    dependency_type = Choice(
        DEPENDENCY_TYPES, data_key="dependencyType", load_default="preferred"
    )
    optional = Boolean(load_default=False)
    location = PlainString()
    checks = Checks(load_default=list)


class PathCreateSchema(WireSchema):
    """POST /api/paths body, fields in docs/api.md's validation order."""

    job_id = Reference(data_key="jobId", required=True)
    name = Name(required=True)
    goal_quantity = JsonInteger(
        data_key="goalQuantity", required=True, error_messages={"null": "{field} is required"}
    )
    advancement_mode = Choice(ADVANCEMENT_MODES, data_key="advancementMode", load_default="strict")
    steps = ObjectList(StepCreateSchema, maximum=STEPS_MAX, required=True)


class PathUpdateSchema(WireSchema):
    """PUT/PATCH /api/paths/{id} body: a partial update exactly like Update Job's.

    Only fields present load; `steps`, `jobId`, timestamps and unknown fields
    are dropped.
    """

    name = Name(empty="{field} cannot be empty")
    goal_quantity = JsonInteger(data_key="goalQuantity")
    advancement_mode = Choice(ADVANCEMENT_MODES, data_key="advancementMode")
