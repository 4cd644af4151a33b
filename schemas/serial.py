"""Serial request and response schemas (docs/api.md: Serial)."""
from marshmallow import fields

from jobs.vocabulary import SCRAP_REASONS, SERIAL_STATUSES, STEP_STATES
from schemas.base import WireSchema
from schemas.fields import Choice, JsonInteger, Reference, Timestamp
from schemas.query import PageQuerySchema, QueryText, QueryTimestamp

MAX_BATCH = 10000


class HoldSchema(WireSchema):
    """A held serial's `hold` (documentation of `Hold`'s shape)."""

    reason = fields.String(required=True)
    note = fields.String()
    failed_checks = fields.List(fields.String(), data_key="failedChecks")
    since = Timestamp(required=True)


class Hold(fields.Nested):
    """`hold`: the row's `hold_*` columns while set (docs/api.md, Serial, extended)."""

    def __init__(self, **kwargs):
        super().__init__(HoldSchema, attribute="hold_reason", **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        hold = {"reason": value, "note": obj.get("hold_note"),
                "failed_checks": obj.get("hold_failed_checks"), "since": obj.get("hold_since")}
        return self.schema.dump(hold)


class SerialSchema(WireSchema):
    """A Serial as sent to clients (lists, Create Serials), fields in the documented order."""

    id = fields.String(required=True)
    job_id = fields.String(data_key="jobId", required=True)
    path_id = fields.String(data_key="pathId", required=True)
    current_step_index = fields.Integer(data_key="currentStepIndex", required=True)
    current_step_id = fields.String(data_key="currentStepId")
    status = Choice(SERIAL_STATUSES, required=True)
    rework_count = fields.Integer(data_key="reworkCount", required=True)
    hold = Hold()
    scrap_reason = Choice(SCRAP_REASONS, data_key="scrapReason")
    scrap_note = fields.String(data_key="scrapNote")
    created_at = Timestamp(data_key="createdAt", required=True)
    updated_at = Timestamp(data_key="updatedAt", required=True)


class SerialStepSchema(WireSchema):
    """One item of a serial's `steps`: the step, its state for this serial, its visits."""

    step_id = fields.String(data_key="stepId", required=True)
    name = fields.String(required=True)
    state = Choice(STEP_STATES, required=True)
    visits = fields.Integer(required=True)


class SerialDetailSchema(SerialSchema):
    """Get Serial and every move's answer: the Serial, then `steps`."""

    steps = fields.List(fields.Nested(SerialStepSchema), required=True)


class SerialCreateSchema(WireSchema):
    """POST /api/serials body: `jobId`, `pathId`, `quantity` (1…10000)."""

    job_id = Reference(data_key="jobId", required=True)
    path_id = Reference(data_key="pathId", required=True)
    quantity = JsonInteger(
        required=True, maximum=MAX_BATCH, error_messages={"null": "{field} is required"}
    )


class SerialListSchema(PageQuerySchema):
    """GET /api/serials query: `limit`, `cursor`, then the optional filters, all ANDed.

    `jobId`, `pathId`, `status`, `stepId`: exact; `updatedAfter`: only serials updated
    later. `stepId` without `status`: the serials `in_progress` or `on_hold` there.
    """

    job_id = QueryText(data_key="jobId")
    path_id = QueryText(data_key="pathId")
    status = Choice(SERIAL_STATUSES)
    updated_after = QueryTimestamp(data_key="updatedAfter", metadata={
        "description": "Only serials whose `updatedAt` is later than this."})
    step_id = QueryText(data_key="stepId", metadata={
        "description": "Serials whose current step it is: `in_progress` or `on_hold`, "
                       "or of `status` when given (docs/api.md, Scans)."})
