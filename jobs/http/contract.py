"""What each route promises, declared next to its view (`@contract(...)`).

The declaration is read by the OpenAPI builder (`jobs.openapi`), so the
document cannot drift from the views. Views are found through
`app.view_functions`; a view without a contract is left out of the document,
which the route/document agreement test reports.
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from marshmallow import Schema

from jobs.http.idempotency import PER_ITEM, idempotent
from jobs.http.pages import paged
from jobs.vocabulary import ROLES

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
class Contract:
    """One view's promises beyond its URL, methods and summary.

    `response`: the success body (schema class or instance, a JSON Schema dict,
    or None for no body); `status`: the success status; `body`: the request
    body schema (adds the 400/413/415 body-reading errors and one 400 example
    per field message); `query`: a schema of query parameters; `errors`: more
    documented messages per status, worded as in docs/api.md; `headers`:
    success headers and their meaning; `examples`: request-body examples by name;
    `page`: the list pages and streams (`ListPage`), which `jobs.http.pages`
    enforces and the document shows (`limit`, `cursor`, the `Link` header).
    `role`: the lowest token role that may call the route (docs/api.md,
    Authentication and roles), None for a route open to everyone. It
    defaults to the highest role, so a route that forgets to say is closed,
    not open. `jobs.http.auth` enforces it; the OpenAPI document shows it.
    `idempotent`: the POST honours `Idempotency-Key` (docs/api.md, Retries and
    concurrency), enforced by `jobs.http.idempotency` and shown in the document;
    `PER_ITEM` for a view whose items commit one by one (Scans).
    `if_match`: the route honours `If-Match`; its 412 message (the view
    passes `jobs.http.preconditions.if_match()` to its service).
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
    if_match: str | None = None

    def __post_init__(self):
        if self.role is not None and self.role not in ROLES:
            raise ValueError(f"role must be None or one of {ROLES}, not {self.role!r}")


def contract(response, **promises) -> Callable:
    """Decorate a view with its `Contract(response, **promises)`.

    The view itself is unchanged, except that a `page` wraps it in
    `jobs.http.pages.paged`, which turns the `Keyset` it returns into the
    answer, and `idempotent` in `jobs.http.idempotency.idempotent`.
    """
    declared = Contract(response, **promises)

    def attach(view: Callable) -> Callable:
        if declared.page is not None:
            view = paged(view, declared)
        if declared.idempotent:
            view = idempotent(view, per_item=declared.idempotent == PER_ITEM)
        view.contract = declared
        return view

    return attach


def contract_of(view: Callable) -> Contract | None:
    """Return the `Contract` declared on `view`, or None."""
    return getattr(view, "contract", None)
