"""Void: serials that should not exist (docs/api.md, Void), all or nothing, in set operations.

A batch of up to 10,000 ids is checked and written with `IN` lists and
multi-row inserts (never a statement per serial): the serials locked, the
404s, then the 409s (already voided, has a standing move), one UPDATE per
chunk, one `serial.voided` event and one `serial_move` row (for Undo) per
serial.
"""
from peewee import chunked

from jobs import acting, clock
from jobs.errors import Conflict, NotFound
from jobs.services import history
from jobs.services.serial_state import MOVE_COLUMNS, RESTORED
from jobs.store.bulk import insert_rows
from jobs.store.db import write_transaction
from jobs.store.models import Serial, SerialMove
from jobs.store.records import NOT_FOUND, NUL, locked
from jobs.store.statements import query_rows
from jobs.vocabulary import IN_PROGRESS, VOIDED

CHUNK = 500


def _locked_serials(ids: list[str]) -> dict[str, dict]:
    found = {}
    # In id order, so that concurrent voids of overlapping sets lock alike (no deadlock).
    # No stored id holds NUL (PostgreSQL text cannot): such an id names nothing.
    for chunk in chunked(sorted(i for i in ids if NUL not in i), CHUNK):
        query = locked(Serial.select().where(Serial.id.in_(chunk)).order_by(Serial.id),
                       "FOR UPDATE")
        found.update((row["id"], row) for row in query_rows(query))
    return found


def _moved(ids: list[str]) -> set[str]:
    moved = set()
    for chunk in chunked(ids, CHUNK):
        query = SerialMove.select(SerialMove.serial_id).where(
            SerialMove.serial_id.in_(chunk) & SerialMove.undone_at.is_null())
        moved.update(serial_id for (serial_id,) in query.tuples())
    return moved


ALREADY_VOIDED = "Serial {id} is already voided"
HAS_MOVED = "Serial {id} has moved and cannot be voided"


def _require_voidable(ids: list[str], found: dict[str, dict]) -> None:
    for ident in ids:
        if ident not in found:
            raise NotFound(NOT_FOUND[Serial], id=ident)
    moved = _moved(ids)
    for ident in ids:
        serial = found[ident]
        if serial["status"] == VOIDED:
            raise Conflict(ALREADY_VOIDED, id=ident)
        # Off its creation state with no standing move: moved before moves were kept.
        if ident in moved or (serial["status"], serial["current_step_index"]) != (IN_PROGRESS, 0):
            raise Conflict(HAS_MOVED, id=ident)


def void_serials(serial_ids: list[str], reason: str) -> list[dict]:
    """Void every serial of `serial_ids` (distinct), or none; return them, voided, in that order.

    Raises NotFound `Serial not found: {id}` (the first missing, before any
    409), then Conflict `Serial {id} is already voided` / `Serial {id} has
    moved and cannot be voided` (the first in request order).
    """
    with write_transaction():
        found = _locked_serials(serial_ids)
        _require_voidable(serial_ids, found)
        stamp = clock.now_ms()
        for chunk in chunked(serial_ids, CHUNK):
            Serial.update(status=VOIDED, updated_at=stamp).where(Serial.id.in_(chunk)).execute()
        serials = [found[ident] for ident in serial_ids]
        ids = history.record_serial_events("serial.voided",
                                           [(serial, {"reason": reason}) for serial in serials])
        actor = acting.current().actor
        image = SerialMove.before.db_value
        insert_rows(SerialMove, MOVE_COLUMNS, [
            (event_id, serial["id"], "serial.voided", actor, stamp,
             image({"serial": {c: serial[c] for c in RESTORED}, "steps": []}))
            for event_id, serial in zip(ids, serials, strict=True)])
    return [{**serial, "status": VOIDED, "updated_at": stamp} for serial in serials]
