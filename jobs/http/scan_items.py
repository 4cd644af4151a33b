"""One scan item run as the single request it stands for (docs/api.md, Scans).

An item `{"key", "serialId", "action", ...fields}` is `POST
/api/serials/{serialId}/{action}` with the other fields as its body and
`key` as its Idempotency-Key: it runs that route's own view (the same 404
look-up, body schema, service and answer; `jobs.http.body.item_body`)
through `jobs.http.idempotency.run_once`, the header's own implementation,
so an item and a single request with the same key replay each other. Each
item is its own short transaction, with a request's bound on its waits for
PostgreSQL; its outcome comes from the status. The batch's commits are
flushed to the disk once, before it answers.
"""
import json
from collections.abc import Callable
from contextlib import nullcontext

from flask import current_app
from marshmallow import ValidationError

from jobs import acting
from jobs.errors import ApiError, Forbidden, NotFound
from jobs.http.auth import ROLE_REQUIRED
from jobs.http.body import item_body
from jobs.http.contract import contract_of, unkeyed
from jobs.http.envelope import first_message, flatten_errors
from jobs.http.idempotency import Keyed, answered, canonical_json, fingerprint, run_once
from jobs.services.serials import get_serial
from jobs.services.tokens import role_allows
from jobs.store.flush import one_flush
from jobs.store.postgres import REQUEST_WAIT, bounded_waits
from schemas.scan import ScanItemSchema

item_schema = ScanItemSchema()
# The item's own fields; every other field is the single request's body.
HEAD = ("key", "serialId", "action")


def endpoint(action: str) -> str:
    """The endpoint of the single route an action stands for (`api.advance_serial`, ...)."""
    return f"api.{action}_serial"


def outcome(status: int) -> str:
    """The outcome of a status the single request had (not a replay)."""
    if 200 <= status < 300:
        return "applied"
    return "conflict" if status == 409 else "rejected"


def run_items(items: list[dict]) -> list[dict]:
    """Run the scan items in order; return their results (`Items.run`). Their commits are
    on disk by one flush before the batch answers (`jobs.store.flush.one_flush`)."""
    batch = Items()
    with one_flush():
        return [batch.run(item) for item in items]


class Items:
    """The scan items of one request: what is the same for each (who acts, each action's
    view and whether the role may run it, Get Serial's dump) looked up once."""

    def __init__(self):
        self.acting = acting.current()
        self.show = contract_of(current_app.view_functions["api.get_serial"]).dump
        self.singles: dict[str, tuple[Callable, str | None]] = {}

    def run(self, item: dict) -> dict:
        """Run one scan item; return its result (`key`, `serial_id`, `outcome`, `status`,
        `message`, `serial`), in the wire shape of `ScanResultSchema`'s fields."""
        sent = {name: item[name] for name in ("key", "serialId")
                if isinstance(item.get(name), str)}
        result = {"key": sent.get("key"), "serial_id": sent.get("serialId")}
        try:
            head = item_schema.load({name: item[name] for name in (*HEAD, "scannedAt")
                                     if name in item})
            once = self._run(head, {name: value for name, value in item.items()
                                    if name not in HEAD})
        except ValidationError as error:
            return {**result, **self._refused(400, first_message(flatten_errors(
                error.messages)), sent.get("serialId"))}
        except ApiError as error:
            return {**result, **self._refused(error.status, error.message,
                                              sent.get("serialId"))}
        if once.replayed:
            return {**result, "outcome": "replayed", "status": once.answer.status,
                    "serial": self._serial_now(head["serial_id"])}
        return {**result, "outcome": outcome(once.answer.status), "status": once.answer.status,
                "serial": once.made}

    def _single(self, action: str) -> Callable:
        """The action's view without its key handling, once its role is checked."""
        if action not in self.singles:
            view = current_app.view_functions[endpoint(action)]
            needed, role = contract_of(view).role, self.acting.role
            refused = ROLE_REQUIRED.format(role=needed) \
                if role is not None and not role_allows(role, needed) else None
            self.singles[action] = unkeyed(view), refused
        single, refused = self.singles[action]
        if refused is not None:
            raise Forbidden(refused)
        return single

    def _run(self, head: dict, body: dict):
        """Check the role, then run the item's single request under its key."""
        single = self._single(head["action"])
        serial_id = head["serial_id"]
        path = f"/api/serials/{serial_id}/{head['action']}"
        keyed = Keyed(self.acting.key_owner, head["key"], "POST", path,
                      fingerprint("POST", path, _canonical(body)))
        scanned_at = head.get("scanned_at")
        # Without `scannedAt` the batch's own Acting (which has none) stays as it is.
        # Each item waits for PostgreSQL as long as a request may, not the batch as a whole:
        # a frozen server still ends the batch (503) within one item's bound.
        with nullcontext() if scanned_at is None else acting.scanning(scanned_at), \
                item_body(body), bounded_waits(REQUEST_WAIT):
            return run_once(keyed, lambda: answered(single(serial_id=serial_id)))

    def _refused(self, status: int, message: str, serial_id: str | None) -> dict:
        return {"outcome": outcome(status), "status": status, "message": message,
                "serial": self._serial_now(serial_id)}

    def _serial_now(self, serial_id: str | None) -> dict | None:
        """The serial as it is now (Get Serial's shape), or None when there is none."""
        if not serial_id:
            return None
        try:
            found = get_serial(serial_id)
        except NotFound:
            return None
        return self.show(found)


def _canonical(body: dict) -> bytes:
    """The item's body as the header's fingerprint reads one; nested too deep for that
    (hundreds of levels), by sorted `json.dumps`, so that the item still replays itself."""
    try:
        return canonical_json(body).encode("utf-8")
    except RecursionError:
        return b"deep:" + json.dumps(body, sort_keys=True, default=str).encode("utf-8")
