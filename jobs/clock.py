"""The one clock and the one id maker; tests patch them here (`jobs.clock.now_ms`).

Callers use `clock.now_ms()` and `clock.new_id()` through the module, so a
patch reaches every service.
"""
import secrets
import time


def now_ms() -> int:
    """Return the current UTC time in whole milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000


def new_id(prefix: str) -> str:
    """Return an opaque id: `prefix` + `_` + 12 URL-safe random characters (docs/api.md, Ids)."""
    return f"{prefix}_{secrets.token_urlsafe(9)}"
