"""Serial request and response schemas (docs/api.md: Serial)."""
from marshmallow import fields

from jobs.vocabulary import SCRAP_REASONS, SERIAL_STATUSES
from schemas.base import QuerySchema, WireSchema
from schemas.fields import Choice, JsonInteger, PlainString, Reference, Timestamp

MAX_BATCH = 10000
NOTE_MAX = 1000


class SerialSchema(WireSchema):
    """A Serial as sent to clients, fields in the documented order."""

    id = fields.String(required=True)
    job_id = fields.String(data_key="jobId", required=True)
    path_id = fields.String(data_key="pathId", required=True)
    current_step_index = fields.Integer(data_key="currentStepIndex", required=True)
    status = Choice(SERIAL_STATUSES, required=True)
    scrap_reason = Choice(SCRAP_REASONS, data_key="scrapReason")
    scrap_note = fields.String(data_key="scrapNote")
    created_at = Timestamp(data_key="createdAt", required=True)
    updated_at = Timestamp(data_key="updatedAt", required=True)


class SerialCreateSchema(WireSchema):
    """POST /api/serials body: `jobId`, `pathId`, `quantity` (1…10000)."""

    job_id = Reference(data_key="jobId", required=True)
    path_id = Reference(data_key="pathId", required=True)
    quantity = JsonInteger(
        required=True, maximum=MAX_BATCH, error_messages={"null": "{field} is required"}
    )


class SerialFilterSchema(QuerySchema):
    """GET /api/serials query: optional exact-match filters `jobId`, `pathId`, `status`."""

    job_id = PlainString(data_key="jobId")
    path_id = PlainString(data_key="pathId")
    status = Choice(SERIAL_STATUSES)


class ScrapSchema(WireSchema):
    """POST /api/serials/{id}/scrap body: `reason` (required), `note` (optional)."""

    reason = Choice(SCRAP_REASONS, required=True)
    note = PlainString(maximum=NOTE_MAX)
