"""The webhook outbox (docs/api.md, Webhooks): the event table read after each subscription's
cursor, and the short transactions that claim a subscription and record an attempt.

A deliverer claims a subscription by writing its lease (owner and expiry)
where no other live lease is; it then owns the subscription's deliveries
until the lease expires, and renews the lease with every attempt it
records. The attempt, its counters and (after a 2xx) the cursor are written
in one transaction that first checks the lease is still ours: a deliverer
that lost its lease moves nothing. No HTTP ever runs inside a transaction.
"""
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache

from peewee import SQL

from jobs import clock
from jobs.services.webhooks import ACTIVE, DISABLED, FAILING
from jobs.store.db import is_postgres, write_transaction
from jobs.store.models import Event, Webhook, WebhookDelivery
from jobs.store.statements import execute, param, query_rows, statement, text

# A lease outlives the longest attempt (10 s) many times over: a deliverer
# that renews it with every attempt never loses it while it works.
LEASE_MS = 60_000
BACKOFF_MAX_MS = 3_600_000
DISABLE_AFTER_MS = 3 * 24 * 3_600_000


@dataclass(frozen=True)
class Attempt:
    """One delivery's outcome: the receiver's `status` (None: no answer) and `error`."""

    event_id: int
    attempted_at: int
    status: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        """Whether the receiver answered 2xx in time."""
        return self.status is not None and 200 <= self.status < 300 and self.error is None


def _pending(webhook: dict, after: int):
    conditions = [Event.id > after]
    if webhook["types"] is not None:
        conditions.append(Event.type.in_(webhook["types"]))
    if webhook["job_id"] is not None:
        conditions.append(Event.job_id == webhook["job_id"])
    return Event.select().where(*conditions)


def next_events(webhook: dict, size: int) -> list[dict]:
    """Return up to `size` of `webhook`'s events after its cursor, by id, as stored rows."""
    return query_rows(_pending(webhook, webhook["cursor"]).order_by(Event.id).limit(size))


def lag(webhook: dict) -> int:
    """Return how many of `webhook`'s events are not delivered yet (after its cursor)."""
    return _pending(webhook, webhook["cursor"]).count()


def due(now: int) -> list[dict]:
    """Return the subscriptions that may be delivered at `now`: not disabled, not waiting
    for a retry, no live lease on them, and an event after their cursor."""
    free = Webhook.lease_owner.is_null() | (Webhook.lease_expires_at < now)
    waited = Webhook.next_attempt_at.is_null() | (Webhook.next_attempt_at <= now)
    rows = query_rows(Webhook.select().where(Webhook.status != DISABLED, free, waited)
                      .order_by(Webhook.created_at, Webhook.id))
    return [row for row in rows if _pending(row, row["cursor"]).exists()]


def claim(webhook_id: str, owner: str) -> dict | None:
    """Lease subscription `webhook_id` to `owner`; return it, or None when another owns it
    (or it is gone, disabled or waiting for a retry)."""
    now = clock.now_ms()
    free = Webhook.lease_owner.is_null() | (Webhook.lease_expires_at < now)
    waited = Webhook.next_attempt_at.is_null() | (Webhook.next_attempt_at <= now)
    with write_transaction():
        taken = (Webhook.update(lease_owner=owner, lease_expires_at=now + LEASE_MS)
                 .where(Webhook.id == webhook_id, Webhook.status != DISABLED, free, waited)
                 .execute())
        return query_rows(Webhook.select().where(Webhook.id == webhook_id))[0] if taken else None


def release(webhook_id: str, owner: str) -> None:
    """Give up `owner`'s lease on `webhook_id`, if it still holds it."""
    with write_transaction():
        (Webhook.update(lease_owner=None, lease_expires_at=None)
         .where(Webhook.id == webhook_id, Webhook.lease_owner == owner).execute())


def free_leases_of_the_dead(host: str, alive: Callable[[int], bool]) -> int:
    """Free the live leases that deliverers of `host` hold whose process is not `alive`;
    return how many. A deliverer restarted on its host need not wait for their expiry.

    Owners are `host:pid:nonce`; a pid that is alive again (reused) keeps its
    lease until it expires, which is only slower, never unsafe.
    """
    held = (Webhook.select(Webhook.id, Webhook.lease_owner)
            .where(Webhook.lease_owner.startswith(f"{host}:"),
                   Webhook.lease_expires_at >= clock.now_ms()).tuples())
    freed = 0
    for webhook_id, owner in list(held):
        pid = owner.split(":")[-2]
        if pid.isdigit() and not alive(int(pid)):
            release(webhook_id, owner)
            freed += 1
    return freed


def backoff_ms(failures: int, first_ms: int) -> int:
    """Return the wait before the next try after `failures` failures in a row: `first_ms`,
    doubling with each failure, at most one hour."""
    return min(first_ms * 2 ** min(failures - 1, 40), BACKOFF_MAX_MS)


def record(webhook: dict, owner: str, attempt: Attempt, first_backoff_ms: int) -> bool:
    """Store `attempt` of `webhook`, under `owner`'s lease; return whether the lease held.

    A 2xx moves the cursor and `lastDeliveredEventId` to the event and makes
    the subscription `active`; a failure makes it `failing` (`disabled` once
    it has failed for 3 days) and due again after the backoff. Either
    renews the lease. Nothing is written when the lease was lost.
    """
    now = clock.now_ms()
    lease = (webhook["id"], owner, now)
    delivered = {"event_id": attempt.event_id, "lease_expires_at": now + LEASE_MS,
                 "webhook_id": webhook["id"], "owner": owner, "now": now}
    if attempt.delivered and is_postgres():
        # One statement, one round trip instead of four (docs/benchmarks.md, Webhooks).
        return bool(execute(text(_delivered_and_logged()), {
            **delivered, **asdict(attempt)}).rowcount)
    with write_transaction():
        if attempt.delivered:
            # The hot path, compiled once (docs/benchmarks.md, Webhooks).
            changed = execute(statement(_delivered), delivered).rowcount
        else:
            changed = (Webhook.update(_failed(webhook, attempt, now, first_backoff_ms))
                       .where(_leased_by(*lease)).execute())
        if changed:
            execute(statement(_insert_attempt),
                    {"webhook_id": webhook["id"], **asdict(attempt)})
    return bool(changed)


def _leased_by(webhook_id, owner, now):
    return ((Webhook.id == webhook_id) & (Webhook.lease_owner == owner)
            & (Webhook.lease_expires_at >= now))


def _delivered():
    return (Webhook.update({
        Webhook.status: SQL(f"'{ACTIVE}'"), Webhook.cursor: param("event_id"),
        Webhook.last_delivered_event_id: param("event_id"), Webhook.failures: SQL("0"),
        Webhook.failing_since: SQL("NULL"), Webhook.next_attempt_at: SQL("NULL"),
        Webhook.lease_expires_at: param("lease_expires_at"),
        Webhook.delivered: Webhook.delivered + SQL("1"),
    }).where(_leased_by(param("webhook_id"), param("owner"), param("now"))))


@cache
def _delivered_and_logged() -> str:
    # PostgreSQL only (SQLite has no UPDATE inside WITH): the lease-checked update and
    # the attempt's row in one atomic statement; the insert finds no row if the lease is lost.
    fields = WebhookDelivery._meta.sorted_fields[1:]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    values = ", ".join(f"%({field.column_name})s" for field in fields[1:])
    update, _ = _delivered().sql()
    return (f'WITH changed AS ({update} RETURNING "id") '
            f'INSERT INTO "webhook_delivery" ({columns}) SELECT "id", {values} FROM changed')


def _insert_attempt():
    return WebhookDelivery.insert({field: param(field.column_name)
                                   for field in WebhookDelivery._meta.sorted_fields[1:]})


def _failed(webhook: dict, attempt: Attempt, now: int, first_backoff_ms: int) -> dict:
    lease = {Webhook.lease_expires_at: now + LEASE_MS}
    failures = webhook["failures"] + 1
    since = webhook["failing_since"] or attempt.attempted_at
    outcome = Webhook.rejected if attempt.status is not None else Webhook.unreachable
    return {**lease, Webhook.failures: failures, Webhook.failing_since: since,
            Webhook.status: DISABLED if now - since >= DISABLE_AFTER_MS else FAILING,
            Webhook.next_attempt_at: now + backoff_ms(failures, first_backoff_ms),
            outcome: outcome + 1}


def statistics() -> list[dict]:
    """Return per subscription: `id`, attempts by outcome, and `lag` (/metrics)."""
    rows = query_rows(Webhook.select().order_by(Webhook.created_at, Webhook.id))
    return [{"id": row["id"], "delivered": row["delivered"], "rejected": row["rejected"],
             "unreachable": row["unreachable"], "lag": lag(row)} for row in rows]
