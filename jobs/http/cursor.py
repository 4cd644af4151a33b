"""Signed list cursors (docs/api.md, Lists: pages and filters).

A cursor is `base64url(payload + HMAC-SHA256(secret, payload))` without
padding, where the payload is the JSON `[list, filters, key]`: the list's
name, a digest of the filters and path parameters the page was made for
(so the cursor's length does not grow with a long `q`), and the last item's
sort key. Only the one canonical spelling of a token is accepted, so a
cursor that was cut, edited, re-padded or given to another list or other
filters does not open.
"""
import base64
import hashlib
import hmac
import json

MAC_BYTES = hashlib.sha256().digest_size


class InvalidCursor(ValueError):
    """The cursor was not made by this service for this list and these filters."""


def cursor_scope(name: str, filters: dict) -> list[str]:
    """Return what a cursor is bound to: the list `name` and a digest of `filters`."""
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).digest()[:16]
    return [name, _encode(digest)]


def make_cursor(secret: bytes, scope: list[str], key: list) -> str:
    """Return the signed cursor that continues the list `scope` after the sort key `key`."""
    payload = json.dumps([*scope, key], separators=(",", ":"), ensure_ascii=False).encode()
    return _encode(payload + _sign(secret, payload))


def open_cursor(secret: bytes, scope: list[str], token: str) -> list:
    """Return the sort key carried by `token`; raise InvalidCursor unless this service
    signed exactly this token for the list and filters of `scope`."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError as error:
        raise InvalidCursor(token) from error
    payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if _encode(raw) != token or not hmac.compare_digest(mac, _sign(secret, payload)):
        raise InvalidCursor(token)
    *made_for, key = json.loads(payload)
    if made_for != scope:
        raise InvalidCursor(token)
    return key


def _sign(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
