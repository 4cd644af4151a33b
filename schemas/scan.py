"""POST /api/scans: the batch, each item's own fields, and the results (docs/api.md, Scans).

The batch schema checks only the body's shape; an item's `key`,
`serialId`, `action` and `scannedAt` are checked one item at a time
(`ScanItemSchema`), so that a bad item is that item `rejected`. The
action's own fields are the single endpoint's, loaded by its own schema.
"""
from marshmallow import fields

from jobs import clock
from schemas.base import WireSchema
from schemas.fields import Choice, WireField, valid_key
from schemas.query import TIMESTAMP_EXAMPLE, QueryTimestamp

MAX_SCANS = 1000
ACTIONS = ("advance", "scrap", "hold", "rework")
FUTURE_MS = 5 * 60_000
OUTCOMES = ("applied", "replayed", "conflict", "rejected")


class Scans(WireField):
    """1 to 1000 items, each a JSON object."""

    default_error_messages = {
        "required": "{field} must be a list of 1 to 1000 scans",
        "invalid": "{field} must be a list of 1 to 1000 scans",
        "null": "{field} must be a list of 1 to 1000 scans",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> list[dict]:
        if not isinstance(value, list) or not 0 < len(value) <= MAX_SCANS \
                or not all(isinstance(item, dict) for item in value):
            raise self.make_error("invalid")
        return value


class ScanBatchSchema(WireSchema):
    """POST /api/scans body: `scans`, 1 to 1000 items (each: `ScanItemSchema` and the
    action's fields)."""

    scans = Scans(required=True, metadata={
        "type": "array", "minItems": 1, "maxItems": MAX_SCANS, "items": {"type": "object"}})


class Key(WireField):
    """A scan item's idempotency key: 1 to 255 visible ASCII characters."""

    default_error_messages = {
        "required": "{field} must be 1 to 255 visible ASCII characters",
        "invalid": "{field} must be 1 to 255 visible ASCII characters",
        "null": "{field} must be 1 to 255 visible ASCII characters",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if not valid_key(value):
            raise self.make_error("invalid")
        return value


class SerialRef(WireField):
    """A scan item's serial id: a non-empty string, looked up as sent (unknown: 404)."""

    default_error_messages = {"required": "{field} is required", "null": "{field} is required",
                              "invalid": "{field} is required"}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if not isinstance(value, str) or not value:
            raise self.make_error("invalid")
        return value


class ScannedAt(QueryTimestamp):
    """When the station captured the scan: a timestamp no later than now + 5 minutes."""

    default_error_messages = {
        "invalid": "{field} must be a timestamp like " + TIMESTAMP_EXAMPLE,
        "null": "{field} must be a timestamp like " + TIMESTAMP_EXAMPLE,
        "future": "{field} must not be more than 5 minutes in the future",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment > clock.now_ms() + FUTURE_MS:
            raise self.make_error("future")
        return moment


class ScanItemSchema(WireSchema):
    """One scan's own fields, in check order: `key`, `serialId`, `action`, `scannedAt`."""

    key = Key(required=True)
    serial_id = SerialRef(data_key="serialId", required=True)
    action = Choice(ACTIONS, required=True,
                    error_messages={"required": "{field} must be one of: {choices}"})
    scanned_at = ScannedAt(data_key="scannedAt")


class ScanResultSchema(WireSchema):
    """One item's result, in the items' order (docs/api.md, Scans)."""

    key = fields.String()
    serial_id = fields.String(data_key="serialId")
    outcome = Choice(OUTCOMES, required=True)
    status = fields.Integer(required=True, metadata={
        "description": "the HTTP status the single request would have had"})
    message = fields.String(metadata={"description": "when `status` is not 2xx"})
    serial = fields.Dict(metadata={
        "description": "the serial as it is after the item (Get Serial's shape), when it "
                       "exists"})


class ScanResultsSchema(WireSchema):
    """POST /api/scans answer: `results`, one per item, in order."""

    results = fields.List(fields.Nested(ScanResultSchema), required=True)
