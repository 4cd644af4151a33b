"""The as-built record (docs/api.md, Records an auditor can trust: As-built record) and its
signed link."""
from marshmallow import fields

from schemas.base import WireSchema
from schemas.fields import Timestamp
from schemas.serial import SerialDetailSchema


class RecordJobSchema(WireSchema):
    """The record's job: `id`, `name`, `jiraTicketKey`, `jiraPartNumber` (when set)."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    jira_ticket_key = fields.String(data_key="jiraTicketKey")
    jira_part_number = fields.String(data_key="jiraPartNumber")


class RecordPathSchema(WireSchema):
    """The record's path: `id`, `name`."""

    id = fields.String(required=True)
    name = fields.String(required=True)


class VisitSchema(WireSchema):
    """One arrival at a step, or one step jumped over; `leftAt`/`outcome` once it ended."""

    step_index = fields.Integer(data_key="stepIndex", required=True)
    step = fields.String(required=True)
    visit = fields.Integer(required=True)
    arrived_at = Timestamp(data_key="arrivedAt", required=True)
    left_at = Timestamp(data_key="leftAt")
    outcome = fields.String()
    actor = fields.String(required=True)
    operator = fields.String()
    results = fields.List(fields.Dict())


class RecordHoldSchema(WireSchema):
    """One hold: where, why, when, and its release when released."""

    step_index = fields.Integer(data_key="stepIndex", required=True)
    step = fields.String(required=True)
    reason = fields.String(required=True)
    note = fields.String()
    failed_checks = fields.List(fields.String(), data_key="failedChecks")
    held_at = Timestamp(data_key="heldAt", required=True)
    released_at = Timestamp(data_key="releasedAt")
    disposition = fields.String()


class UndoneSchema(WireSchema):
    """A move that was undone (`eventId`, `type`) and its undo (`undoneAt`, `reason`)."""

    event_id = fields.Integer(data_key="eventId", required=True)
    type = fields.String(required=True)
    undone_at = Timestamp(data_key="undoneAt", required=True)
    reason = fields.String(required=True)


class RecordSchema(WireSchema):
    """The serial's travel document, fields in the documented order."""

    job = fields.Nested(RecordJobSchema, required=True)
    path = fields.Nested(RecordPathSchema, required=True)
    serial = fields.Nested(SerialDetailSchema, required=True)
    visits = fields.List(fields.Nested(VisitSchema), required=True)
    holds = fields.List(fields.Nested(RecordHoldSchema), required=True)
    undone = fields.List(fields.Nested(UndoneSchema), required=True)
    last_event_hash = fields.String(data_key="lastEventHash")


class RecordLinkSchema(WireSchema):
    """`{"url": "/serials/{id}/record?expires=…&signature=…"}`."""

    url = fields.String(required=True)
