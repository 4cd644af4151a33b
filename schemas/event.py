"""History event schemas (docs/api.md, History): the Event object and the events query."""
from marshmallow import fields

from schemas.base import WireSchema
from schemas.fields import QueryInteger, Timestamp
from schemas.query import PageQuerySchema, QueryText


class EventSchema(WireSchema):
    """One recorded change, fields in the documented order (`hash` last); `pathId`/`serialId` when
    present."""

    id = fields.Integer(required=True)
    at = Timestamp(required=True)
    type = fields.String(required=True)
    actor = fields.String(required=True)
    operator = fields.String()
    request_id = fields.String(data_key="requestId", required=True)
    scanned_at = Timestamp(data_key="scannedAt")
    job_id = fields.String(data_key="jobId", required=True)
    path_id = fields.String(data_key="pathId")
    serial_id = fields.String(data_key="serialId")
    data = fields.Dict(required=True, metadata={"description": "by type (docs/api.md, History)"})
    hash = fields.String(required=True, metadata={
        "description": "hex SHA-256 linking the event to the one before it (docs/api.md, "
                       "Records an auditor can trust)"})


class EventHeadSchema(WireSchema):
    """The newest event's `id` and `hash` (GET /api/events/head)."""

    id = fields.Integer(required=True)
    hash = fields.String(required=True)


class HistoryQuerySchema(PageQuerySchema):
    """A job's or a serial's history: `limit` and `cursor` only."""


class EventListSchema(PageQuerySchema):
    """GET /api/events query: `limit`, `cursor`, `after` (an event id) and exact-match filters."""

    after = QueryInteger()
    job_id = QueryText(data_key="jobId")
    path_id = QueryText(data_key="pathId")
    serial_id = QueryText(data_key="serialId")
    event_type = QueryText(data_key="type")
    actor = QueryText()
