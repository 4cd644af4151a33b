"""Reading request bodies (docs/api.md, Conventions: Request bodies)."""
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from flask import g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from jobs.errors import BadRequest, UnsupportedMediaType

INVALID_JSON = "Request body must be valid JSON"
UNREADABLE = "Request body could not be read"
NOT_AN_OBJECT = "Request body must be a JSON object"
NOT_JSON_MEDIA_TYPE = "Content-Type must be application/json"
UNSUPPORTED_ENCODING = "Content-Encoding is not supported"
# A \uD800-\uDFFF escape may decode to a lone surrogate, which is not storable text.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_BEYOND_LARGE = Decimal("Infinity")
_BEYOND_SMALL = Decimal("1E-999999999999999999")


def _reject_constant(token: str):
    raise ValueError(f"{token} is not valid JSON")


def _number(text: str) -> Decimal:
    """A JSON number as an exact Decimal; one whose exponent is beyond what Decimal holds
    (10**18 and more) as the value every check treats alike: 0, ±Infinity, or ±the tiniest."""
    try:
        return Decimal(text)
    except InvalidOperation:
        mantissa, _, exponent = text.lower().partition("e")
        if Decimal(mantissa) == 0:
            return Decimal(0)
        # By its sign, not int(): an exponent of thousands of digits is past
        # Python's int-from-text limit.
        size = _BEYOND_SMALL if exponent.startswith("-") else _BEYOND_LARGE
        return size.copy_sign(Decimal(mantissa))


def parse_json(raw: bytes):
    """Parse standard JSON: numbers become `Decimal`, NaN/Infinity and lone surrogates fail.

    Raises BadRequest `Request body must be valid JSON`.
    """
    try:
        value = json.loads(
            raw.decode("utf-8"),
            parse_float=_number,
            parse_int=Decimal,
            parse_constant=_reject_constant,
        )
        if _SURROGATE_ESCAPE.search(raw):
            json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    except (ValueError, RecursionError) as error:
        raise BadRequest(INVALID_JSON) from error
    return value


def raw_body() -> bytes:
    """Return the request's body bytes, read once per request (what or why not is kept).

    The Idempotency-Key check reads the body before the view does; both get
    the same bytes, or the same error (BadRequest `Request body could not
    be read`, werkzeug's 413).
    """
    if "raw_body" not in g:
        try:
            g.raw_body = _read_raw()
        except Exception as error:
            g.raw_body = error
    if isinstance(g.raw_body, Exception):
        raise g.raw_body
    return g.raw_body


def _read_raw() -> bytes:
    try:
        raw = request.get_data(cache=False)
    except HTTPException:
        raise
    except Exception as error:
        # The WSGI server's own framing errors (gunicorn: a malformed chunk)
        # surface here; they are the client's fault, not a crash.
        raise BadRequest(UNREADABLE) from error
    if request.content_length is not None and len(raw) != request.content_length:
        # The client stopped before its Content-Length: a cut body must not
        # be applied, even when the part that arrived parses.
        raise BadRequest(UNREADABLE)
    return raw


def parsed_body():
    """Return the request's body as parsed by `parse_json`, parsed once per request.

    The Idempotency-Key fingerprint and the view share it; raises what
    `raw_body` and `parse_json` raise.
    """
    if "parsed_body" not in g:
        try:
            g.parsed_body = parse_json(raw_body())
        except BadRequest as error:
            g.parsed_body = error
    if isinstance(g.parsed_body, BadRequest):
        raise g.parsed_body
    return g.parsed_body


# The fields of the scan item running now (a context variable: `g` costs a proxy look-up).
_item_body: ContextVar[dict | None] = ContextVar("item_body", default=None)


@contextmanager
def item_body(fields: dict) -> Iterator[None]:
    """Within the block, `json_body()` is `fields`: a scan item runs the single endpoint's
    view with the item's fields as its body (docs/api.md, Scans)."""
    token = _item_body.set(fields)
    try:
        yield
    finally:
        _item_body.reset(token)


def json_body() -> dict:
    """Return the request body as a dict; an empty body counts as `{}`.

    While a scan item runs (`item_body`), the item's fields.

    Raises UnsupportedMediaType (415) for a non-empty body that is not JSON
    or is compressed,
    BadRequest (400) when it cannot be read (broken chunked framing), does
    not parse or is not an object; werkzeug
    raises 413 past `MAX_CONTENT_LENGTH`.
    """
    fields = _item_body.get()
    if fields is not None:
        return fields
    raw = raw_body()
    if not raw:
        return {}
    if request.content_length is None and len(raw) >= request.max_content_length:
        # werkzeug stops a chunked body at the cap without raising; a chunked
        # body that reaches the cap is taken as over it.
        raise RequestEntityTooLarge()
    if not request.is_json:
        raise UnsupportedMediaType(NOT_JSON_MEDIA_TYPE)
    # Content codings are case-insensitive (RFC 9110, 8.4.1).
    if (request.content_encoding or "").strip().lower() not in ("", "identity"):
        raise UnsupportedMediaType(UNSUPPORTED_ENCODING)
    value = parsed_body()
    if not isinstance(value, dict):
        raise BadRequest(NOT_AN_OBJECT)
    return value
