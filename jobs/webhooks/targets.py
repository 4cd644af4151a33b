"""Where a webhook goes: its URL's host resolved, and the private-address rule.

docs/api.md, Webhooks: a URL whose host resolves to a loopback, private,
link-local or multicast address is refused unless `WEBHOOK_ALLOW_PRIVATE`
is on. The rule is applied to every address the host resolves to, at
creation and again before each delivery, and the delivery connects to the
very address that was checked (a name that resolves elsewhere a moment
later cannot redirect it).
"""
import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimedOut
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

PRIVATE_ADDRESS = "url must not point to a private address"
DEFAULT_PORTS = {"http": 80, "https": 443}
# The system resolver may wait far longer (several servers, retries): a request or a
# delivery waits for it this long at most.
LOOKUP_SECONDS = 2
_lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


class TargetRefused(Exception):
    """The URL cannot be delivered to: its host does not resolve, or points to a private address."""


class PrivateAddress(TargetRefused):
    """The host resolves to an address the rule forbids (`PRIVATE_ADDRESS`)."""


@dataclass(frozen=True)
class Target:
    """A webhook URL split for a request: `scheme`, `host`, `port`, `path` (with its query)."""

    scheme: str
    host: str
    port: int
    path: str


def split_url(url: str) -> Target | None:
    """Return `url`'s `Target`, or None unless it is an absolute http or https URL with a host.

    The host is percent-decoded: an IPv6 zone id is written `%25` in a URL
    (RFC 6874), and `[::1%25lo]` is the loopback address `::1%lo`.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, unquote(parts.hostname), port or DEFAULT_PORTS[parts.scheme],
                  path)


def is_private(address: str) -> bool:
    """Whether `address` (an IP address) is loopback, private, link-local, multicast,
    unspecified or reserved: nothing a webhook may reach by default."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
            or ip.is_unspecified or ip.is_reserved)


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def resolve(target: Target) -> list[str]:
    """Return the addresses `target.host` resolves to within `LOOKUP_SECONDS`.

    Raises TargetRefused when it resolves to none, or not in time.
    """
    lookup = _lookups.submit(socket.getaddrinfo, target.host, target.port,
                             type=socket.SOCK_STREAM)
    try:
        found = lookup.result(timeout=LOOKUP_SECONDS)
    except LookupTimedOut:
        raise TargetRefused(f"host {target.host} did not resolve within "
                            f"{LOOKUP_SECONDS} s") from None
    except (OSError, UnicodeError) as error:
        raise TargetRefused(f"host {target.host} does not resolve: {error}") from None
    return list(dict.fromkeys(info[4][0] for info in found))


def checked_address(target: Target, allow_private: bool) -> str:
    """Resolve `target` and return the address to connect to, the rule applied.

    Raises TargetRefused when the host does not resolve, PrivateAddress when
    any of its addresses is private and `allow_private` is off. An address
    written as the host (a zone id too, which the resolver may refuse) is
    judged as written.
    """
    if not allow_private and _literal(target.host) and is_private(target.host):
        raise PrivateAddress(PRIVATE_ADDRESS)
    addresses = resolve(target)
    if not allow_private and any(is_private(address) for address in addresses):
        raise PrivateAddress(PRIVATE_ADDRESS)
    return addresses[0]
