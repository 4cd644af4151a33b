"""Deferred steps resolved: completed (with results) or waived (docs/api.md, Route rules).

The serial does not move; each runs in one write transaction under its row lock.
"""
from jobs.errors import Conflict, NotFound
from jobs.services import inspections, routing
from jobs.services.moves import held_by
from jobs.services.serial_state import (
    IS_ON_HOLD,
    IS_VOIDED,
    Located,
    detail,
    locate,
    look,
    require_status,
    save,
)
from jobs.store.db import read_snapshot, write_transaction
from jobs.vocabulary import DEFERRED, DONE, ON_HOLD, SCRAPPED, VOIDED, WAIVED

STEP_NOT_FOUND = "Step not found: {stepId}"
NOT_DEFERRED = "Step {name} is not deferred"


def step_of(located: Located, step_id: str) -> int:
    """Return the index of step `step_id` on the serial's path; raises NotFound `STEP_NOT_FOUND`."""
    for index, step in enumerate(located.steps):
        if step["id"] == step_id:
            return index
    raise NotFound(STEP_NOT_FOUND, stepId=step_id)


def require_deferred(located: Located, index: int) -> None:
    """Raise Conflict `NOT_DEFERRED` unless step `index` is."""
    if located.states[index][0] != DEFERRED:
        raise Conflict(NOT_DEFERRED, name=located.name(index))


COMPLETE_REFUSED = {SCRAPPED: "Cannot complete a step of a scrapped serial",
                    VOIDED: IS_VOIDED, ON_HOLD: IS_ON_HOLD}


def complete_step(serial_id: str, step_id: str, results=None,
                  operator: str | None = None) -> dict:
    """Step complete: deferred step `step_id` becomes done; the serial does not move.

    Records `serial.step_completed` (with `results` when any). A failing
    result holds the serial at its current step instead (`serial.held` with
    `checkedStepIndex`/`checkedStep`); the step stays deferred. Raises
    NotFound (serial, step), BadRequest (scrapped, voided, results),
    Conflict (on hold, not deferred).
    """
    with write_transaction():
        located = locate(serial_id)
        index = step_of(located, step_id)
        require_status(located, COMPLETE_REFUSED)
        require_deferred(located, index)
        evaluated = inspections.evaluate(located.steps[index], results)
        data = {"stepIndex": index, "step": located.name(index)}
        if inspections.failed(evaluated):
            held_by(located, evaluated, operator,
                     {"checkedStepIndex": index, "checkedStep": located.name(index)})
            return detail(located)
        states = routing.resolve(located.states, index, DONE)
        save(located, {}, states, "serial.step_completed",
             {**data, "results": evaluated or None}, operator)
    return detail(located)


def waive_step(serial_id: str, step_id: str, reason: str, operator: str | None = None) -> dict:
    """Waive: deferred step `step_id` becomes waived (a planner's decision), `serial.step_waived`.

    Raises NotFound (serial, step), Conflict `Step {name} is not deferred`.
    """
    with write_transaction():
        located = locate(serial_id)
        index = step_of(located, step_id)
        require_deferred(located, index)
        states = routing.resolve(located.states, index, WAIVED)
        save(located, {}, states, "serial.step_waived",
             {"stepIndex": index, "step": located.name(index), "reason": reason}, operator)
    return detail(located)


def require_step(serial_id: str, step_id: str) -> None:
    """Check that serial `serial_id` exists and `step_id` is on its path (404s, before the body)."""
    with read_snapshot():
        step_of(look(serial_id), step_id)
