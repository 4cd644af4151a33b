"""Who is acting, in which request: set by the HTTP edge, read by the history service.

A ContextVar, so that services learn the actor (a token's name, or
`anonymous`) and the request id without importing Flask. Outside a request
(the command line, a test calling a service) the actor is `anonymous` and
the request id `-`, as in the log lines.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, replace

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Acting:
    """The actor of the writes in progress and the id of the request that makes them.

    `token_id` is the id of the actor's token (None without one): what owns
    its Idempotency-Keys, since a name passes to a new token once revoked.
    """

    actor: str
    request_id: str
    token_id: int | None = None
    # The token's role; None with authentication off (Undo's planner rule then does not apply).
    role: str | None = None
    # When the station captured the scan being applied (epoch ms; docs/api.md, Scans).
    scanned_at: int | None = None

    @property
    def key_owner(self) -> str:
        """Who an Idempotency-Key belongs to: `token:<id>`, or the actor without a token."""
        return self.actor if self.token_id is None else f"token:{self.token_id}"


OUTSIDE_REQUESTS = Acting(ANONYMOUS, "-")
_current: ContextVar[Acting] = ContextVar("acting", default=OUTSIDE_REQUESTS)


def current() -> Acting:
    """Return who is acting now (`OUTSIDE_REQUESTS` when nobody said)."""
    return _current.get()


def begin(actor: str, request_id: str, token_id: int | None = None,
          role: str | None = None) -> Token:
    """Make `actor` (with its token's id and role) and `request_id` current; return what
    `end` takes."""
    return _current.set(Acting(actor, request_id, token_id, role))


def end(token: Token) -> None:
    """Restore what was current before the `begin` that returned `token`."""
    _current.reset(token)


@contextmanager
def scanning(scanned_at: int | None) -> Iterator[None]:
    """Within the block, the writes record `scanned_at` (a scan item's capture time) on events."""
    token = _current.set(replace(current(), scanned_at=scanned_at))
    try:
        yield
    finally:
        _current.reset(token)
