"""A view's run under its contract (`jobs.http.contract`): the request loaded, the answer dumped.

`answering` wraps each view once, at its `@contract`: it hands the view
its If-Match when declared, keeps what the view loads with `load_body` and
`load_query` (the running view's declared schemas, looked up through a
context variable, so a scan item's view runs inside the scans view), and
turns what the view returns into the answer: the `response` schema's dump,
the `ETag`, a page of a list (`jobs.http.pages`), or a 204.
"""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import TYPE_CHECKING

from flask import Response, request

from jobs.http.body import json_body
from jobs.http.pages import PageRequest, page_answer
from jobs.http.preconditions import etag, if_match

if TYPE_CHECKING:
    from jobs.http.contract import Contract


class _Call:
    """One run of a view under its contract: what it has loaded of the request."""

    __slots__ = ("declared", "page")

    def __init__(self, declared: Contract):
        self.declared = declared
        self.page: PageRequest | None = None

    def query(self) -> dict:
        declared = self.declared
        args = declared.query_schema.load(request.args)
        if declared.page is not None:
            self.page = PageRequest(args.pop("limit", None), args.pop("cursor", None), args)
        return args


# The view running now; a scan item's view runs inside the scans view.
_running: ContextVar[_Call] = ContextVar("running_view")


def load_body(*args) -> dict:
    """Load the request body (`json_body`) with the running view's declared `body` schema.

    `args` build the schema for this call (a rule that needs stored state,
    as Rework's range); without them, the contract's own instance. Raises
    what `json_body` raises, and ValidationError (400).
    """
    declared = _running.get().declared
    schema = declared.body(*args) if args else declared.body_schema
    return schema.load(json_body())


def load_query() -> dict:
    """Load the query string with the running view's declared `query`; return what it loads.

    For a list that pages, `limit` and `cursor` are kept for the page and
    the filters returned; a list view that does not call it has its query
    loaded after it returns (its 404 look-ups first). Raises ValidationError
    (400): a parameter given twice, a bad `limit`, cursor or filter.
    """
    return _running.get().query()


def answering(view: Callable, declared: Contract) -> Callable:
    """Wrap `view` to run under `declared`: its If-Match in, its answer dumped, its ETag set."""
    versioned = declared.etag

    @wraps(view)
    def answer(**view_args):
        call = _Call(declared)
        running = _running.set(call)
        try:
            if declared.if_match is not None:
                result = view(**view_args, if_match=if_match())
            else:
                result = view(**view_args)
            if declared.page is not None:
                if call.page is None:
                    call.query()
                return page_answer(result, declared, call.page, view_args)
        finally:
            _running.reset(running)
        if declared.response is None:
            return Response(status=declared.status)
        dumps = declared.answers
        if dumps is None:
            return result
        headers = {}
        if type(result) is tuple:
            result, headers = result
        if isinstance(result, Response):
            raise TypeError(f"{view.__name__}: its contract dumps its answer; it returned a "
                            "Response")
        if versioned is not None:
            headers["ETag"] = etag(versioned.of(result))
        return dumps.dump(result), declared.status, headers

    return answer
