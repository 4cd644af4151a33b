"""A step's checks (docs/api.md, Inspections): Create Path's `steps[i].checks`, Get Path's.

Messages name the check's full path (`steps[1].checks[0].upper must be a
number`): field messages by their leaf, which the error envelope prefixes;
a check's own rules by its index, written `{j} ...` for the same reason.
"""
from decimal import Decimal

from marshmallow import ValidationError, fields

from jobs.services.inspections import is_finite_number
from schemas.base import WireSchema
from schemas.fields import Boolean, Choice, Name, PlainString, WireField

KINDS = ("pass_fail", "measurement")
MAX_CHECKS = 50
UNIT_MAX = 32


class Limit(WireField):
    """A check's `lower` or `upper`: a JSON number within a double's range, kept exactly as sent."""

    openapi_type = "number"

    default_error_messages = {"invalid": "{field} must be a number",
                              "null": "{field} must be a number"}

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if not is_finite_number(value):
            raise self.make_error("invalid")
        return value


class CheckCreateSchema(WireSchema):
    """One check of Create Path's `steps[i].checks`, fields in the documented order."""

    name = Name(required=True)
    kind = Choice(KINDS, required=True)
    unit = PlainString(maximum=UNIT_MAX)
    lower = Limit()
    upper = Limit()
    required = Boolean(load_default=True)


def _check_rules(index: int, check: dict) -> list | dict | None:
    """The first rule check `index` breaks as a whole (its error entry); None when none."""
    has = [field for field in ("lower", "upper", "unit") if check.get(field) is not None]
    if check["kind"] != "measurement":
        return {has[0]: [f"{has[0]} is only for measurement checks"]} if has else None
    lower, upper = check.get("lower"), check.get("upper")
    if lower is None and upper is None:
        return [f"{index} needs lower or upper"]
    if lower is not None and upper is not None and lower > upper:
        return {"lower": ["lower must not be greater than upper"]}
    return None


class Checks(WireField, fields.List):
    """Up to 50 checks with unique names ("{field} must be a list of at most 50 checks")."""

    default_error_messages = {
        "invalid": "{field} must be a list of at most 50 checks",
        "null": "{field} must be a list of at most 50 checks",
    }

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(CheckCreateSchema), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> list[dict]:
        if not isinstance(value, list) or len(value) > MAX_CHECKS:
            raise self.make_error("invalid")
        not_objects = {j: [f"{j} must be an object"] for j, item in enumerate(value)
                       if not isinstance(item, dict)}
        if not_objects:
            raise ValidationError(not_objects)
        checks = super()._deserialize(value, attr, data, **kwargs)
        errors, seen = {}, set()
        for j, check in enumerate(checks):
            if check["name"] in seen:
                errors[j] = {"name": ["name must be unique in the step"]}
            elif (broken := _check_rules(j, check)) is not None:
                errors[j] = broken
            seen.add(check["name"])
        if errors:
            raise ValidationError(errors)
        return checks

    def openapi(self) -> dict:
        """At most `MAX_CHECKS`."""
        return {"maxItems": MAX_CHECKS}


class CheckSchema(WireSchema):
    """A check as Get Path shows it; absent fields are left out."""

    name = fields.String(required=True)
    kind = Choice(KINDS, required=True)
    unit = fields.String()
    lower = Limit(metadata={"type": "number"})
    upper = Limit(metadata={"type": "number"})
    required = fields.Boolean(required=True)
