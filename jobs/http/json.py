"""Flask's JSON provider on orjson: the same bytes as `json.dumps` gives them, faster.

Answers are compact (no spaces), keys in the order given (never sorted),
non-ASCII characters as they are, one `\\n` at the end, as Flask's default
provider with `sort_keys = False` and `ensure_ascii = False` writes them
(docs/benchmarks.md, Speed). The one difference, the exponent of a float
below 1e-4 or from 1e16 (`1e-7`, not `1e-07`), never shows: the only floats
the API answers are percentages with two decimals. Reading request bodies stays with
`jobs.http.body`, which needs exact decimals.
"""
from decimal import Decimal

import orjson
from flask.json.provider import DefaultJSONProvider


class OrjsonProvider(DefaultJSONProvider):
    """`app.json`: `dumps` and `response` through orjson; `loads` as Flask's default."""

    sort_keys = False
    ensure_ascii = False

    def dumps(self, obj, **kwargs) -> str:
        """Serialize `obj` compactly; keyword arguments are ignored (always compact)."""
        return self._encode(obj).decode()

    def response(self, *args, **kwargs):
        """Return `args`/`kwargs` (as `jsonify` takes them) as a JSON response."""
        body = self._encode(self._prepare_response_obj(args, kwargs)) + b"\n"
        return self._app.response_class(body, mimetype=self.mimetype)

    def _encode(self, obj) -> bytes:
        try:
            return orjson.dumps(obj, default=self._exact)
        except TypeError:
            # orjson stops at 64-bit integers; the standard library has no bound.
            return super().dumps(obj, separators=(",", ":")).encode()

    def _exact(self, obj):
        # A Decimal (a measurement as sent) is the JSON number it was, not a string.
        if isinstance(obj, Decimal):
            return orjson.Fragment(str(obj))
        return self.default(obj)
