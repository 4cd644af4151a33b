"""GET /api/health's answer (docs/api.md: Operations)."""
from marshmallow import fields

from schemas.base import WireSchema


class HealthSchema(WireSchema):
    """`{"status": "ok"}`: the database answered."""

    status = fields.String(required=True)
