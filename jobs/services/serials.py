"""Serial rules and transactions (docs/api.md: Serial).

Every read that decides a write happens inside `write_transaction()`: on SQLite
that is BEGIN IMMEDIATE, which takes the write lock first; on PostgreSQL the
rows read are locked (`FOR UPDATE`, `FOR SHARE`). Either way concurrent
requests in other workers and hosts see each other's results and never act
on a stale row. Each write records its event (`history.record`) in the same
transaction: one `serials.created` per batch, one `serial.*` per change.
"""
from peewee import SQL, chunked, fn

from jobs import clock
from jobs.errors import BadRequest, Conflict
from jobs.services import history
from jobs.store.db import write_transaction
from jobs.store.keyset import Keyset
from jobs.store.models import INSERT_BATCH, Job, Path, ProcessStep, Sequence, Serial
from jobs.store.records import fetch, require, update_row
from jobs.vocabulary import COMPLETED, IN_PROGRESS, SCRAPPED, SERIAL_STATUSES


def get_serial(serial_id: str) -> dict:
    """Return the serial `serial_id`; raises NotFound `Serial not found: {id}`."""
    return fetch(Serial, serial_id)


def require_serial(serial_id: str) -> None:
    """Check that serial `serial_id` exists (the look-up first); raises NotFound."""
    require(Serial, serial_id)


def serial_list(job_id: str | None = None, path_id: str | None = None,
                status: str | None = None, updated_after: int | None = None) -> Keyset:
    """Return the serials that match every filter given, by number (docs/api.md, Lists).

    `job_id`, `path_id`, `status`: exact; `updated_after`: epoch ms, only
    serials updated later.
    """
    exact = ((Serial.job, job_id), (Serial.path, path_id), (Serial.status, status))
    conditions = [field == value for field, value in exact if value is not None]
    if updated_after is not None:
        conditions.append(Serial.updated_at > updated_after)
    return Keyset(Serial, (Serial.number,), tuple(conditions))


def count_by_status() -> dict[str, int]:
    """Return how many serials have each status, every status named (0 when none): one query.

    `COUNT(*)` lets SQLite read the covering index `serial(path_id, status)`
    instead of the table.
    """
    query = Serial.select(Serial.status, fn.COUNT(SQL("*"))).group_by(Serial.status)
    return {**dict.fromkeys(SERIAL_STATUSES, 0), **dict(query.tuples())}


def _take_numbers(quantity: int) -> int:
    """Reserve `quantity` serial numbers; return the first. Call inside a write transaction."""
    last = (
        Sequence.insert(name="serial", value=quantity)
        .on_conflict(conflict_target=[Sequence.name],
                     update={Sequence.value: Sequence.value + quantity})
        .returning(Sequence.value)
        .execute()
    )
    return next(iter(last)).value - quantity + 1


def create_serials(job_id: str, path_id: str, quantity: int) -> list[dict]:
    """Create `quantity` serials at step 0, `in_progress`, with consecutive ids.

    Checks in order: 404 `Job not found`, 404 `Path not found`, 400
    `Path {pathId} does not belong to job {jobId}`. The counter is bumped in
    the same transaction as the insert, so numbers are never reused or shared.
    Records one `serials.created` for the whole batch.
    """
    stamp = clock.now_ms()
    with write_transaction():
        require(Job, job_id, lock="FOR SHARE")
        path = fetch(Path, path_id, lock="FOR SHARE")
        if path["job_id"] != job_id:
            raise BadRequest(f"Path {path_id} does not belong to job {job_id}")
        first = _take_numbers(quantity)
        rows = [
            {"id": f"SN-{number:05d}", "number": number, "job_id": job_id, "path_id": path_id,
             "current_step_index": 0, "status": IN_PROGRESS, "created_at": stamp,
             "updated_at": stamp}
            for number in range(first, first + quantity)
        ]
        for batch in chunked(rows, INSERT_BATCH):
            Serial.insert_many(batch).execute()
        data = {"quantity": quantity, "firstSerialId": rows[0]["id"],
                "lastSerialId": rows[-1]["id"]}
        history.record("serials.created", job_id, data, path_id=path_id,
                       numbers=(first, first + quantity - 1))
    return rows


def _step_names(path_id: str) -> list[str]:
    query = ProcessStep.select(ProcessStep.name).where(ProcessStep.path == path_id)
    return [name for (name,) in query.order_by(ProcessStep.order).tuples()]


def _record(event_type: str, serial: dict, data: dict) -> None:
    history.record(event_type, serial["job_id"], data, path_id=serial["path_id"],
                   serial_id=serial["id"])


def _next_step(at: int, names: list[str]) -> tuple[dict, str, dict]:
    """Return the changes, event type and event data of an advance from step `at`."""
    if at + 1 >= len(names):
        return ({"current_step_index": -1, "status": COMPLETED}, "serial.completed",
                {"fromStepIndex": at, "fromStep": names[at]})
    return ({"current_step_index": at + 1, "status": IN_PROGRESS}, "serial.advanced",
            {"fromStepIndex": at, "toStepIndex": at + 1, "fromStep": names[at],
             "toStep": names[at + 1]})


def advance_serial(serial_id: str, expected_step_index: int | None = None) -> dict:
    """Move the serial one step forward; from the last step it becomes `completed` (-1).

    Records `serial.advanced` (from/to step index and name), or
    `serial.completed` from the last step. Raises NotFound, BadRequest
    `Serial is already completed` or `Cannot advance a scrapped serial`,
    then, when `expected_step_index` is given and the serial is elsewhere,
    Conflict `Serial {id} is at step {currentStepIndex}, not
    {expectedStepIndex}` (docs/api.md, Advance). The serial is read under
    the write lock, so concurrent advances each move it exactly once, and
    the expected step is compared with the step it is moved from.
    """
    with write_transaction():
        serial = fetch(Serial, serial_id, lock="FOR UPDATE")
        if serial["status"] == COMPLETED:
            raise BadRequest("Serial is already completed")
        if serial["status"] == SCRAPPED:
            raise BadRequest("Cannot advance a scrapped serial")
        at = serial["current_step_index"]
        if expected_step_index is not None and at != expected_step_index:
            raise Conflict(f"Serial {serial_id} is at step {at}, not {expected_step_index}")
        changes, event_type, data = _next_step(serial["current_step_index"],
                                               _step_names(serial["path_id"]))
        stored = update_row(Serial, serial_id, changes)
        _record(event_type, serial, data)
    return stored


def scrap_serial(serial_id: str, reason: str, note: str | None = None) -> dict:
    """Scrap serial `serial_id`, keeping its step index; records `serial.scrapped`.

    Raises NotFound, BadRequest `Serial is already scrapped` or `Cannot scrap
    a completed serial`; the status is read under the write lock.
    """
    with write_transaction():
        serial = fetch(Serial, serial_id, lock="FOR UPDATE")
        if serial["status"] == SCRAPPED:
            raise BadRequest("Serial is already scrapped")
        if serial["status"] == COMPLETED:
            raise BadRequest("Cannot scrap a completed serial")
        stored = update_row(Serial, serial_id, {"status": SCRAPPED, "scrap_reason": reason,
                                                "scrap_note": note})
        at = serial["current_step_index"]
        data = {"reason": reason, "note": note, "atStepIndex": at,
                "atStep": _step_names(serial["path_id"])[at]}
        _record("serial.scrapped", serial, {k: v for k, v in data.items() if v is not None})
    return stored
