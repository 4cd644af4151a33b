"""Sending a part back and correcting mistakes: Rework, Undo (docs/api.md, Rework; Undo).

Each runs in one write transaction under the serial's row lock. Undo
restores the "before" image its move stored (`serial_state.save`) and marks
that move undone in `serial_move` (derived state, not the event log: no
event changes); it records `serial.undone`. Void is in `jobs.services.voids`.
"""
from peewee import SQL

from jobs import acting, clock
from jobs.errors import Conflict, Forbidden
from jobs.services import routing
from jobs.services.moves import step_number
from jobs.services.serial_state import (
    IS_ON_HOLD,
    IS_VOIDED,
    RESTORED,
    detail,
    locate,
    look,
    record,
    require_status,
    save,
    write_states,
)
from jobs.store.db import read_snapshot, write_transaction
from jobs.store.models import Job, Path, Serial, SerialMove
from jobs.store.records import fetch, update_row
from jobs.store.statements import first_row, param, statement
from jobs.vocabulary import IN_PROGRESS, ON_HOLD, SCRAPPED, VOIDED

REWORK_REFUSED = {SCRAPPED: "Cannot rework a scrapped serial", VOIDED: IS_VOIDED,
                  ON_HOLD: IS_ON_HOLD}
NOTHING_TO_UNDO = "Serial {id} has nothing to undo"
NOT_THE_LAST_MOVE = "Event {eventId} is not the last move of serial {id}"
PLANNER_ONLY = "Only a planner can undo this move"
CANNOT_RESTORE = "Serial {id} can no longer be restored: its job or path was deleted"


def rework_range(serial_id: str) -> int:
    """Return the highest step Rework may send serial `serial_id` to, after its status rules.

    Read without a lock, for the order of the checks (status before the
    body's fields); `rework_serial` checks both again under the lock.
    Raises NotFound, BadRequest (scrapped, voided), Conflict (on hold).
    """
    with read_snapshot():
        located = look(serial_id)
    require_status(located, REWORK_REFUSED)
    return _highest(located)


def _highest(located) -> int:
    at = located.serial["current_step_index"]
    return len(located.steps) - 1 if at == routing.COMPLETED_AT else at


def rework_serial(serial_id: str, to_step_index: int, reason: str, note: str | None = None,
                  operator: str | None = None) -> dict:
    """Rework: send the serial back to `to_step_index` (also a completed one); `serial.reworked`.

    The step becomes current with one more visit, every later step pending,
    `reworkCount` + 1, a completed serial `in_progress` again. Raises
    NotFound, BadRequest, Conflict as `rework_range`, and BadRequest
    `toStepIndex must be from 0 to {max}`.
    """
    with write_transaction():
        located = locate(serial_id)
        require_status(located, REWORK_REFUSED)
        to = step_number(to_step_index, 0, _highest(located))
        at = located.serial["current_step_index"]
        changes = {"current_step_index": to, "status": IN_PROGRESS,
                   "rework_count": located.serial["rework_count"] + 1}
        data = {"fromStepIndex": at, "toStepIndex": to,
                "fromStep": None if at == routing.COMPLETED_AT else located.name(at),
                "toStep": located.name(to), "reason": reason, "note": note}
        save(located, changes, routing.rework(located.states, to), "serial.reworked", data,
             operator)
    return detail(located)


def _standing_move():
    return (SerialMove.select()
            .where((SerialMove.serial_id == param("serial_id")) & SerialMove.undone_at.is_null())
            .order_by(SerialMove.event_id.desc()).limit(SQL("1")))


def _require_undoable(serial: dict, move: dict | None, event_id: int | None,
                      undo_minutes: float) -> None:
    """The checks of Undo after the body, in order (docs/api.md, Precisions: Check orders)."""
    if move is None:
        raise Conflict(NOTHING_TO_UNDO, id=serial["id"])
    if event_id is not None and event_id != move["event_id"]:
        raise Conflict(NOT_THE_LAST_MOVE, eventId=event_id, id=serial["id"])
    who = acting.current()
    too_old = clock.now_ms() - move["at"] > undo_minutes * 60_000
    if who.role == "operator" and (move["actor"] != who.actor or too_old):
        raise Forbidden(PLANNER_ONLY)
    if move["type"] == "serial.voided" and not (
            Job.get_or_none(Job.id == serial["job_id"]) and
            Path.get_or_none(Path.id == serial["path_id"])):
        raise Conflict(CANNOT_RESTORE, id=serial["id"])


def undo_serial(serial_id: str, reason: str, undo_minutes: float, event_id: int | None = None,
                operator: str | None = None) -> dict:
    """Undo the serial's latest standing move: restore it exactly as it was before that move.

    `updatedAt` becomes the undo's time. Records `serial.undone`
    (`undoneEventId`, `undoneType`, `reason`). Raises NotFound, Conflict
    (nothing to undo, `eventId` mismatch, a void whose job or path is
    gone), Forbidden `Only a planner can undo this move` (an operator's
    token undoing another actor's move or one older than `undo_minutes`).
    """
    with write_transaction():
        serial = fetch(Serial, serial_id, lock="FOR UPDATE")
        move = first_row(SerialMove, statement(_standing_move), {"serial_id": serial_id})
        _require_undoable(serial, move, event_id, undo_minutes)
        before = move["before"]
        restored = update_row(Serial, serial, {c: before["serial"][c] for c in RESTORED})
        write_states(restored, True,
                     {index: (state, visits) for index, state, visits in before["steps"]})
        record(restored, "serial.undone", {"undoneEventId": move["event_id"],
                                           "undoneType": move["type"], "reason": reason},
               operator)
        SerialMove.update(undone_at=clock.now_ms()).where(
            SerialMove.event_id == move["event_id"]).execute()
        return detail(look(serial_id))

