"""History event schemas (docs/api.md, History): the Event object and the events query."""
from marshmallow import fields

from schemas.base import WireSchema
from schemas.fields import PlainString, QueryInteger, Timestamp
from schemas.query import QuerySchema


class EventSchema(WireSchema):
    """One recorded change, fields in the documented order; `pathId`/`serialId` when present."""

    id = fields.Integer(required=True)
    at = Timestamp(required=True)
    type = fields.String(required=True)
    actor = fields.String(required=True)
    request_id = fields.String(data_key="requestId", required=True)
    job_id = fields.String(data_key="jobId", required=True)
    path_id = fields.String(data_key="pathId")
    serial_id = fields.String(data_key="serialId")
    data = fields.Dict(required=True, metadata={"description": "by type (docs/api.md, History)"})


class EventFilterSchema(QuerySchema):
    """GET /api/events query: `after` (an event id) and exact-match filters; all optional."""

    after = QueryInteger()
    job_id = PlainString(data_key="jobId")
    path_id = PlainString(data_key="pathId")
    serial_id = PlainString(data_key="serialId")
    event_type = PlainString(data_key="type")
    actor = PlainString()
