"""Reusable marshmallow field types for the wire format (docs/api.md, Conventions).

Every message names the field by its wire (camelCase) name, so the same field
class serves `goalQuantity`, `quantity`, `name` and `steps[i].name`.
"""
import re
import time
from decimal import Decimal
from functools import lru_cache

from marshmallow import ValidationError, fields

INT_MAX = 2147483647
NAME_MAX = 255
NUL = "\x00"
# PostgreSQL text cannot hold NUL, so no database stores it (docs/api.md, Decisions).
NUL_MESSAGE = "{field} must not contain NUL characters"
# The range of a 64-bit signed integer column (ids).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_DECIMAL_INTEGER = re.compile(r"[+-]?[0-9]+")
# For the OpenAPI patterns: what `str.strip` removes (Python's white space, \x1c-\x1f
# included), spelled out so that every regex engine reads "something else" the same way.
SPACE = "".join(f"\\u{code:04x}" for code in range(0x110000) if chr(code).isspace())
NO_NUL = "^[^\\u0000]*$"


def trimmed_pattern(maximum: int) -> str:
    """An OpenAPI pattern for text of 1 to `maximum` characters once trimmed of white space,
    without NUL (a name is trimmed before its checks: white space around is allowed)."""
    return (f"^[{SPACE}]*[^{SPACE}\\u0000](?:[^\\u0000]{{0,{maximum - 2}}}"
            f"[^{SPACE}\\u0000])?[{SPACE}]*$")


class WireField(fields.Field):
    """A field whose error messages may use `{field}`, its wire name, and that describes
    itself to the OpenAPI document (`jobs.openapi`): `openapi_type` and `openapi_format`
    (a subclass inherits them) and `openapi()`, its other properties."""

    openapi_type: str | None = None
    openapi_format: str | None = None

    def openapi(self) -> dict:
        """Return the field's OpenAPI properties beyond its type: bounds, pattern, enum."""
        return {}

    def make_error(self, key: str, **kwargs) -> ValidationError:
        """Build the ValidationError for `key`, naming the field as the client sent it."""
        args = {"field": self.data_key or self.name, **self.message_args(), **kwargs}
        return super().make_error(key, **args)

    def message_args(self) -> dict:
        """Return the values the message templates use besides `{field}`."""
        return {}

    def messages(self) -> list[str]:
        """Return every distinct message this field can produce, in declaration order.

        The OpenAPI document shows them as the examples of the 400 answer.
        """
        keys = [key for key, text in self.error_messages.items()
                if "{field}" in text and (key != "required" or self.required)]
        return list(dict.fromkeys(self.make_error(key).messages[0] for key in keys))


class JsonInteger(WireField):
    """A JSON number that must be a positive integer (docs/api.md, Conventions: Integers).

    Accepts `int` and the `Decimal` the body parser makes of JSON numbers;
    rejects strings, booleans, arrays and objects. Checks in the documented
    order: number? -> greater than 0? -> at most `maximum`? -> integer?
    Loads to `int`.
    """

    openapi_type = "integer"
    default_error_messages = {
        "required": "{field} is required",
        "null": "{field} must be a number",
        "invalid": "{field} must be a number",
        "positive": "{field} must be greater than 0",
        "too_large": "{field} must be at most {maximum}",
        "integer": "{field} must be an integer",
    }

    def __init__(self, *, maximum: int = INT_MAX, **kwargs):
        super().__init__(**kwargs)
        self.maximum = maximum

    def message_args(self) -> dict:
        """The bound in "{field} must be at most {maximum}"."""
        return {"maximum": self.maximum}

    def openapi(self) -> dict:
        """From 1 to `maximum`."""
        return {"minimum": 1, "maximum": self.maximum}

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise self.make_error("invalid")
        if value <= 0:
            raise self.make_error("positive")
        if value > self.maximum:
            raise self.make_error("too_large")
        if value != int(value):
            raise self.make_error("integer")
        return int(value)


class StepIndex(WireField):
    """A JSON number that must be an integer >= 0: a step index (docs/api.md, Advance).

    Every other value, `null`, strings and booleans included, fails with the
    one message; integral numbers in any notation (`2.0`, `2e0`) are that
    integer. Past `INT_MAX` no step can be meant: the same message. Loads to `int`.
    """

    openapi_type = "integer"

    default_error_messages = {
        "null": "{field} must be a non-negative integer",
        "invalid": "{field} must be a non-negative integer",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise self.make_error("invalid")
        if not 0 <= value <= INT_MAX or value != int(value):
            raise self.make_error("invalid")
        return int(value)

    def openapi(self) -> dict:
        """From 0 to `INT_MAX`."""
        return {"minimum": 0, "maximum": INT_MAX}


class Name(WireField):
    """A name string (docs/api.md, Conventions: Names): trimmed, non-empty, at most 255.

    `empty` is the message for null, empty or whitespace-only values:
    "{field} is required" on create, "{field} cannot be empty" on update.
    """

    openapi_type = "string"

    default_error_messages = {
        "required": "{field} is required",
        "invalid": "{field} must be a string",
        "too_long": "{field} must be at most {maximum} characters",
        "nul": NUL_MESSAGE,
    }

    def __init__(self, *, empty: str = "{field} is required", **kwargs):
        super().__init__(**kwargs)
        self.error_messages["null"] = empty
        self.error_messages["empty"] = empty

    def message_args(self) -> dict:
        """The bound in "{field} must be at most {maximum} characters"."""
        return {"maximum": NAME_MAX}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        value = value.strip()
        if not value:
            raise self.make_error("empty")
        if len(value) > NAME_MAX:
            raise self.make_error("too_long")
        if NUL in value:
            raise self.make_error("nul")
        return value

    def openapi(self) -> dict:
        """Not white space only; 1 to `NAME_MAX` characters once trimmed."""
        return {"minLength": 1, "pattern": trimmed_pattern(NAME_MAX),
                "description": "trimmed of leading and trailing whitespace before the checks, "
                               f"then 1 to {NAME_MAX} characters"}


class PlainString(WireField):
    """A JSON string, stored as sent (Jira text fields, a scrap note).

    `maximum`, if given, caps its length: "{field} must be at most {maximum} characters".
    """

    openapi_type = "string"

    default_error_messages = {
        "invalid": "{field} must be a string",
        "null": "{field} must be a string",
        "nul": NUL_MESSAGE,
    }

    def __init__(self, *, maximum: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.maximum = maximum
        if maximum is not None:
            self.error_messages["too_long"] = "{field} must be at most {maximum} characters"

    def message_args(self) -> dict:
        """The cap in "{field} must be at most {maximum} characters"."""
        return {"maximum": self.maximum}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if self.maximum is not None and len(value) > self.maximum:
            raise self.make_error("too_long")
        if NUL in value:
            raise self.make_error("nul")
        return value

    def openapi(self) -> dict:
        """At most `maximum` characters, if given; no NUL."""
        bound = {} if self.maximum is None else {"maxLength": self.maximum}
        return {**bound, "pattern": NO_NUL}


class Reference(PlainString):
    """The id of another resource (`jobId`, `pathId`): a non-empty string, taken as sent.

    Whether it names anything is the service's question (404), not the schema's.
    """

    default_error_messages = {
        "required": "{field} is required",
        "null": "{field} is required",
        "empty": "{field} is required",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        if not value:
            raise self.make_error("empty")
        return value

    def openapi(self) -> dict:
        """Not empty; no NUL."""
        return {"minLength": 1, "pattern": NO_NUL}


class Boolean(WireField):
    """JSON `true` or `false` only: no 0/1, no "true" strings, no null."""

    openapi_type = "boolean"

    default_error_messages = {
        "invalid": "{field} must be a boolean",
        "null": "{field} must be a boolean",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StringList(WireField):
    """A JSON array of strings (`jiraLabels`)."""

    openapi_type = "array"

    default_error_messages = {
        "invalid": "{field} must be an array of strings",
        "null": "{field} must be an array of strings",
        "nul": NUL_MESSAGE,
    }

    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.make_error("invalid")
        if any(NUL in item for item in value):
            raise self.make_error("nul")
        return value

    def openapi(self) -> dict:
        """Strings without NUL."""
        return {"items": {"type": "string", "pattern": NO_NUL}}


class Choice(WireField):
    """One string out of a fixed set: "{field} must be one of: a, b, c"."""

    openapi_type = "string"

    default_error_messages = {
        "required": "{field} is required",
        "invalid": "{field} must be one of: {choices}",
        "null": "{field} must be one of: {choices}",
    }

    def __init__(self, choices: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def message_args(self) -> dict:
        """The list in "{field} must be one of: {choices}"."""
        return {"choices": ", ".join(self.choices)}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise self.make_error("invalid")
        return value

    def openapi(self) -> dict:
        """The choices, as an `enum`."""
        return {"enum": list(self.choices)}


class QueryInteger(WireField):
    """A query parameter that is a decimal integer (`after`): "{field} must be an integer".

    ASCII digits with an optional sign, of any length. It loads clamped to
    the 64-bit range, which holds every id: a huge number matches nothing
    instead of overflowing the database.
    """

    openapi_type = "integer"

    default_error_messages = {"invalid": "{field} must be an integer"}

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if not isinstance(value, str) or not _DECIMAL_INTEGER.fullmatch(value):
            raise self.make_error("invalid")
        if len(value.lstrip("+-").lstrip("0")) > len(str(INT64_MAX)):
            return INT64_MIN if value.startswith("-") else INT64_MAX
        return min(max(int(value), INT64_MIN), INT64_MAX)


class Timestamp(WireField):
    """Milliseconds since the Unix epoch (int) dumped as `2024-01-20T16:45:00.000Z`."""

    openapi_type, openapi_format = "string", "date-time"

    def openapi(self) -> dict:
        """An example in the one format."""
        return {"example": "2024-01-20T16:45:00.000Z"}

    def _serialize(self, value, attr, obj, **kwargs) -> str | None:
        # None: an optional timestamp not set (an event's `scannedAt`), omitted by the schema.
        return None if value is None else format_timestamp(value)


@lru_cache(maxsize=4096)
def format_timestamp(millis: int) -> str:
    """Format epoch milliseconds as UTC ISO 8601 with exactly three fraction digits and `Z`.

    Cached: rows written together (a batch of serials) share their stamps,
    so a long list formats each stamp, or at least each second, once.
    """
    seconds, ms = divmod(millis, 1000)
    return f"{_second(seconds)}.{ms:03d}Z"


@lru_cache(maxsize=4096)
def _second(seconds: int) -> str:
    # Not strftime's %Y, which writes the year 1 as "1" (glibc): always four digits.
    t = time.gmtime(seconds)
    return (f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}")


KEY_MAX = 255


_KEY = re.compile(f"[!-~]{{1,{KEY_MAX}}}")


def valid_key(key) -> bool:
    """Whether `key` is an idempotency key: 1 to 255 visible ASCII characters (docs/api.md,
    Retries and concurrency; Scans)."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None
