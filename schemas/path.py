"""Path and ProcessStep request and response schemas (API.md: Path)."""
from marshmallow import fields

from schemas.base import WireSchema
from schemas.fields import Boolean, Choice, JsonInteger, Name, ObjectList, PlainString, Reference
from schemas.fields import Timestamp

ADVANCEMENT_MODES = ("strict", "flexible", "per_step")
DEPENDENCY_TYPES = ("physical", "preferred", "completion_gate")


class StepSchema(WireSchema):
    """A ProcessStep as sent to clients."""

    id = fields.String()
    name = fields.String()
    order = fields.Integer()
    location = fields.String()
    optional = fields.Boolean()
    dependency_type = fields.String(data_key="dependencyType")


class PathSchema(WireSchema):
    """A Path as sent to clients, its steps ordered by `order`."""

    id = fields.String()
    job = fields.String(data_key="jobId")
    name = fields.String()
    goal_quantity = fields.Integer(data_key="goalQuantity")
    advancement_mode = fields.String(data_key="advancementMode")
    steps = fields.List(fields.Nested(StepSchema))
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")


class StepCreateSchema(WireSchema):
    """One item of Create Path's `steps`, checked in the documented order.

    `location` is not in API.md's message list; its check comes last.
    """

    name = Name(required=True)
    dependency_type = Choice(
        DEPENDENCY_TYPES, data_key="dependencyType", load_default="preferred"
    )
    optional = Boolean(load_default=False)
    location = PlainString()


class PathCreateSchema(WireSchema):
    """POST /api/paths body, fields in API.md's validation order."""

    job_id = Reference(data_key="jobId", required=True)
    name = Name(required=True)
    goal_quantity = JsonInteger(
        data_key="goalQuantity", required=True, error_messages={"null": "{field} is required"}
    )
    advancement_mode = Choice(ADVANCEMENT_MODES, data_key="advancementMode", load_default="strict")
    steps = ObjectList(StepCreateSchema, required=True)


class PathUpdateSchema(WireSchema):
    """PUT/PATCH /api/paths/{id} body: a partial update exactly like Update Job's.

    Only fields present load; `steps`, `jobId`, timestamps and unknown fields
    are dropped.
    """

    name = Name(empty="{field} cannot be empty")
    goal_quantity = JsonInteger(data_key="goalQuantity")
    advancement_mode = Choice(ADVANCEMENT_MODES, data_key="advancementMode")
