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
# An answer's body up to this size is read, so that its connection serves the next POST.
KEEP_ALIVE_BODY = 65536
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
        # http.client sends the headers and the body in two writes: without this, on a
        # kept connection the body waits for the receiver's delayed ACK (40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.target.scheme == "https":
            sock = _TLS.wrap_socket(sock, server_hostname=self.target.host)
        self.sock = sock


class Session:
    """The connection kept open between the attempts of one deliverer's turn (keep-alive).

    Reused only for the same scheme, host, port and checked address, and only
    after an answer whose body was read whole (at most `KEEP_ALIVE_BODY`).
    """

    def __init__(self):
        self.connection: _PinnedConnection | None = None

    def connection_to(self, target: Target, address: str) -> tuple[_PinnedConnection, bool]:
        """Return a connection to `address` for `target`, and whether it is a reused one."""
        kept = self.connection
        if kept is not None and kept.sock is not None and (kept.target, kept.address) == (
                target, address):
            return kept, True
        self.close()
        self.connection = _PinnedConnection(target, address, TIMEOUT_SECONDS)
        return self.connection, False

    def close(self) -> None:
        """Close the kept connection, if any."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def post(url: str, body: str, headers: dict, allow_private: bool,
         session: Session | None = None) -> tuple[int | None, str | None]:
    """POST `body` (UTF-8) to `url`; return (the receiver's status or None, an error or None).

    A status outside 2xx comes with the error `receiver answered {status}`;
    no answer within 10 s, a refused address, a failed connection: status
    None and the reason. `session` keeps the connection for the next POST.
    """
    started = time.monotonic()
    target = split_url(url)
    try:
        address = checked_address(target, allow_private)
    except TargetRefused as refused:
        return None, str(refused)
    kept = session or Session()
    try:
        status = _exchange(kept, target, address, body.encode(), headers, started)
    except (OSError, http.client.HTTPException) as error:
        kept.close()
        late = time.monotonic() - started >= TIMEOUT_SECONDS
        return None, f"no answer within {TIMEOUT_SECONDS} s" if late else _describe(error)
    finally:
        if session is None:
            kept.close()
    if time.monotonic() - started >= TIMEOUT_SECONDS:
        return status, f"no answer within {TIMEOUT_SECONDS} s"
    return status, None if 200 <= status < 300 else f"receiver answered {status}"


def _exchange(session: Session, target: Target, address: str, payload: bytes, headers: dict,
              started: float) -> int:
    # A kept connection the receiver has closed meanwhile fails at once: the
    # POST is sent again on a new one (at worst a duplicate, same webhook-id).
    while True:
        connection, reused = session.connection_to(target, address)
        _WATCHDOG.watch(connection, started + TIMEOUT_SECONDS)
        try:
            connection.request("POST", target.path, payload, headers)
            response = connection.getresponse()
            response.read(KEEP_ALIVE_BODY)
            if not response.isclosed():
                session.close()
            return response.status
        except ConnectionError:
            session.close()
            if not reused:
                raise
        finally:
            _WATCHDOG.forget(connection)


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
