"""The base schema every request and response schema shares."""
from marshmallow import EXCLUDE, Schema, post_dump


class WireSchema(Schema):
    """Ignores unknown fields on load; omits absent optional fields on dump.

    docs/api.md, Conventions: "Unknown fields are ignored" and "Optional fields
    that are absent are omitted from responses, never null".
    """

    class Meta:
        unknown = EXCLUDE

    @post_dump
    def _omit_absent(self, data: dict, **kwargs) -> dict:
        return {key: value for key, value in data.items() if value is not None}
