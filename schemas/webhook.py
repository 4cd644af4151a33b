"""Webhook request and response schemas (docs/api.md, Webhooks)."""
from marshmallow import fields

from jobs.vocabulary import EVENT_TYPES
from jobs.webhooks.targets import split_url
from schemas.base import WireSchema
from schemas.fields import PlainString, Timestamp, WireField
from schemas.query import PageQuerySchema

URL_MAX = 2000
DESCRIPTION_MAX = 1000


class WebhookUrl(WireField):
    """`url`: an absolute http or https URL with a host, at most 2000 characters.

    Missing, null or empty: "{field} is required"; not a string, or not such
    a URL: "{field} must be an http or https URL"; longer: "{field} must be at
    most 2000 characters" (checked before its shape). Whether its host is
    private is the service's question (it needs DNS).
    """

    default_error_messages = {
        "required": "{field} is required",
        "null": "{field} is required",
        "empty": "{field} is required",
        "too_long": "{field} must be at most {maximum} characters",
        "invalid": "{field} must be an http or https URL",
    }

    def message_args(self) -> dict:
        """The cap in "{field} must be at most 2000 characters"."""
        return {"maximum": URL_MAX}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if value == "":
            raise self.make_error("empty")
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if len(value) > URL_MAX:
            raise self.make_error("too_long")
        # A URL holds no white space or control characters (RFC 3986, 2).
        if any(char.isspace() or not char.isprintable() for char in value) \
                or split_url(value) is None:
            raise self.make_error("invalid")
        return value


class EventTypes(WireField):
    """`types`: a non-empty JSON array of known event types, loaded without repeats.

    null is the same as absent (every type); anything else:
    "{field} must be a non-empty list of event types".
    """

    default_error_messages = {"invalid": "{field} must be a non-empty list of event types"}

    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        if (not isinstance(value, list) or not value
                or not all(isinstance(item, str) and item in EVENT_TYPES for item in value)):
            raise self.make_error("invalid")
        return list(dict.fromkeys(value))


class WebhookCreateSchema(WireSchema):
    """POST /api/webhooks body: `url` required; `types`, `jobId`, `description` optional."""

    url = WebhookUrl(required=True, metadata={"type": "string", "minLength": 1,
                                              "maxLength": URL_MAX, "format": "uri"})
    types = EventTypes(allow_none=True, metadata={
        "type": "array", "minItems": 1, "items": {"type": "string", "enum": list(EVENT_TYPES)}})
    job_id = PlainString(data_key="jobId", allow_none=True)
    description = PlainString(maximum=DESCRIPTION_MAX, allow_none=True)


class WebhookSchema(WireSchema):
    """A subscription as sent to clients, fields in the documented order (never its secret)."""

    id = fields.String(required=True)
    url = fields.String(required=True)
    types = fields.List(fields.String())
    job_id = fields.String(data_key="jobId")
    description = fields.String()
    status = fields.String(required=True)
    last_delivered_event_id = fields.Integer(data_key="lastDeliveredEventId")
    created_at = Timestamp(data_key="createdAt", required=True)


class WebhookCreatedSchema(WebhookSchema):
    """Create Webhook's answer: the subscription, then, this once, its `secret`."""

    secret = fields.String(required=True)


class DeliverySchema(WireSchema):
    """One delivery attempt; `status` absent on a network error, `error` only when there was one."""

    event_id = fields.Integer(data_key="eventId", required=True)
    webhook_id = fields.String(data_key="webhookId", required=True)
    attempted_at = Timestamp(data_key="attemptedAt", required=True)
    status = fields.Integer()
    error = fields.String()
    duration_ms = fields.Integer(data_key="durationMs", required=True)


class DeliveryListSchema(PageQuerySchema):
    """GET /api/webhooks/{id}/deliveries query: `limit` and `cursor` only."""
