"""One signed POST of one event to one receiver (docs/api.md, Webhooks: Delivery).

Standard Webhooks (standardwebhooks.com), signed by the `standardwebhooks`
package: headers `webhook-id`, `webhook-timestamp`, `webhook-signature`.
The stdlib's http.client never follows a redirect. The host is resolved
and checked (`targets.checked_address`) before each attempt, and the
connection goes to the checked address (the URL's host still names the
server: `Host` header, TLS server name). The whole attempt, connection
included, is bounded: past the deadline the socket is shut down.
"""
import contextlib
import http.client
import socket
import ssl
import threading
import time
from datetime import UTC, datetime

from standardwebhooks import Webhook as Signer

from jobs.webhooks.targets import Target, TargetRefused, checked_address, split_url

TIMEOUT_SECONDS = 10
USER_AGENT = "shop-jobs-webhooks"
_TLS = ssl.create_default_context()


def signed_headers(secret: str, message_id: str, body: str, moment: datetime) -> dict:
    """Return the Standard Webhooks headers of `body` sent as `message_id` at `moment`."""
    signature = Signer(secret).sign(message_id, moment, body)
    return {"Content-Type": "application/json", "User-Agent": USER_AGENT,
            "webhook-id": message_id, "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": signature}


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to `target` that connects to the already checked `address`."""

    def __init__(self, target: Target, address: str, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.target, self.address = target, address

    def connect(self) -> None:
        """Open the socket to the checked address (TLS with the URL's host as server name)."""
        sock = socket.create_connection((self.address, self.target.port), self.timeout)
        if self.target.scheme == "https":
            sock = _TLS.wrap_socket(sock, server_hostname=self.target.host)
        self.sock = sock


def post(url: str, body: str, headers: dict, allow_private: bool) -> tuple[int | None, str | None]:
    """POST `body` (UTF-8) to `url`; return (the receiver's status or None, an error or None).

    A status outside 2xx comes with the error `receiver answered {status}`;
    no answer within 10 s, a refused address, a failed connection: status
    None and the reason.
    """
    started = time.monotonic()
    target = split_url(url)
    try:
        address = checked_address(target, allow_private)
    except TargetRefused as refused:
        return None, str(refused)
    connection = _PinnedConnection(target, address, TIMEOUT_SECONDS)
    _WATCHDOG.watch(connection, started + TIMEOUT_SECONDS)
    try:
        connection.request("POST", target.path, body.encode(), headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        late = time.monotonic() - started >= TIMEOUT_SECONDS
        return None, f"no answer within {TIMEOUT_SECONDS} s" if late else _describe(error)
    finally:
        _WATCHDOG.forget(connection)
        connection.close()
    if time.monotonic() - started >= TIMEOUT_SECONDS:
        return status, f"no answer within {TIMEOUT_SECONDS} s"
    return status, None if 200 <= status < 300 else f"receiver answered {status}"


class _Watchdog:
    """One thread per process that shuts down the sockets of attempts past their deadline.

    A per-operation timeout alone would let a receiver that drips its answer
    hold an attempt for ever; a timer thread per attempt costs more than the
    attempt on loopback. Deadlines are checked every 0.1 s.
    """

    def __init__(self):
        self.deadlines: dict[http.client.HTTPConnection, float] = {}
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def watch(self, connection: http.client.HTTPConnection, deadline: float) -> None:
        """Cut `connection` at `deadline` (time.monotonic) unless forgotten before."""
        with self.lock:
            self.deadlines[connection] = deadline
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="webhook-watchdog",
                                               daemon=True)
                self.thread.start()

    def forget(self, connection: http.client.HTTPConnection) -> None:
        """Stop watching `connection` (its attempt is over)."""
        with self.lock:
            self.deadlines.pop(connection, None)

    def _run(self) -> None:
        while True:
            time.sleep(0.1)
            now = time.monotonic()
            with self.lock:
                late = [c for c, deadline in self.deadlines.items() if deadline <= now]
            for connection in late:
                _cut(connection)


def _cut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


_WATCHDOG = _Watchdog()


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def now() -> datetime:
    """The attempt's moment, for `webhook-timestamp`."""
    return datetime.now(UTC)
