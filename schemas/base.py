"""The base schema every request and response schema shares."""
from marshmallow import EXCLUDE, Schema, ValidationError, post_dump, pre_load


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


class QuerySchema(WireSchema):
    """Query parameters: every field an optional filter, loaded from a werkzeug MultiDict.

    docs/api.md, List Serials: an empty value (`?jobId=`) means no filter; a
    parameter given twice is ambiguous: "{field} must be given at most once".
    Unknown parameters are ignored.
    """

    @pre_load
    def _single_values(self, args, **kwargs) -> dict:
        keys = [field.data_key or name for name, field in self.load_fields.items()]
        repeated = {key: [f"{key} must be given at most once"]
                    for key in keys if len(args.getlist(key)) > 1}
        if repeated:
            raise ValidationError(repeated)
        return {key: args[key] for key in keys if args.get(key)}
