"""GET /api/lookup: its query and its answer (docs/api.md, Scans: Lookup)."""
from marshmallow import fields

from schemas.base import WireSchema
from schemas.fields import SPACE
from schemas.job import JobDetailSchema
from schemas.path import PathSchema, StepSchema
from schemas.query import QuerySchema
from schemas.serial import SerialDetailSchema

KINDS = ("serial", "job", "path", "step")
# For the document: something other than what `str.strip` removes, and no NUL.
CODE_PATTERN = f"^[^\\u0000]*[^{SPACE}\\u0000][^\\u0000]*$"


class Code(fields.String):
    """What the scanner read, trimmed of white space (CR and LF too); empty: `code is required`."""

    # An empty `code=` is not "no code given" but the same mistake, with the same message.
    keeps_empty = True
    default_error_messages = {"required": "code is required", "invalid": "code is required",
                              "nul": "code must not contain NUL characters"}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        code = value.strip()
        if not code:
            raise self.make_error("invalid")
        if "\x00" in code:
            raise self.make_error("nul")
        return code


class LookupQuerySchema(QuerySchema):
    """GET /api/lookup query: `code` (required)."""

    code = Code(required=True, metadata={
        "pattern": CODE_PATTERN,
        "description": "what the scanner read; white space around it is dropped"})


class StepFoundSchema(StepSchema):
    """A step as Lookup answers it: the step object, then `pathId` and `jobId`."""

    path_id = fields.String(data_key="pathId", required=True)
    job_id = fields.String(data_key="jobId", required=True)


class LookupSchema(WireSchema):
    """Lookup's answer: `kind`, then the object under that name, as its own GET answers it."""

    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    serial = fields.Nested(SerialDetailSchema)
    job = fields.Nested(JobDetailSchema)
    path = fields.Nested(PathSchema)
    step = fields.Nested(StepFoundSchema)
