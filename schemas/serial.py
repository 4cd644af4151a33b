"""Serial request and response schemas (docs/api.md: Serial)."""
from marshmallow import fields

from jobs.vocabulary import SCRAP_REASONS, SERIAL_STATUSES
from schemas.base import WireSchema
from schemas.fields import Choice, JsonInteger, PlainString, Reference, StepIndex, Timestamp
from schemas.query import PageQuerySchema, QueryText, QueryTimestamp

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


class SerialListSchema(PageQuerySchema):
    """GET /api/serials query: `limit`, `cursor`, then the optional filters, all ANDed.

    `jobId`, `pathId`, `status`: exact; `updatedAfter`: only serials updated later.
    """

    job_id = QueryText(data_key="jobId")
    path_id = QueryText(data_key="pathId")
    status = Choice(SERIAL_STATUSES)
    updated_after = QueryTimestamp(data_key="updatedAfter", metadata={
        "description": "Only serials whose `updatedAt` is later than this."})


class ScrapSchema(WireSchema):
    """POST /api/serials/{id}/scrap body: `reason` (required), `note` (optional)."""

    reason = Choice(SCRAP_REASONS, required=True)
    note = PlainString(maximum=NOTE_MAX)


class AdvanceSchema(WireSchema):
    """POST /api/serials/{id}/advance body (optional): `expectedStepIndex`, an integer >= 0."""

    expected_step_index = StepIndex(data_key="expectedStepIndex")
