"""A serial under its row lock, with its path's rules and its step states; its moves saved.

Every move (docs/api.md, The floor's real day) runs as: `locate` inside a
write transaction (the serial `FOR UPDATE`, its path `FOR SHARE`, so the
path's mode and steps read are the ones the move applies, whatever a
concurrent Update Path does; on SQLite BEGIN IMMEDIATE excludes every other
writer), pure rules (`jobs.services.routing`), then `save`: the serial's
changed columns, its step states where they differ from the plan, the
event, and the move's "before" image for Undo.
"""
from dataclasses import dataclass

from peewee import JOIN, SQL, NodeList

from jobs import acting, clock
from jobs.errors import BadRequest, Conflict, NotFound
from jobs.services import history, routing
from jobs.store.bulk import insert_rows
from jobs.store.db import db, write_scratch
from jobs.store.models import Path, ProcessStep, Serial, SerialMove, SerialStep
from jobs.store.records import NOT_FOUND, NUL, fetch, update_row
from jobs.store.statements import as_row, execute, param, rows, statement, tuples
from jobs.vocabulary import ON_HOLD, VOIDED

# The serial's columns a move may change and Undo restores (`updated_at` is Undo's own).
RESTORED = ("current_step_index", "current_step_id", "status", "rework_count", "hold_count",
            "hold_reason", "hold_note", "hold_failed_checks", "hold_since", "scrap_reason",
            "scrap_note")


STATE_COLUMNS = ("serial_id", "path_id", "step_index", "state", "visits")
MOVE_COLUMNS = ("event_id", "serial_id", "type", "actor", "at", "before")
NO_HOLD = {"hold_reason": None, "hold_note": None, "hold_failed_checks": None,
           "hold_since": None}


@dataclass
class Located:
    """A locked serial (row dict), its path (row), its steps (rows, in order) and states."""

    serial: dict
    path: dict
    steps: list[dict]
    states: list[routing.State]

    def name(self, index: int) -> str:
        """Return the name of step `index`."""
        return self.steps[index]["name"]


# The status refusals every move shares; each move's own table cites them.
IS_ON_HOLD = "Serial {id} is on hold"
IS_VOIDED = "Serial {id} is voided"


def require_status(located: Located, refused: dict[str, str]) -> None:
    """Raise the error `refused` names for the serial's status (400; 409 for on hold)."""
    serial = located.serial
    message = refused.get(serial["status"])
    if message is not None:
        raise _REFUSAL[serial["status"] == ON_HOLD](message, id=serial["id"])


_REFUSAL = {False: BadRequest, True: Conflict}


def refusals(refused: dict[str, str]) -> dict[int, tuple[str, ...]]:
    """Return `refused`'s messages by the HTTP status `require_status` answers them with,
    in their order: what a move's contract declares (`errors`)."""
    by_status: dict[int, tuple[str, ...]] = {400: (), 409: ()}
    for status, message in refused.items():
        code = _REFUSAL[status == ON_HOLD].status
        by_status[code] += (message,)
    return by_status


def _steps_of_path():
    return (ProcessStep.select().where(ProcessStep.path == param("path_id"))
            .order_by(ProcessStep.order))


def _states_of_serial():
    return (SerialStep.select(SerialStep.step_index, SerialStep.state, SerialStep.visits)
            .where(SerialStep.serial_id == param("serial_id")))


def stored_states(serial: dict, count: int) -> list[routing.State]:
    """Return the full state list of `serial` on a path of `count` steps."""
    stored = {index: (state, visits) for index, state, visits
              in tuples(statement(_states_of_serial), {"serial_id": serial["id"]})}
    return routing.expand(count, serial["current_step_index"], stored)


def current_serial(serial_id: str) -> dict:
    """Return the row of serial `serial_id`; inside a write transaction read `FOR UPDATE`,
    once, with its path and steps: the transaction's later look-ups and its `locate` take
    them (a move's 404 look-up, its status rules and its locked read are one statement).
    Raises NotFound."""
    scratch = write_scratch()
    if scratch is None:
        return fetch(Serial, serial_id)
    key = ("serial", serial_id)
    if key not in scratch:
        scratch[key] = _locked(serial_id)
    return scratch[key][0]


def _serial_with_path():
    query = (Serial.select(Serial, Path, ProcessStep)
             .join(Path, on=(Path.id == Serial.path_id))
             .join(ProcessStep, JOIN.LEFT_OUTER, on=(ProcessStep.path == Path.id))
             .where(Serial.id == param("ident")).order_by(ProcessStep.order))
    if not db.for_update:
        return query
    return query.for_update("FOR UPDATE", of=NodeList((Serial, SQL("FOR SHARE OF"), Path)))


def _locked(serial_id: str) -> tuple[dict, dict | None, list[dict]]:
    """Read serial `serial_id` `FOR UPDATE` with its path (`FOR SHARE`) and its steps, in one
    statement (steps never change: docs/api.md, Update Path); the path is None when its row
    is gone (a voided serial's). Raises NotFound `Serial not found: {id}`."""
    found = [] if NUL in serial_id else tuples(statement(_serial_with_path),
                                               {"ident": serial_id})
    if not found:
        return fetch(Serial, serial_id, lock="FOR UPDATE"), None, []
    serial_end = len(Serial._meta.sorted_fields)
    path_end = serial_end + len(Path._meta.sorted_fields)
    steps = [as_row(ProcessStep, row[path_end:]) for row in found if row[path_end] is not None]
    return (as_row(Serial, found[0][:serial_end]), as_row(Path, found[0][serial_end:path_end]),
            steps)


def locate(serial_id: str) -> Located:
    """Lock serial `serial_id` and its path; return them with the steps and states.

    Call inside a write transaction (the serial's row, path and steps as
    `current_serial` read them, if it did, and nothing changed them since:
    every move locates its serial before it writes). Raises NotFound
    `Serial not found: {id}`. A voided serial comes back without its path
    (it may be deleted: voided serials do not keep it), for its move's
    status rule to refuse it.
    """
    scratch = write_scratch()
    read = scratch.pop(("serial", serial_id), None) if scratch is not None else None
    serial, path, steps = read or _locked(serial_id)
    if serial["status"] == VOIDED:
        return look(serial_id)
    if path is None:
        raise NotFound(NOT_FOUND[Path], id=serial["path_id"])
    return Located(serial, path, steps, stored_states(serial, len(steps)))


def look(serial_id: str) -> Located:
    """Return serial `serial_id` with its steps and states, unlocked (reads; `path` left empty).

    Call inside a read snapshot. Raises NotFound `Serial not found: {id}`.
    """
    serial = fetch(Serial, serial_id)
    steps = rows(ProcessStep, statement(_steps_of_path), {"path_id": serial["path_id"]})
    return Located(serial, {}, steps, stored_states(serial, len(steps)))


def image(located: Located) -> dict:
    """Return what Undo restores of the located serial: its columns and its stored states."""
    stored = routing.differences(located.serial["current_step_index"], located.states)
    return {"serial": {column: located.serial[column] for column in RESTORED},
            "steps": [[index, state, visits] for index, (state, visits) in stored.items()]}


def _delete_states():
    return SerialStep.delete().where(SerialStep.serial_id == param("serial_id"))


def write_states(serial: dict, stored: bool, after: dict[int, routing.State]) -> None:
    """Replace the stored states of `serial` (`stored`: it has rows now) by `after`."""
    if stored:
        execute(statement(_delete_states), {"serial_id": serial["id"]})
    if after:
        insert_rows(SerialStep, STATE_COLUMNS, [
            (serial["id"], serial["path_id"], index, state, visits)
            for index, (state, visits) in after.items()])


def save(located: Located, changes: dict, states: list[routing.State], event_type: str,
         data: dict, operator: str | None) -> dict:
    """Store a move: `changes` to the serial, its new `states`, its event and its Undo image.

    Returns the serial as stored. `changes` that move the step set
    `current_step_index`; `current_step_id` follows it here.
    """
    serial = located.serial
    if "current_step_index" in changes:
        at = changes["current_step_index"]
        changes = {**changes, "current_step_id": None if at == routing.COMPLETED_AT
                   else located.steps[at]["id"]}
    before = image(located)
    # In column order, so that a set of columns is one cached statement whatever its order.
    changes = {column: changes[column] for column in RESTORED if column in changes}
    # The event first: its lock and last link are the move's last read, and every write
    # after it can go in one statement on PostgreSQL (jobs.store.combined).
    event_id = record(serial, event_type, data, operator)
    stored = update_row(Serial, serial, changes)
    write_states(serial, bool(before["steps"]), routing.differences(stored["current_step_index"],
                                                              states))
    insert_rows(SerialMove, MOVE_COLUMNS, [(event_id, serial["id"], event_type,
                                            acting.current().actor, clock.now_ms(),
                                            SerialMove.before.db_value(before))])
    located.serial, located.states = stored, states
    return stored


def record(serial: dict, event_type: str, data: dict, operator: str | None) -> int:
    """Record a `serial.*` event of `serial`, leaving out data fields that are None."""
    kept = {key: value for key, value in data.items() if value is not None}
    return history.record(event_type, serial["job_id"], kept, path_id=serial["path_id"],
                          serial_id=serial["id"], operator=operator)


def detail(located: Located) -> dict:
    """Return the located serial as Get Serial shows it: the row, then `steps`."""
    return {**located.serial, "steps": [
        {"step_id": step["id"], "name": step["name"], "state": state, "visits": visits}
        for step, (state, visits) in zip(located.steps, located.states, strict=True)]}
