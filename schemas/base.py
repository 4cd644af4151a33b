"""The base schema every request and response schema shares."""
from collections.abc import Iterable
from functools import cached_property

from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing, post_dump
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

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

    def load(self, data, *, many: bool | None = None, partial=None, unknown: str | None = None):
        """Deserialize `data` as marshmallow's `load` does; a dict, for a schema that allows it,
        by `_load_plan`, 2 to 3 times faster, an empty body 10 (docs/benchmarks.md, Scans).

        The plan is what `load` does for a schema without load hooks, with
        unknown fields excluded and no `partial`: each field's own `deserialize`
        of its value (or `missing`), kept under its attribute unless `missing`;
        an absent optional field without a `load_default` is `missing` without
        asking it. When a field fails, marshmallow's own `load` runs, for its
        error with every field's messages.
        """
        plan = self._load_plan
        if plan is None or type(data) is not dict or many is not None or partial is not None \
                or unknown not in (None, EXCLUDE):
            return super().load(data, many=many, partial=partial, unknown=unknown)
        loaded = {}
        try:
            for name, attribute, deserialize, optional in plan:
                value = data.get(name, missing)
                if value is missing and optional:
                    continue
                value = deserialize(value, name, data)
                if value is not missing:
                    loaded[attribute] = value
        except ValidationError:
            return super().load(data, unknown=unknown)
        return loaded

    @cached_property
    def _load_plan(self) -> list[tuple] | None:
        """`(data key, attribute, deserialize, optional)` per load field, or None when `load`
        does more; `optional`: absent, the field loads as `missing` (Field.deserialize's own
        rule for a field neither required nor with a `load_default`)."""
        if self.many or self.partial is not None or self.unknown != EXCLUDE \
                or any(self._hooks[hook] for hook in (PRE_LOAD, VALIDATES, VALIDATES_SCHEMA,
                                                      POST_LOAD)):
            return None
        plan = [(name if field.data_key is None else field.data_key, field.attribute or name,
                 field.deserialize, not field.required and field.load_default is missing
                 and type(field).deserialize is fields.Field.deserialize)
                for name, field in self.load_fields.items()]
        return None if any("." in row[1] for row in plan) else plan

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
                 _SERIALIZED_AS.get(type(field)), _serializer(field))
                for name, field in self.dump_fields.items()]


def _serializer(field: fields.Field):
    """`field._serialize`; for a list of one nested `WireSchema` (a serial's `steps`), a list
    of rows is dumped at once by `dump_rows`, which is what each row's own dump gives."""
    inner = getattr(field, "inner", None)
    if type(field) is not fields.List or type(inner) is not fields.Nested:
        return field._serialize
    schema = inner.schema
    if not isinstance(schema, WireSchema) or schema.many or inner.many:
        return field._serialize

    def serialize(value, attr, obj, **kwargs):
        if type(value) is list and all(type(row) is dict for row in value):
            return schema.dump_rows(value)
        return field._serialize(value, attr, obj, **kwargs)

    return serialize


# Field classes whose serialization gives back a value of this type unchanged.
_SERIALIZED_AS = {fields.String: str, fields.Integer: int, Choice: str}
