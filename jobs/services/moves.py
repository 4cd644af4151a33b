"""A serial's forward moves: Advance, Scrap, and resolving a deferred step (docs/api.md,
Serial; Route rules).

Each runs in one write transaction under the serial's row lock
(`serial_state.locate`) and answers the serial as Get Serial shows it. The
checks run in the documented order; a refused move writes nothing.
"""
from decimal import Decimal

from jobs.errors import Conflict, InvalidField
from jobs.services import inspections, routing
from jobs.services.holds import FAILED_CHECK, hold
from jobs.services.serial_state import (
    IS_ON_HOLD,
    IS_VOIDED,
    NO_HOLD,
    Located,
    current_serial,
    detail,
    locate,
    require_status,
    save,
)
from jobs.store.db import write_transaction
from jobs.vocabulary import COMPLETED, ON_HOLD, SCRAPPED, VOIDED

NOT_GIVEN = object()
NOT_ON_PATH = "expectedStepId is not a step of path {pathId}"
NOT_AT_INDEX = "Serial {id} is at step {currentStepIndex}, not {expectedStepIndex}"
NOT_AT_STEP = ("Serial {id} is at step {currentStepIndex} ({currentStepName}), "
               "not {expectedStepName}")
OUT_OF_RANGE = "{field} must be from {low} to {high}"
NO_RESULTS_WHEN_BYPASSED = "results are not taken for a bypassed step"


def require_expected(located: Located, index: int | None, step_id) -> None:
    """Check the guards: `expectedStepId` on the path (400), then each against the step (409)."""
    serial, steps = located.serial, located.steps
    by_id = {step["id"]: step for step in steps}
    if step_id is not NOT_GIVEN and (not isinstance(step_id, str) or step_id not in by_id):
        raise InvalidField("expectedStepId", NOT_ON_PATH, pathId=serial["path_id"])
    at = serial["current_step_index"]
    if index is not None and at != index:
        raise Conflict(NOT_AT_INDEX, id=serial["id"], currentStepIndex=at, expectedStepIndex=index)
    if step_id is not NOT_GIVEN and serial["current_step_id"] != step_id:
        raise Conflict(NOT_AT_STEP, id=serial["id"], currentStepIndex=at,
                       currentStepName=located.name(at), expectedStepName=by_id[step_id]["name"])


def step_number(value, low: int, high: int, field: str = "toStepIndex") -> int:
    """Return `value` as an integer from `low` to `high`, else 400 `{field} must be from...`."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) \
            and Decimal(value).is_finite() and low <= value <= high and value == int(value):
        return int(value)
    raise InvalidField(field, OUT_OF_RANGE, field=field, low=low, high=high)


ADVANCE_REFUSED = {COMPLETED: "Serial is already completed",
                   SCRAPPED: "Cannot advance a scrapped serial",
                   ON_HOLD: IS_ON_HOLD, VOIDED: IS_VOIDED}


def require_advanceable(serial_id: str) -> None:
    """Apply Advance's status rules to serial `serial_id`, read without a lock, so that they
    come before the body's field rules (docs/api.md, Route rules: check order);
    `advance_serial` applies them again under the lock. Raises NotFound, BadRequest, Conflict.
    """
    require_status(Located(current_serial(serial_id), {}, [], []), ADVANCE_REFUSED)


def advance_serial(serial_id: str, expected_step_index: int | None = None,
                   expected_step_id=NOT_GIVEN, to_step_index=NOT_GIVEN,
                   bypass_current: bool = False,
                   results=None, operator: str | None = None) -> dict:
    """Advance: to `to_step_index` (default the next step; the step count completes).

    Checks, in order: the status rules, the guards (`require_expected`),
    `toStepIndex`'s range (400), `results` (400; a failing one holds the
    serial at its step instead: `serial.held`), the bypass rules and
    deferred steps (`routing.advance`, 409). Records `serial.advanced` or
    `serial.completed` with `bypassed` and `results` when any. Raises
    NotFound, BadRequest, Conflict.
    """
    with write_transaction():
        located = locate(serial_id)
        require_status(located, ADVANCE_REFUSED)
        require_expected(located, expected_step_index, expected_step_id)
        at, count = located.serial["current_step_index"], len(located.steps)
        to = at + 1 if to_step_index is NOT_GIVEN else step_number(to_step_index, at + 1, count)
        evaluated = _results(located.steps[at], results, bypass_current)
        if inspections.failed(evaluated):
            held_by(located, evaluated, operator)
            return detail(located)
        states, bypassed = routing.advance(serial_id, located.states, located.steps,
                                           located.path["advancement_mode"], at, to,
                                           bypass_current)
        changes, event_type, data = _advanced(located, at, to, bypassed)
        save(located, changes, states, event_type, {**data, "results": evaluated or None},
             operator)
    return detail(located)


def _results(step: dict, results, bypassed: bool) -> list[dict]:
    """Evaluate the results of leaving `step`; a bypassed step takes none (400 if sent)."""
    if bypassed:
        if results:
            raise InvalidField("results", NO_RESULTS_WHEN_BYPASSED)
        return []
    return inspections.evaluate(step, results)


def held_by(located: Located, evaluated: list[dict], operator: str | None,
             checked: dict | None = None) -> None:
    """Hold the serial for its failed checks (`checked`: the deferred step's index and name)."""
    names = inspections.failed(evaluated)
    hold(located, FAILED_CHECK, None, operator,
         {**(checked or {}), "failedChecks": names, "results": evaluated}, names)


def _advanced(located: Located, at: int, to: int, bypassed: list) -> tuple[dict, str, dict]:
    """The changes, event type and data of an advance from `at` to `to`."""
    data = {"fromStepIndex": at}
    if to == len(located.steps):
        changes, event_type = {"current_step_index": -1, "status": COMPLETED}, "serial.completed"
        data["fromStep"] = located.name(at)
    else:
        changes, event_type = {"current_step_index": to}, "serial.advanced"
        data.update(toStepIndex=to, fromStep=located.name(at), toStep=located.name(to))
    if bypassed:
        data["bypassed"] = [{"stepIndex": index, "step": located.name(index), "became": became}
                            for index, became in bypassed]
    return changes, event_type, data


SCRAP_REFUSED = {SCRAPPED: "Serial is already scrapped",
                 COMPLETED: "Cannot scrap a completed serial", VOIDED: IS_VOIDED}


def scrap_serial(serial_id: str, reason: str, note: str | None = None,
                 operator: str | None = None, expected_step_index: int | None = None,
                 expected_step_id=NOT_GIVEN) -> dict:
    """Scrap the serial (also on hold), keeping its step; records `serial.scrapped`.

    Raises NotFound, BadRequest `Serial is already scrapped`, `Cannot scrap a
    completed serial`, `Serial {id} is voided`, then the guards' errors.
    """
    with write_transaction():
        located = locate(serial_id)
        require_status(located, SCRAP_REFUSED)
        require_expected(located, expected_step_index, expected_step_id)
        at = located.serial["current_step_index"]
        changes = {"status": SCRAPPED, "scrap_reason": reason, "scrap_note": note, **NO_HOLD}
        data = {"reason": reason, "note": note, "atStepIndex": at, "atStep": located.name(at)}
        save(located, changes, located.states, "serial.scrapped", data, operator)
    return detail(located)
