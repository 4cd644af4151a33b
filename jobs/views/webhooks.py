"""Webhook routes (docs/api.md, Webhooks): subscriptions and their delivery log (planner)."""
from flask import current_app, url_for

from jobs.http import ListPage, bp, contract, load_body
from jobs.services import jobs
from jobs.services import webhooks as service
from jobs.webhooks.targets import PRIVATE_ADDRESS
from schemas.webhook import (
    DeliveryListSchema,
    DeliverySchema,
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookSchema,
)

NOT_FOUND = {404: (service.NOT_FOUND,)}


@bp.post("/webhooks")
@contract(WebhookCreatedSchema, status=201, body=WebhookCreateSchema, idempotent=True,
          role="planner", headers={"Location": "`/api/webhooks/{id}` of the new subscription"},
          errors={400: (PRIVATE_ADDRESS,), 404: (jobs.NOT_FOUND.format(id="{jobId}"),)},
          examples={"all events": {"url": "https://erp.example.com/hooks/shop"}})
def create_webhook():
    """Create Webhook: 201 with the subscription and, this once, its `secret`."""
    row = service.create_webhook(load_body(), current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    return row, {"Location": url_for(".get_webhook", webhook_id=row["id"])}


@bp.get("/webhooks")
@contract(WebhookSchema(many=True), role="planner")
def list_webhooks():
    """List Webhooks: 200 with every subscription, oldest first."""
    return service.webhook_list()


@bp.get("/webhooks/<webhook_id>")
@contract(WebhookSchema, role="planner", errors=NOT_FOUND)
def get_webhook(webhook_id: str):
    """Get Webhook: 200 with the subscription (never its secret)."""
    return service.webhook(webhook_id)


@bp.delete("/webhooks/<webhook_id>")
@contract(None, status=204, role="planner", errors=NOT_FOUND)
def delete_webhook(webhook_id: str):
    """Delete Webhook: 204; its deliveries stop and its log goes with it."""
    service.delete_webhook(webhook_id)


@bp.post("/webhooks/<webhook_id>/resume")
@contract(WebhookSchema, idempotent=True, role="planner", errors=NOT_FOUND)
def resume_webhook(webhook_id: str):
    """Resume Webhook: 200 with the subscription, `active` and retried now."""
    return service.resume_webhook(webhook_id)


@bp.get("/webhooks/<webhook_id>/deliveries")
@contract(DeliverySchema(many=True), role="planner", query=DeliveryListSchema,
          page=ListPage("webhook deliveries", "newest first (by attempt)"), errors=NOT_FOUND)
def list_deliveries(webhook_id: str):
    """List Deliveries: 200 with the subscription's attempts, newest first, paged or streamed."""
    return service.delivery_list(webhook_id)
