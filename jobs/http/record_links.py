"""Signed links to a serial's printable record (docs/api.md, Records an auditor can trust).

A link is valid for one serial until `expires` (Unix seconds, 15 minutes
after it was made): `signature` is the hex HMAC-SHA256 of the serial id and
`expires` under a key derived from the service's secret, so no token ever
goes into a URL.
"""
import hashlib
import hmac
from urllib.parse import quote

from jobs import clock
from jobs.http.pages import service_secret

VALID_SECONDS = 15 * 60
PURPOSE = b"record-link"


def _signature(serial_id: str, expires: int) -> str:
    key = hmac.new(service_secret(), PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, f"{serial_id}\n{expires}".encode(), hashlib.sha256).hexdigest()


def record_link(serial_id: str) -> str:
    """Return the path of serial `serial_id`'s printable record, signed for 15 minutes."""
    expires = clock.now_ms() // 1000 + VALID_SECONDS
    return (f"/serials/{quote(serial_id, safe='')}/record?expires={expires}"
            f"&signature={_signature(serial_id, expires)}")


def is_valid(serial_id: str, expires: str | None, signature: str | None) -> bool:
    """Whether `expires` and `signature` (query values as sent) open `serial_id`'s record now."""
    if not (expires and len(expires) <= 12 and expires.isascii() and expires.isdigit()
            and signature):
        return False
    if int(expires) * 1000 < clock.now_ms():
        return False
    return hmac.compare_digest(signature.encode(), _signature(serial_id, int(expires)).encode())
