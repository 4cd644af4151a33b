"""Hold and Release bodies (docs/api.md, Holds and dispositions; Precisions: Holds).

Release reads its body in two steps, as its check order asks: the
`disposition` (and the common fields), `ReleaseSchema()`, then, once the
serial is known to be on hold, the disposition's own fields too,
`ReleaseSchema(highest)` (`release_fields`).
"""
from marshmallow import fields

from jobs.vocabulary import HOLD_REASONS, SCRAP_REASONS
from schemas.base import WireSchema
from schemas.fields import Choice, PlainString
from schemas.moves import TEXT_MAX, Operator, StepRange

DISPOSITIONS = ("continue", "use_as_is", "rework", "scrap")


class HoldRequestSchema(WireSchema):
    """POST /api/serials/{id}/hold body: `reason` (required), `note`, `operator`."""

    reason = Choice(HOLD_REASONS, required=True)
    note = PlainString(maximum=TEXT_MAX)
    operator = Operator()


class ReleaseSchema(WireSchema):
    """POST /api/serials/{id}/release body: `disposition` first, then per disposition.

    Documents every field; the disposition's own rules are `release_fields`', which
    a schema made with `highest` (the serial's last step, known once it is on
    hold) loads after the common fields.
    """

    disposition = Choice(DISPOSITIONS, required=True)
    note = PlainString(maximum=TEXT_MAX)
    operator = Operator()
    to_step_index = fields.Raw(data_key="toStepIndex", load_only=True, metadata={
        "description": "rework: the step to send the part back to"})
    reason = fields.Raw(load_only=True, metadata={
        "description": "rework and scrap: a scrap reason"})

    def __init__(self, highest: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.highest = highest

    def load(self, data, **kwargs):
        """Load the common fields (`toStepIndex` and `reason` wait for the disposition),
        then, with `highest`, the disposition's own fields."""
        loaded = super().load(data, **kwargs)
        loaded.pop("to_step_index", None)
        loaded.pop("reason", None)
        if self.highest is None:
            return loaded
        return {**loaded, **release_fields(loaded["disposition"], self.highest).load(data)}


class ReworkFields(WireSchema):
    """A `rework` disposition: `toStepIndex` (0 to the current step) and `reason`."""

    to_step_index = StepRange(data_key="toStepIndex", required=True)
    reason = Choice(SCRAP_REASONS, required=True)

    def __init__(self, highest: int, **kwargs):
        super().__init__(**kwargs)
        self.fields["to_step_index"].highest = highest


class ScrapFields(WireSchema):
    """A `scrap` disposition: `reason`, a scrap reason."""

    reason = Choice(SCRAP_REASONS, required=True)


class UseAsIsFields(WireSchema):
    """A `use_as_is` disposition: `note`, required (the concession's record)."""

    note = PlainString(maximum=TEXT_MAX, required=True, error_messages={
        "required": "note is required for use_as_is", "null": "note is required for use_as_is"})


class ContinueFields(WireSchema):
    """A `continue` disposition: nothing more."""


def release_fields(disposition: str, highest: int) -> WireSchema:
    """Return the schema of `disposition`'s own fields (`highest`: rework's last step)."""
    if disposition == "rework":
        return ReworkFields(highest)
    return {"continue": ContinueFields, "use_as_is": UseAsIsFields,
            "scrap": ScrapFields}[disposition]()
