"""Serial request and response schemas (API.md: Serial)."""
from marshmallow import fields, validate

from schemas.base import WireSchema
from schemas.fields import Choice, JsonInteger, PlainString, Reference, Timestamp

STATUSES = ("in_progress", "completed", "scrapped")
SCRAP_REASONS = ("out_of_tolerance", "process_defect", "damaged", "operator_error", "other")
MAX_BATCH = 10000
NOTE_MAX = 1000


class SerialSchema(WireSchema):
    """A Serial as sent to clients, fields in the documented order."""

    id = fields.String()
    job_id = fields.String(data_key="jobId")
    path_id = fields.String(data_key="pathId")
    current_step_index = fields.Integer(data_key="currentStepIndex")
    status = fields.String()
    scrap_reason = fields.String(data_key="scrapReason")
    scrap_note = fields.String(data_key="scrapNote")
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")


class SerialCreateSchema(WireSchema):
    """POST /api/serials body: `jobId`, `pathId`, `quantity` (1…10000)."""

    job_id = Reference(data_key="jobId", required=True)
    path_id = Reference(data_key="pathId", required=True)
    quantity = JsonInteger(
        required=True, maximum=MAX_BATCH, error_messages={"null": "{field} is required"}
    )


class SerialFilterSchema(WireSchema):
    """GET /api/serials query: optional exact-match filters `jobId`, `pathId`, `status`."""

    job_id = PlainString(data_key="jobId")
    path_id = PlainString(data_key="pathId")
    status = Choice(STATUSES)


class ScrapSchema(WireSchema):
    """POST /api/serials/{id}/scrap body: `reason` (required), `note` (optional)."""

    reason = Choice(SCRAP_REASONS, required=True)
    note = PlainString(
        validate=validate.Length(max=NOTE_MAX, error="note must be at most {max} characters")
    )
