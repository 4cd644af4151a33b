"""The deliverer (docs/operations.md, Webhooks): `flask --app app webhooks deliver`.

A loop: find the subscriptions that are due, claim each (a lease), and
deliver its events in id order, one at a time, each attempt recorded
before the next is sent; stop a subscription's turn at its first failure
(it waits for its backoff) or after `BATCH` events (so that others get a
turn). Several subscriptions are delivered side by side by a small thread
pool, so a slow receiver holds up only its own. Every database use is a
short transaction on a pooled connection, never held across a POST.
SIGTERM (or `stop()`) ends the loop once the attempts in flight are
recorded; a deliverer killed outright loses nothing: its leases expire, and
its last event, if its 2xx was not recorded, is sent again, same webhook-id.
"""
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from jobs import clock
from jobs.services import delivery
from jobs.store.db import db
from jobs.store.flush import sync_committed
from jobs.webhooks import sender

log = logging.getLogger(__name__)
BATCH = 100
THREADS = 8


@dataclass(frozen=True)
class Settings:
    """What a deliverer runs with: `encode(row)` makes an event's body (the wire JSON), the
    private-address rule, the first backoff and the idle poll interval, in seconds."""

    encode: Callable[[dict], str]
    allow_private: bool = False
    backoff_seconds: float = 5
    poll_seconds: float = 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def message_id(webhook_id: str, event_id: int) -> str:
    """The `webhook-id` of event `event_id` sent to `webhook_id`: the same on every retry."""
    return f"{webhook_id}_{event_id}"


class Deliverer:
    """Delivers every subscription's events until `stop()`; `owner` names it in the leases."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.host = socket.gethostname()
        self.owner = f"{self.host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()

    def stop(self) -> None:
        """Ask the loop to end after the attempts in flight."""
        self.stopping.set()

    def run(self) -> None:
        """Deliver until `stop()`: rounds while work is due, a poll interval's rest when idle.

        First, the leases of this host's dead deliverers are freed (a restart
        carries on at once, not after their expiry).
        """
        with db.connection_context():
            delivery.free_leases_of_the_dead(self.host, _alive)
        with ThreadPoolExecutor(THREADS, thread_name_prefix="deliver") as pool:
            while not self.stopping.is_set():
                if not self.round(pool):
                    self.stopping.wait(self.settings.poll_seconds)

    def round(self, pool: ThreadPoolExecutor) -> bool:
        """Deliver one turn of every due subscription; return whether any was due."""
        try:
            with db.connection_context():
                due = delivery.due(clock.now_ms())
            turns = list(pool.map(self.turn, [row["id"] for row in due]))
        except Exception:
            log.exception("delivery round failed")
            self.stopping.wait(self.settings.poll_seconds)
            return False
        return any(turns)

    def turn(self, webhook_id: str) -> bool:
        """Claim `webhook_id` and deliver up to `BATCH` of its events; return whether claimed."""
        with db.connection_context():
            webhook = delivery.claim(webhook_id, self.owner)
        if webhook is None:
            return False
        try:
            self._deliver_batch(webhook)
        finally:
            with db.connection_context():
                delivery.release(webhook_id, self.owner)
        return True

    def _deliver_batch(self, webhook: dict) -> None:
        with db.connection_context():
            events = delivery.next_events(webhook, BATCH)
            # Sent only once on disk: a scan batch's items are committed before they are
            # synced, and a power cut could undo an event a receiver already has.
            if events:
                sync_committed()
        session = sender.Session()
        try:
            self._deliver_in_order(webhook, events, session)
        finally:
            session.close()

    def _deliver_in_order(self, webhook: dict, events: list[dict], session) -> None:
        for event in events:
            if self.stopping.is_set():
                return
            attempt = self.attempt(webhook, event, session)
            with db.connection_context():
                held = delivery.record(webhook, self.owner, attempt,
                                       int(self.settings.backoff_seconds * 1000))
            if not held or not attempt.delivered:
                return
            webhook = {**webhook, "cursor": event["id"], "failures": 0, "failing_since": None}

    def attempt(self, webhook: dict, event: dict,
                session: sender.Session | None = None) -> delivery.Attempt:
        """POST `event` to `webhook`'s receiver, signed (on `session`'s connection, when
        given); return the attempt's outcome."""
        body = self.settings.encode(event)
        moment = sender.now()
        headers = sender.signed_headers(webhook["secret"], message_id(webhook["id"], event["id"]),
                                        body, moment)
        started = time.monotonic()
        status, error = sender.post(webhook["url"], body, headers, self.settings.allow_private,
                                    session)
        return delivery.Attempt(event["id"], int(moment.timestamp() * 1000), status, error,
                                int((time.monotonic() - started) * 1000))
