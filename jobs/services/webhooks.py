"""Webhook subscriptions (docs/api.md, Webhooks): create, read, delete, resume, the delivery log.

Subscriptions are configuration, not history: their writes record no event.
Functions take plain values and return row dicts keyed by column name.
"""
import base64
import secrets

from peewee import fn

from jobs import clock
from jobs.errors import InvalidField
from jobs.store.db import write_transaction
from jobs.store.keyset import Keyset
from jobs.store.models import Event, Job, Webhook, WebhookDelivery
from jobs.store.records import NOT_FOUND as NOT_FOUND_OF
from jobs.store.records import fetch, require
from jobs.store.statements import query_rows
from jobs.webhooks.targets import PrivateAddress, TargetRefused, checked_address, split_url

SECRET_PREFIX = "whsec_"
NOT_FOUND = NOT_FOUND_OF[Webhook]
ACTIVE, FAILING, DISABLED = "active", "failing", "disabled"


def new_secret() -> str:
    """Return a signing secret: `whsec_` + standard base64 (with padding) of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_url(url: str, allow_private: bool) -> None:
    """Apply the private-address rule to `url`'s host, resolved now.

    Raises InvalidField `url must not point to a private address`. A host that
    does not resolve (yet) is accepted: its deliveries fail until it does.
    """
    if allow_private:
        return
    try:
        checked_address(split_url(url), allow_private)
    except PrivateAddress as refused:
        raise InvalidField("url", str(refused)) from None
    except TargetRefused:
        return


def create_webhook(fields: dict, allow_private: bool) -> dict:
    """Store a subscription from validated `WebhookCreateSchema` data; return it with `secret`.

    Its cursor is the newest event now: delivery starts with the first event
    after it. Raises BadRequest (private address), then NotFound
    `Job not found: {jobId}`.
    """
    check_url(fields["url"], allow_private)
    row = {"id": clock.new_id("wh"), "url": fields["url"], "types": fields.get("types"),
           "job_id": fields.get("job_id"), "description": fields.get("description"),
           "status": ACTIVE, "secret": new_secret(), "created_at": clock.now_ms(),
           "failures": 0, "delivered": 0, "rejected": 0, "unreachable": 0}
    with write_transaction():
        if row["job_id"] is not None:
            require(Job, row["job_id"])
        row["cursor"] = Event.select(fn.COALESCE(fn.MAX(Event.id), 0)).scalar()
        Webhook.insert(row).execute()
    return row


def webhook_list() -> list[dict]:
    """Return every subscription, oldest first (`createdAt`, then `id`)."""
    return query_rows(Webhook.select().order_by(Webhook.created_at, Webhook.id))


def webhook(webhook_id: str) -> dict:
    """Return subscription `webhook_id`. Raises NotFound `Webhook not found: {id}`."""
    return fetch(Webhook, webhook_id)


def delete_webhook(webhook_id: str) -> None:
    """Delete subscription `webhook_id` and its delivery log. Raises NotFound."""
    with write_transaction():
        require(Webhook, webhook_id, lock="FOR UPDATE")
        Webhook.delete().where(Webhook.id == webhook_id).execute()


def resume_webhook(webhook_id: str) -> dict:
    """Make subscription `webhook_id` `active` and due now (its failures forgotten); return it.

    Raises NotFound.
    """
    with write_transaction():
        require(Webhook, webhook_id, lock="FOR UPDATE")
        Webhook.update(status=ACTIVE, failures=0, failing_since=None,
                       next_attempt_at=None).where(Webhook.id == webhook_id).execute()
        return fetch(Webhook, webhook_id)


def delivery_list(webhook_id: str) -> Keyset:
    """Return subscription `webhook_id`'s delivery attempts, newest first. Raises NotFound."""
    require(Webhook, webhook_id)
    return Keyset(WebhookDelivery, (WebhookDelivery.id,),
                  (WebhookDelivery.webhook == webhook_id,), descending=True)
