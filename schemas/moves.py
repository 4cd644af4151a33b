"""Request bodies of a serial's moves (docs/api.md, The floor's real day).

A field whose rule needs the serial (`toStepIndex`'s range, `expectedStepId`
on the serial's path) loads as sent; the service checks it in the documented
order, after the status rules.
"""
from decimal import Decimal

from marshmallow import fields

from jobs.vocabulary import SCRAP_REASONS
from schemas.base import WireSchema
from schemas.fields import (
    INT64_MAX,
    INT64_MIN,
    Boolean,
    Choice,
    PlainString,
    StepIndex,
    WireField,
    trimmed_pattern,
)

TEXT_MAX = 1000
MAX_VOID = 10000
OPERATOR_MAX = 64


class Operator(WireField):
    """The badge at a shared station: a string, trimmed, 1 to 64 characters."""

    openapi_type = "string"

    default_error_messages = {
        "invalid": "{field} must be a string of 1 to 64 characters",
        "null": "{field} must be a string of 1 to 64 characters",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if not isinstance(value, str) or not 0 < len(value.strip()) <= OPERATOR_MAX \
                or "\x00" in value:
            raise self.make_error("invalid")
        return value.strip()

    def openapi(self) -> dict:
        """1 to `OPERATOR_MAX` characters once trimmed."""
        return {"pattern": trimmed_pattern(OPERATOR_MAX)}


class Text(WireField):
    """A required free text (a reason): trimmed, 1 to 1000 characters."""

    openapi_type = "string"

    default_error_messages = {
        "required": "{field} is required",
        "null": "{field} is required",
        "invalid": "{field} is required",
        "too_long": "{field} must be at most 1000 characters",
        "nul": "{field} must not contain NUL characters",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.make_error("invalid")
        if len(value.strip()) > TEXT_MAX:
            raise self.make_error("too_long")
        if "\x00" in value:
            raise self.make_error("nul")
        return value.strip()

    def openapi(self) -> dict:
        """1 to `TEXT_MAX` characters once trimmed."""
        return {"pattern": trimmed_pattern(TEXT_MAX)}


def as_sent(**kwargs) -> fields.Raw:
    """A field loaded as sent, `null` included (the service checks it)."""
    return fields.Raw(allow_none=True, **kwargs)


class AdvanceSchema(WireSchema):
    """POST /api/serials/{id}/advance body (optional; docs/api.md, Route rules)."""

    expected_step_index = StepIndex(data_key="expectedStepIndex")
    expected_step_id = as_sent(data_key="expectedStepId")
    to_step_index = as_sent(data_key="toStepIndex")
    bypass_current = Boolean(data_key="bypassCurrent")
    results = as_sent(metadata={"description": "check name -> true/false or a number"})
    operator = Operator()


class ScrapSchema(WireSchema):
    """POST /api/serials/{id}/scrap body: `reason` (required), `note`, `operator`, the guards."""

    reason = Choice(SCRAP_REASONS, required=True)
    note = PlainString(maximum=TEXT_MAX)
    operator = Operator()
    expected_step_index = StepIndex(data_key="expectedStepIndex")
    expected_step_id = as_sent(data_key="expectedStepId")


class StepCompleteSchema(WireSchema):
    """POST /api/serials/{id}/steps/{stepId}/complete body: `results`, `operator`."""

    results = as_sent(metadata={"description": "check name -> true/false or a number"})
    operator = Operator()


class WaiveSchema(WireSchema):
    """POST /api/serials/{id}/steps/{stepId}/waive body: `reason` (required), `operator`."""

    reason = Text(required=True)
    operator = Operator()


class StepRange(WireField):
    """A step index from 0 to `highest` ("{field} must be from 0 to {highest}"); loads to int."""

    openapi_type = "integer"

    default_error_messages = {"required": "{field} is required",
                              "invalid": "{field} must be from 0 to {highest}",
                              "null": "{field} must be from 0 to {highest}"}

    def __init__(self, highest: int | str = "{max}", **kwargs):
        super().__init__(**kwargs)
        self.highest = highest

    def message_args(self) -> dict:
        """The bound in the range message."""
        return {"highest": self.highest}

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        # The range first: int() of a number like 1e1000000 costs seconds of CPU.
        if not isinstance(value, Decimal) or not value.is_finite() \
                or not 0 <= value <= self.highest or value != int(value):
            raise self.make_error("invalid")
        return int(value)

    def openapi(self) -> dict:
        """From 0; the top is the serial's own."""
        return {"minimum": 0, "description": "from 0 to the serial's own highest step"}


class ReworkSchema(WireSchema):
    """POST /api/serials/{id}/rework body, in the documented check order.

    Made per request with the serial's `highest` step (`toStepIndex`'s range
    is a field rule); the class itself documents the body.
    """

    to_step_index = StepRange(data_key="toStepIndex", required=True)
    reason = Choice(SCRAP_REASONS, required=True)
    note = PlainString(maximum=TEXT_MAX)
    operator = Operator()

    def __init__(self, highest: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if highest is not None:
            self.fields["to_step_index"].highest = highest


class EventId(WireField):
    """An event id: a JSON integer ("{field} must be an integer")."""

    openapi_type = "integer"

    default_error_messages = {"invalid": "{field} must be an integer",
                              "null": "{field} must be an integer"}

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if not isinstance(value, Decimal) or not value.is_finite() \
                or value != value.to_integral_value():
            raise self.make_error("invalid")
        # Beyond the ids' 64-bit range it names no event; it stays as the client wrote it
        # (`1e400`, not Decimal's `1E+400`), for the message; int() of a number like
        # 1e1000000 would cost seconds of CPU.
        if INT64_MIN <= value <= INT64_MAX:
            return int(value)
        return str(value).replace("E+", "e").replace("E", "e")

    def openapi(self) -> dict:
        """The ids' 64-bit range."""
        return {"minimum": INT64_MIN, "maximum": INT64_MAX}


class UndoSchema(WireSchema):
    """POST /api/serials/{id}/undo body: `reason` (required), `eventId`, `operator`."""

    reason = Text(required=True)
    event_id = EventId(data_key="eventId")
    operator = Operator()


class SerialIds(WireField):
    """1 to 10000 serial ids (strings), none repeated."""

    openapi_type = "array"

    default_error_messages = {
        "required": "{field} must be a list of 1 to 10000 serial ids",
        "invalid": "{field} must be a list of 1 to 10000 serial ids",
        "null": "{field} must be a list of 1 to 10000 serial ids",
        "repeated": "{field} must not repeat an id",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        if not isinstance(value, list) or not 0 < len(value) <= MAX_VOID \
                or not all(isinstance(item, str) and item for item in value):
            raise self.make_error("invalid")
        if len(set(value)) != len(value):
            raise self.make_error("repeated")
        return value

    def openapi(self) -> dict:
        """1 to `MAX_VOID` distinct non-empty strings."""
        return {"minItems": 1, "maxItems": MAX_VOID, "uniqueItems": True,
                "items": {"type": "string", "minLength": 1}}


class VoidSchema(WireSchema):
    """POST /api/serials/void body: `serialIds` (1-10000, distinct), `reason`."""

    serial_ids = SerialIds(data_key="serialIds", required=True)
    reason = Text(required=True)
