"""Paged and streamed lists: what `Contract.page` answers.

docs/api.md, Lists: pages and filters. A list route declares
`@contract(Items(many=True), query=<a PageQuerySchema>, page=ListPage(...))`;
its view loads the filters with `load_query()` (or leaves the loading to
the contract, after its 404 look-ups), passes them to a service and returns
the `Keyset` the service gives. `page_answer` does the rest: it opens the
cursor (signed for this list, its path parameters and these filters), then
answers with one page and, when more follow, a `Link: <...>; rel="next"`
header (`limit` given), or with the whole list, written as it is read, one
batch of rows at a time (no `limit`).
"""
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode

from flask import Response, current_app, request, url_for
from marshmallow import Schema, ValidationError

from jobs.http.cursor import InvalidCursor, cursor_scope, make_cursor, open_cursor
from jobs.services.lists import cursor_secret

BATCH = 1000
JSON = "application/json"


@dataclass(frozen=True)
class PageRequest:
    """A list request's `limit` and `cursor` (None when not given) and its other filters."""

    limit: int | None
    cursor: str | None
    filters: dict


def page_answer(keyset, declared, page: PageRequest, view_args: dict) -> Response:
    """Answer a list route with a page of `keyset` (a `Keyset`), or with the whole list.

    `declared` is the route's `Contract`; raises ValidationError (400) for a
    cursor that is not one of this list with these parameters.
    """
    schema, items = declared.query_schema, declared.answers
    scope = cursor_scope(declared.page.name, [view_args, page.filters])
    after = None if page.cursor is None else _open(scope, page.cursor, schema)
    if page.limit is None:
        return _whole_list(keyset, after, items)
    return _one_page(keyset, after, page.limit, items, scope, schema)


def _open(scope: list[str], token: str, schema: Schema) -> list:
    try:
        return open_cursor(service_secret(), scope, token)
    except InvalidCursor:
        messages = schema.fields["cursor"].make_error("invalid").messages
        raise ValidationError({"cursor": messages}) from None


def service_secret() -> bytes:
    """Return the key that signs list cursors and record links (docs/operations.md).

    The configured `SECRET_KEY`, else the database's own.
    """
    configured = current_app.config.get("SECRET_KEY")
    if not configured:
        return cursor_secret()
    return configured if isinstance(configured, bytes) else configured.encode()


def _one_page(keyset, after, limit: int, items: Schema, scope: list[str],
              schema: Schema) -> Response:
    rows = keyset.page(after, limit + 1)
    response = Response("[" + _encoder(items)(rows[:limit]) + "]\n", mimetype=JSON)
    if len(rows) > limit:
        cursor = make_cursor(service_secret(), scope, keyset.key_of(rows[limit - 1]))
        response.headers["Link"] = f'<{_next_target(cursor, schema)}>; rel="next"'
    return response


def _next_target(cursor: str, schema: Schema) -> str:
    """This request's path and query, `cursor` replaced: path-absolute, the list's own
    parameters in their order (parsed as werkzeug parses `request.args`).

    Unknown parameters are not repeated: the `Link` header stays within what
    the list's parameters can make, whatever else the client sent."""
    known = {field.data_key or name for name, field in schema.fields.items()}
    pairs = parse_qsl(request.query_string.decode(), keep_blank_values=True,
                      errors="werkzeug.url_quote")
    kept = [(key, value) for key, value in pairs if key in known and key != "cursor"]
    query = urlencode([*kept, ("cursor", cursor)], quote_via=quote)
    return f"{url_for(request.endpoint, **request.view_args)}?{query}"


def _whole_list(keyset, after, items: Schema) -> Response:
    """The list after `after`; past one batch, streamed (the rest is read after the request)."""
    encode = _encoder(items)
    first = keyset.page(after, BATCH)
    if len(first) < BATCH:
        return Response("[" + encode(first) + "]\n", mimetype=JSON)
    return Response(_stream(keyset, first, encode), mimetype=JSON)


def _stream(keyset, first: list[dict], encode: Callable) -> Iterator[bytes]:
    # Runs after teardown_request, without the request context: each later
    # batch takes a pooled connection for its one query (Keyset.batches).
    yield ("[" + encode(first)).encode()
    for batch in keyset.batches(keyset.key_of(first[-1]), BATCH):
        yield ("," + encode(batch)).encode()
    yield b"]\n"


def _encoder(items: Schema) -> Callable[[list[dict]], str]:
    """Rows -> their JSON items, comma-separated, byte for byte as `jsonify` writes a list
    (the app's JSON settings, compact separators); usable after the request."""
    dumps = current_app.json.dumps
    return lambda rows: dumps(items.dump_rows(rows), separators=(",", ":"))[1:-1]
