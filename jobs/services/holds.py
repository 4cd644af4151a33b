"""Holds and the material review's dispositions (docs/api.md, Holds and dispositions).

A held serial stays at its step (`current`) with its `hold`; a hold, failed
check or manual, counts in `hold_count` (first-pass yield), which Undo
restores. Release writes one `serial.released` whatever its disposition.
"""
from jobs import clock
from jobs.errors import Conflict
from jobs.services import routing, serial_state
from jobs.services.serial_state import NO_HOLD, Located, detail, locate, look, require_status, save
from jobs.store.db import read_snapshot, write_transaction
from jobs.vocabulary import COMPLETED, IN_PROGRESS, ON_HOLD, SCRAPPED, VOIDED

FAILED_CHECK = "failed_check"


def hold(located: Located, reason: str, note: str | None, operator: str | None,
         extra: dict | None = None, failed_checks: list[str] | None = None) -> dict:
    """Put the located serial on hold at its step; records `serial.held`. Returns the row.

    `extra`: more event data (`failedChecks`, `results`, the checked step).
    """
    serial = located.serial
    at = serial["current_step_index"]
    changes = {"status": ON_HOLD, "hold_count": serial["hold_count"] + 1, "hold_reason": reason,
               "hold_note": note, "hold_failed_checks": failed_checks,
               "hold_since": clock.now_ms()}
    data = {"reason": reason, "note": note, "atStepIndex": at, "atStep": located.name(at),
            **(extra or {})}
    return save(located, changes, located.states, "serial.held", data, operator)


HOLD_REFUSED = {ON_HOLD: "Serial {id} is already on hold",
                COMPLETED: "Cannot hold a completed serial",
                SCRAPPED: "Cannot hold a scrapped serial", VOIDED: serial_state.IS_VOIDED}
NOT_ON_HOLD = "Serial {id} is not on hold"


def hold_serial(serial_id: str, reason: str, note: str | None = None,
                operator: str | None = None) -> dict:
    """Hold: an `in_progress` serial goes on hold at its step.

    Raises NotFound, Conflict `Serial {id} is already on hold`, BadRequest
    `Cannot hold a completed serial` / `Cannot hold a scrapped serial` /
    `Serial {id} is voided`.
    """
    with write_transaction():
        located = locate(serial_id)
        require_status(located, HOLD_REFUSED)
        hold(located, reason, note, operator)
    return detail(located)


def require_held(serial_id: str) -> int:
    """Check that serial `serial_id` is on hold (409 `Serial {id} is not on hold`), unlocked.

    Returns the highest step a `rework` disposition may send it to. For the
    order of Release's checks; `release_serial` checks again under the lock.
    """
    with read_snapshot():
        located = look(serial_id)
    _require_on_hold(located)
    return located.serial["current_step_index"]


def _require_on_hold(located: Located) -> None:
    if located.serial["status"] != ON_HOLD:
        raise Conflict(NOT_ON_HOLD, id=located.serial["id"])


def release_serial(serial_id: str, disposition: str, note: str | None = None,
                   to_step_index: int | None = None, reason: str | None = None,
                   operator: str | None = None) -> dict:
    """Release: the material review's `disposition` (continue, use_as_is, rework, scrap).

    Records one `serial.released` (`disposition`, `note`, and `toStepIndex`
    / `reason` of rework and scrap). Raises NotFound, Conflict `Serial {id}
    is not on hold`, the deferred-steps Conflict (use_as_is on the last step).
    """
    with write_transaction():
        located = locate(serial_id)
        _require_on_hold(located)
        changes, states = _disposed(located, disposition, note, to_step_index, reason)
        data = {"disposition": disposition, "note": note, "toStepIndex": to_step_index,
                "reason": reason}
        save(located, {"status": IN_PROGRESS, **NO_HOLD, **changes}, states, "serial.released",
             data, operator)
    return detail(located)


def _disposed(located: Located, disposition: str, note: str | None, to: int | None,
              reason: str | None) -> tuple[dict, list]:
    """The changes and step states a disposition makes of the held serial."""
    serial, states = located.serial, located.states
    at = serial["current_step_index"]
    if disposition == "use_as_is":
        after = at + 1
        states, _ = routing.advance(serial["id"], states, located.steps,
                                    located.path["advancement_mode"], at, after, False)
        if after == len(located.steps):
            return {"current_step_index": -1, "status": COMPLETED}, states
        return {"current_step_index": after}, states
    if disposition == "rework":
        return ({"current_step_index": to, "rework_count": serial["rework_count"] + 1},
                routing.rework(states, to))
    if disposition == "scrap":
        return {"status": SCRAPPED, "scrap_reason": reason, "scrap_note": note}, states
    return {}, states
