"""Query-string schemas of the lists (docs/api.md, Lists: pages and filters).

`QuerySchema` loads a werkzeug MultiDict: each parameter at most once, an
empty value is no filter. `PageQuerySchema` adds `limit` and `cursor`, whose
empty values are not a filter but a mistake. The field types here read
query-string text; body fields are in `schemas.fields`.
"""
import calendar
import re
from datetime import datetime

from marshmallow import ValidationError, pre_load

from schemas.base import WireSchema
from schemas.fields import NO_NUL, WireField

REPEATED = "{field} must be given at most once"
LIMIT_MAX = 1000
SEARCH_MAX = 10000
TIMESTAMP_EXAMPLE = "2024-01-20T16:45:00.000Z"
_TIMESTAMP_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# The same rule as one regular expression, for the OpenAPI document: years
# 0001-9999, the days each month has (February 29 in leap years only), no
# hour 24 and no leap second.
_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = ("(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
              "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))")
TIMESTAMP_PATTERN = (f"^(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
                     r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z$")


class QuerySchema(WireSchema):
    """Query parameters as one value each (docs/api.md, Lists: pages and filters).

    A parameter given twice is ambiguous: "{field} must be given at most
    once", for every parameter given twice, before any other check. An empty
    value (`?jobId=`) is no filter, except for fields whose class sets
    `keeps_empty` (an empty `limit=` is not a number). Unknown parameters
    are ignored.
    """

    @pre_load
    def _single_values(self, args, **kwargs) -> dict:
        fields = {field.data_key or name: field for name, field in self.load_fields.items()}
        repeated = {key: [REPEATED.format(field=key)]
                    for key in fields if len(args.getlist(key)) > 1}
        if repeated:
            raise ValidationError(repeated)
        return {key: args[key] for key, field in fields.items()
                if key in args and (args[key] or getattr(field, "keeps_empty", False))}


class QueryText(WireField):
    """Query text matched as sent (`jobId`, `jiraTicketKey`, `q`).

    NUL cannot be stored or searched (PostgreSQL text cannot hold one):
    "{field} must not contain NUL characters". `maximum`, if given, caps the
    length: "{field} must be at most {maximum} characters".
    """

    openapi_type = "string"
    default_error_messages = {"nul": "{field} must not contain NUL characters"}

    def __init__(self, *, maximum: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.maximum = maximum
        if maximum is not None:
            self.error_messages["too_long"] = "{field} must be at most {maximum} characters"

    def message_args(self) -> dict:
        """The cap in "{field} must be at most {maximum} characters"."""
        return {"maximum": self.maximum}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if "\x00" in value:
            raise self.make_error("nul")
        if self.maximum is not None and len(value) > self.maximum:
            raise self.make_error("too_long")
        return value

    def openapi(self) -> dict:
        """No NUL; at most `maximum` characters, if given."""
        bound = {} if self.maximum is None else {"maxLength": self.maximum}
        return {"pattern": NO_NUL, **bound}


class QueryTimestamp(WireField):
    """A timestamp in the response format (`2024-01-20T16:45:00.000Z`), loaded as epoch ms.

    Anything else, an offset instead of `Z`, other fraction digits, or a
    date or time that does not exist (month 13, February 30, hour 24):
    "{field} must be a timestamp like 2024-01-20T16:45:00.000Z".
    """

    openapi_type = "string"
    default_error_messages = {"invalid": "{field} must be a timestamp like " + TIMESTAMP_EXAMPLE}

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if not _TIMESTAMP_SHAPE.fullmatch(value):
            raise self.make_error("invalid")
        try:
            moment = datetime.strptime(value, _TIMESTAMP_FORMAT)
        except ValueError as error:
            raise self.make_error("invalid") from error
        return calendar.timegm(moment.timetuple()) * 1000 + moment.microsecond // 1000

    def openapi(self) -> dict:
        """The format's pattern and an example."""
        return {"pattern": TIMESTAMP_PATTERN, "example": TIMESTAMP_EXAMPLE}


class PageLimit(WireField):
    """`limit`: a decimal integer from 1 to 1000; anything else, empty included, is
    "{field} must be an integer from 1 to 1000"."""

    keeps_empty = True
    openapi_type = "integer"
    default_error_messages = {"invalid": "{field} must be an integer from 1 to {maximum}"}

    def message_args(self) -> dict:
        """The bound in "{field} must be an integer from 1 to {maximum}"."""
        return {"maximum": LIMIT_MAX}

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        digits = value.lstrip("0") if value.isascii() and value.isdigit() else ""
        if not 0 < len(digits) <= len(str(LIMIT_MAX)) or int(digits) > LIMIT_MAX:
            raise self.make_error("invalid")
        return int(digits)

    def openapi(self) -> dict:
        """From 1 to `LIMIT_MAX`."""
        return {"minimum": 1, "maximum": LIMIT_MAX}


class Cursor(WireField):
    """`cursor`: loaded as sent; `jobs.http.pages` checks it against the list and its filters
    and answers "{field} is not valid" for anything a `next` link did not give."""

    keeps_empty = True
    openapi_type = "string"
    default_error_messages = {"invalid": "{field} is not valid"}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return value


class PageQuerySchema(QuerySchema):
    """The query of a list that pages: `limit` and `cursor`, then the list's own filters."""

    limit = PageLimit(metadata={"description": (
        "At most this many items, in the list's order; when more follow, a `Link` header "
        "names the next page. Without it, the whole list.")})
    cursor = Cursor(metadata={"description": (
        "Only as a `Link: <…>; rel=\"next\"` header gave it, with the same filters.")})
