"""Serial rules and transactions (docs/api.md: Serial).

Every read that decides a write happens inside `write_transaction()`: on SQLite
that is BEGIN IMMEDIATE, which takes the write lock first; on PostgreSQL the
rows read are locked (`FOR UPDATE`, `FOR SHARE`). Either way concurrent
requests in other workers and hosts see each other's results and never act
on a stale row. Each write records its event (`history.record`) in the same
transaction: one `serials.created` per batch, one `serial.*` per change.
"""
from peewee import SQL, fn

from jobs import clock
from jobs.errors import BadRequest
from jobs.services import history
from jobs.services.serial_state import current_serial, detail, look
from jobs.store.bulk import insert_rows
from jobs.store.db import read_snapshot, write_scratch, write_transaction
from jobs.store.keyset import Keyset
from jobs.store.models import Job, Path, ProcessStep, Sequence, Serial
from jobs.store.records import NOT_FOUND as NOT_FOUND_OF
from jobs.store.records import fetch, require
from jobs.store.statements import param, statement, tuples
from jobs.vocabulary import IN_PROGRESS, ON_HOLD, SERIAL_STATUSES, VOIDED

# What waits at a station: the serials a `stepId` filter lists when no status is given.
WAITING = (IN_PROGRESS, ON_HOLD)
NOT_FOUND = NOT_FOUND_OF[Serial]
NOT_OF_JOB = "Path {pathId} does not belong to job {jobId}"


def get_serial(serial_id: str) -> dict:
    """Return serial `serial_id` with its `steps` (Get Serial); raises NotFound.

    Read in one snapshot, so the states match the serial's step.
    """
    with read_snapshot():
        return detail(look(serial_id))


def require_serial(serial_id: str) -> None:
    """Check that serial `serial_id` exists (the look-up first); raises NotFound.

    Inside a write transaction (a keyed request, a scan item) the serial is
    read locked, once, for the move that follows (`serial_state.current_serial`).
    """
    if write_scratch() is None:
        require(Serial, serial_id)
    else:
        current_serial(serial_id)


def serial_list(job_id: str | None = None, path_id: str | None = None,
                status: str | None = None, updated_after: int | None = None,
                step_id: str | None = None) -> Keyset:
    """Return the serials that match every filter given, by number (docs/api.md, Lists).

    `job_id`, `path_id`, `status`, `step_id` (the current step): exact;
    `updated_after`: epoch ms, only serials updated later. Voided serials
    only with `status=voided`; with `step_id` and no `status`, only the
    serials that wait there (`in_progress`, `on_hold`; docs/api.md, Scans).
    """
    exact = ((Serial.job_id, job_id), (Serial.path_id, path_id), (Serial.status, status),
             (Serial.current_step_id, step_id))
    conditions = [field == value for field, value in exact if value is not None]
    if status is None:
        conditions.append(Serial.status.in_(WAITING) if step_id is not None
                          else Serial.status != VOIDED)
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


CREATED = ("id", "number", "job_id", "path_id", "current_step_index", "current_step_id", "status",
           "rework_count", "hold_count", "created_at", "updated_at")


def _first_step():
    return ProcessStep.select(ProcessStep.id).where(
        (ProcessStep.path == param("path_id")) & (ProcessStep.order == SQL("0")))


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
            raise BadRequest(NOT_OF_JOB, pathId=path_id, jobId=job_id)
        first_step = tuples(statement(_first_step), {"path_id": path_id})[0][0]
        first = _take_numbers(quantity)
        made = [
            {"id": f"SN-{number:05d}", "number": number, "job_id": job_id, "path_id": path_id,
             "current_step_index": 0, "current_step_id": first_step, "status": IN_PROGRESS,
             "rework_count": 0, "hold_count": 0, "created_at": stamp, "updated_at": stamp}
            for number in range(first, first + quantity)
        ]
        insert_rows(Serial, CREATED, [tuple(row.values()) for row in made])
        data = {"quantity": quantity, "firstSerialId": made[0]["id"],
                "lastSerialId": made[-1]["id"]}
        history.record("serials.created", job_id, data, path_id=path_id,
                       numbers=(first, first + quantity - 1))
    return made
