"""Job request and response schemas (docs/api.md: Job, Update Job)."""
from marshmallow import fields

from schemas.base import WireSchema
from schemas.fields import JsonInteger, Name, PlainString, StringList, Timestamp
from schemas.path import PathSchema
from schemas.query import SEARCH_MAX, PageQuerySchema, QueryText, QueryTimestamp


class JobSchema(WireSchema):
    """The Job object as sent to clients, fields in the documented order."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    goal_quantity = fields.Integer(data_key="goalQuantity", required=True)
    jira_ticket_key = fields.String(data_key="jiraTicketKey")
    jira_ticket_summary = fields.String(data_key="jiraTicketSummary")
    jira_part_number = fields.String(data_key="jiraPartNumber")
    jira_priority = fields.String(data_key="jiraPriority")
    jira_epic_link = fields.String(data_key="jiraEpicLink")
    jira_labels = fields.List(fields.String(), data_key="jiraLabels")
    created_at = Timestamp(data_key="createdAt", required=True)
    updated_at = Timestamp(data_key="updatedAt", required=True)


class JobCreateSchema(WireSchema):
    """POST /api/jobs body: `name` and `goalQuantity` required, Jira fields optional.

    `id`, `createdAt` and `updatedAt` are not fields here, so they are ignored.
    """

    name = Name(required=True)
    goal_quantity = JsonInteger(
        data_key="goalQuantity",
        required=True,
        error_messages={"null": "{field} is required"},
    )
    jira_ticket_key = PlainString(data_key="jiraTicketKey")
    jira_ticket_summary = PlainString(data_key="jiraTicketSummary")
    jira_part_number = PlainString(data_key="jiraPartNumber")
    jira_priority = PlainString(data_key="jiraPriority")
    jira_epic_link = PlainString(data_key="jiraEpicLink")
    jira_labels = StringList(data_key="jiraLabels")


class JobUpdateSchema(WireSchema):
    """PUT/PATCH /api/jobs/{id} body (docs/api.md, Update Job): a partial update.

    Only `name` and `goalQuantity` load; absent fields stay absent from the
    result, and Jira fields, `id`, timestamps and unknown fields are dropped.
    """

    name = Name(empty="{field} cannot be empty")
    goal_quantity = JsonInteger(data_key="goalQuantity")


class JobListSchema(PageQuerySchema):
    """GET /api/jobs query: `limit`, `cursor`, then the optional filters, all ANDed."""

    q = QueryText(maximum=SEARCH_MAX, metadata={"description": (
        "Jobs whose `name`, `jiraTicketKey` or `jiraPartNumber` contains this text, "
        "ignoring case; `%` and `_` match themselves.")})
    jira_ticket_key = QueryText(data_key="jiraTicketKey", metadata={
        "description": "Jobs with exactly this `jiraTicketKey`."})
    updated_after = QueryTimestamp(data_key="updatedAfter", metadata={
        "description": "Only jobs whose `updatedAt` is later than this."})


def percent_field() -> fields.Raw:
    """`percentComplete`: 2 decimals, a whole number dumped as an int (`progress.percent`)."""
    return fields.Raw(data_key="percentComplete", required=True, metadata={"type": "number"})


def yield_field() -> fields.Raw:
    """`firstPassYield`: 1 decimal, absent while nothing is completed (`progress.percent`)."""
    return fields.Raw(data_key="firstPassYield", metadata={"type": "number"})


class StepProgressSchema(WireSchema):
    """One step of a path's progress: the serials waiting, held and deferred there."""

    step_id = fields.String(data_key="stepId", required=True)
    name = fields.String(required=True)
    waiting = fields.Integer(required=True)
    on_hold = fields.Integer(data_key="onHold", required=True)
    deferred = fields.Integer(required=True)


class PathProgressSchema(WireSchema):
    """One entry of `progress.pathProgress` (docs/api.md, Progress, extended)."""

    path_id = fields.String(data_key="pathId", required=True)
    path_name = fields.String(data_key="pathName", required=True)
    goal = fields.Integer(required=True)
    completed = fields.Integer(required=True)
    on_hold = fields.Integer(data_key="onHold", required=True)
    reworked = fields.Integer(required=True)
    percent_complete = percent_field()
    first_pass_yield = yield_field()
    steps = fields.List(fields.Nested(StepProgressSchema), required=True)


class ProgressSchema(WireSchema):
    """Get Job's `progress` object (docs/api.md: Get Job; Progress, extended)."""

    total_goal = fields.Integer(data_key="totalGoal", required=True)
    total_completed = fields.Integer(data_key="totalCompleted", required=True)
    total_in_progress = fields.Integer(data_key="totalInProgress", required=True)
    total_on_hold = fields.Integer(data_key="totalOnHold", required=True)
    total_scrapped = fields.Integer(data_key="totalScrapped", required=True)
    total_reworked = fields.Integer(data_key="totalReworked", required=True)
    percent_complete = percent_field()
    first_pass_yield = yield_field()
    path_progress = fields.List(
        fields.Nested(PathProgressSchema), data_key="pathProgress", required=True
    )


class JobDetailSchema(JobSchema):
    """Get Job's answer: the Job fields, then `paths` and `progress`."""

    paths = fields.List(fields.Nested(PathSchema), required=True)
    progress = fields.Nested(ProgressSchema, required=True)
