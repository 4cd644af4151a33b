"""A real webhook receiver for tests: a threaded http.server on 127.0.0.1, recording every POST."""
import http.server
import threading
import time
from dataclasses import dataclass

from standardwebhooks import Webhook


@dataclass(frozen=True)
class Received:
    """One POST as the receiver got it: its headers (lower-case names), raw body and the
    client's port (one per connection)."""

    headers: dict
    body: bytes
    port: int = 0

    def verified(self, secret: str) -> dict:
        """The event, after `standardwebhooks` verified the signature (raises if it fails)."""
        return Webhook(secret).verify(self.body, self.headers)


class Receiver:
    """Answers each POST with `status` (settable; a callable of the request count also works),
    after `delay` seconds; `received` lists what came, in arrival order. Stop with `stop()`.
    `protocol` `HTTP/1.1` keeps connections open; `HTTP/1.0` closes each after its answer."""

    def __init__(self, status=200, delay: float = 0, location: str | None = None,
                 protocol: str = "HTTP/1.1"):
        self.status, self.delay, self.location = status, delay, location
        self.protocol = protocol
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/shop"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = receiver.protocol

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.received.append(Received(
                        {k.lower(): v for k, v in self.headers.items()}, body,
                        self.client_address[1]))
                    count = len(receiver.received)
                time.sleep(receiver.delay)
                status = receiver.status
                self.send_response(status(count) if callable(status) else status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def wait_for(self, count: int, seconds: float = 30) -> list[Received]:
        """Wait until `count` POSTs came (AssertionError after `seconds`); return them all."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} arrived"
            time.sleep(0.02)
        return list(self.received)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
