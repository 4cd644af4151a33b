"""Serial request and response schemas (docs/api.md: Serial)."""
from marshmallow import ValidationError, fields, pre_load

from jobs.vocabulary import SCRAP_REASONS, SERIAL_STATUSES
from schemas.base import WireSchema
from schemas.fields import Choice, JsonInteger, PlainString, Reference, Timestamp

FILTERS = ("jobId", "pathId", "status")
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


class SerialFilterSchema(WireSchema):
    """GET /api/serials query: optional exact-match filters `jobId`, `pathId`, `status`.

    Loads a werkzeug MultiDict. An empty value (`?jobId=`) means no filter; a
    filter given twice is ambiguous: "{field} must be given at most once".
    """

    job_id = PlainString(data_key="jobId")
    path_id = PlainString(data_key="pathId")
    status = Choice(SERIAL_STATUSES)

    @pre_load
    def _single_values(self, args, **kwargs) -> dict:
        repeated = {
            key: [f"{key} must be given at most once"]
            for key in FILTERS if len(args.getlist(key)) > 1
        }
        if repeated:
            raise ValidationError(repeated)
        return {key: args[key] for key in FILTERS if args.get(key)}


class ScrapSchema(WireSchema):
    """POST /api/serials/{id}/scrap body: `reason` (required), `note` (optional)."""

    reason = Choice(SCRAP_REASONS, required=True)
    note = PlainString(maximum=NOTE_MAX)
