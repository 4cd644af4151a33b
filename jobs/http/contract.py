"""What each route promises, declared next to its view (`@contract(...)`), and kept by it.

The declaration is read by the OpenAPI builder (`jobs.openapi`), so the
document cannot drift from the views, and it drives the view's call
(`jobs.http.running`): its `response` schema dumps what the view returns,
its `body` and `query` schemas load the request when the view asks
(`load_body`, `load_query`), its `etag` sets the `ETag` header and its
`if_match` hands the request's If-Match to the view. Views are found
through `app.view_functions`; a view without a contract is left out of the
document, which the route/document agreement test reports.
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from marshmallow import Schema

from jobs.http.idempotency import PER_ITEM, idempotent
from jobs.http.running import answering
from jobs.vocabulary import ROLES
from schemas.query import PageQuerySchema

JSON = "application/json"


@dataclass(frozen=True)
class ListPage:
    """A list that pages and streams (docs/api.md, Lists: pages and filters).

    `name` is signed into the list's cursors, so that a cursor of one list is
    not valid on another; `order` names the list's order in wire names, for
    the document. The route's `query` must be a `PageQuerySchema` (`limit`,
    `cursor`, then the filters) and its response a `WireSchema(many=True)`
    of the items; its view returns a `Keyset` (see `jobs.http.pages`).
    """

    name: str
    order: str


@dataclass(frozen=True)
class Versioned:
    """A resource with versions (docs/api.md, Retries and concurrency: ETag and If-Match).

    `describes`: what its version covers (the document's `ETag` header);
    `of`: the version of an answer (the row the view returns); `changed`:
    the 412 message, the service's own constant (`jobs.services.versions`).
    """

    describes: str
    of: Callable[[dict], str]
    changed: str


@dataclass(frozen=True)
class Contract:
    """One view's promises beyond its URL, methods and summary.

    `response`: the success body (schema class or instance, a JSON Schema dict,
    or None for no body); a schema dumps what the view returns. `status`: the
    success status; `body`: the request body schema (adds the 400/413/415
    body-reading errors and one 400 example per field message); `query`: a
    schema of query parameters; `errors`: more documented messages per
    status, worded as in docs/api.md; `headers`: other success headers and
    their meaning; `examples`: request-body examples by name;
    `page`: the list pages and streams (`ListPage`), which `jobs.http.pages`
    enforces and the document shows (`limit`, `cursor`, the `Link` header).
    `role`: the lowest token role that may call the route (docs/api.md,
    Authentication and roles), None for a route open to everyone. It
    defaults to the highest role, so a route that forgets to say is closed,
    not open. `jobs.http.auth` enforces it; the OpenAPI document shows it.
    `idempotent`: the POST honours `Idempotency-Key` (docs/api.md, Retries and
    concurrency), enforced by `jobs.http.idempotency` and shown in the document;
    `PER_ITEM` for a view whose items commit one by one (Scans).
    `etag`: the answer carries the `Versioned` resource's `ETag`; `if_match`:
    the route honours `If-Match` (the view gets it as its `if_match` argument
    and passes it to its service) and may answer its 412.
    """

    response: type[Schema] | Schema | dict | None
    status: int = 200
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    errors: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    examples: Mapping[str, dict] = field(default_factory=dict)
    media_type: str = JSON
    page: ListPage | None = None
    role: str | None = ROLES[-1]
    idempotent: bool | str = False
    etag: Versioned | None = None
    if_match: Versioned | None = None

    def __post_init__(self):
        if self.role is not None and self.role not in ROLES:
            raise ValueError(f"role must be None or one of {ROLES}, not {self.role!r}")
        if self.page is not None and not issubclass(self.query, PageQuerySchema):
            raise TypeError(f"{self.page.name}: a paged list needs a PageQuerySchema query")

    @cached_property
    def answers(self) -> Schema | None:
        """The schema instance that dumps the view's answer; None when it is not a schema."""
        if isinstance(self.response, type) and issubclass(self.response, Schema):
            return self.response()
        return self.response if isinstance(self.response, Schema) else None

    @cached_property
    def body_schema(self) -> Schema:
        """The `body` schema's instance (`load_body` without arguments)."""
        return self.body()

    @cached_property
    def query_schema(self) -> Schema:
        """The `query` schema's instance (`load_query`, the list's `Link`)."""
        return self.query()

    def dump(self, answer):
        """Return `answer` as the route's `response` schema dumps it (a page shows it too)."""
        return self.answers.dump(answer)


def contract(response, **promises) -> Callable:
    """Decorate a view with its `Contract(response, **promises)`.

    The view returns what the `response` schema dumps (or that and a dict of
    more headers, such as `Location`), nothing for a route without a body, a
    `Keyset` for a list that pages (`jobs.http.pages`), or its own answer
    when `response` is not a schema (a page, the document). `idempotent`
    wraps it in `jobs.http.idempotency.idempotent`.
    """
    declared = Contract(response, **promises)

    def attach(view: Callable) -> Callable:
        single = answering(view, declared)
        outer = single
        if declared.idempotent:
            outer = idempotent(single, per_item=declared.idempotent == PER_ITEM)
        outer.contract = declared
        outer.unkeyed = single
        return outer

    return attach


def contract_of(view: Callable) -> Contract | None:
    """Return the `Contract` declared on `view`, or None."""
    return getattr(view, "contract", None)


def unkeyed(view: Callable) -> Callable:
    """Return the contract's view without its Idempotency-Key handling (a scan item's run)."""
    return view.unkeyed
