"""The base schema every request and response schema shares."""
from collections.abc import Iterable
from functools import cached_property

from marshmallow import EXCLUDE, Schema, fields, post_dump

from schemas.fields import Choice


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

    def dump(self, obj, *, many: bool | None = None):
        """Serialize `obj` as marshmallow's `dump` does; rows (dicts) take `dump_rows`' path.

        The store hands out dicts, so every answer takes the fast path, nested
        schemas included (a `Nested` field dumps through its schema's `dump`).
        Anything else goes through marshmallow.
        """
        many = self.many if many is None else many
        if many and isinstance(obj, list) and all(type(row) is dict for row in obj):
            return self.dump_rows(obj)
        if not many and type(obj) is dict:
            return self.dump_rows((obj,))[0]
        return super().dump(obj, many=many)

    def dump_rows(self, rows: Iterable[dict]) -> list[dict]:
        """Return what `self.dump(rows, many=True)` returns, about 5 times faster.

        For flat rows (the store's dicts keyed by column): each field's own
        serialization is applied to its value and absent or None values are
        left out, which is all `dump` does for a schema whose only dump hook
        is `_omit_absent`; a value that already has the type a plain field
        makes of it is taken as it is. Lists use it (docs/benchmarks.md, Lists).
        """
        plan = self._row_plan
        return [{key: value if type(value) is plain else serialize(value, attr, row)
                 for key, attr, plain, serialize in plan
                 if (value := row.get(attr)) is not None} for row in rows]

    @cached_property
    def _row_plan(self) -> list[tuple]:
        return [(field.data_key or name, field.attribute or name,
                 _SERIALIZED_AS.get(type(field)), field._serialize)
                for name, field in self.dump_fields.items()]


# Field classes whose serialization gives back a value of this type unchanged.
_SERIALIZED_AS = {fields.String: str, fields.Integer: int, Choice: str}
