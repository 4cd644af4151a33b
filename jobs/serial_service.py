"""Serial rules and transactions (API.md: Serial).

Every read that decides a write happens inside `db.atomic()` (BEGIN
IMMEDIATE): the write lock is taken first, so concurrent requests in other
worker processes see each other's results and never act on a stale row.
"""
from peewee import chunked

from jobs.db import db
from jobs.errors import BadRequest
from jobs.models import INSERT_BATCH, Job, Path, ProcessStep, Sequence, Serial, now_ms
from jobs.records import fetch, update_present


def get_serial(serial_id: str) -> Serial:
    """Return the serial `serial_id`; raises NotFound `Serial not found: {id}`."""
    return fetch(Serial, serial_id, "Serial")


def list_serials(
    job_id: str | None = None, path_id: str | None = None, status: str | None = None
) -> list[Serial]:
    """Return the serials matching every filter given (exact match), ordered by id number."""
    query = Serial.select().order_by(Serial.number)
    for field, value in ((Serial.job, job_id), (Serial.path, path_id), (Serial.status, status)):
        if value is not None:
            query = query.where(field == value)
    return list(query)


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


def create_serials(job_id: str, path_id: str, quantity: int) -> list[Serial]:
    """Create `quantity` serials at step 0, `in_progress`, with consecutive ids.

    Checks in order: 404 `Job not found`, 404 `Path not found`, 400
    `Path {pathId} does not belong to job {jobId}`. The counter is bumped in
    the same transaction as the insert, so numbers are never reused or shared.
    """
    stamp = now_ms()
    with db.atomic():
        job = fetch(Job, job_id, "Job")
        path = fetch(Path, path_id, "Path")
        if path.job_id != job.id:
            raise BadRequest(f"Path {path.id} does not belong to job {job.id}")
        first = _take_numbers(quantity)
        rows = [
            dict(id=f"SN-{number:05d}", number=number, job=job.id, path=path.id,
                 current_step_index=0, status="in_progress", created_at=stamp, updated_at=stamp)
            for number in range(first, first + quantity)
        ]
        for batch in chunked(rows, INSERT_BATCH):
            Serial.insert_many(batch).execute()
    return [Serial(**row) for row in rows]


def advance_serial(serial_id: str) -> Serial:
    """Move the serial one step forward; from the last step it becomes `completed` (-1).

    Raises NotFound, BadRequest `Serial is already completed` or `Cannot
    advance a scrapped serial`. The step count is read inside the write
    transaction, so concurrent advances each move the serial exactly once.
    """
    with db.atomic():
        serial = get_serial(serial_id)
        if serial.status == "completed":
            raise BadRequest("Serial is already completed")
        if serial.status == "scrapped":
            raise BadRequest("Cannot advance a scrapped serial")
        steps = ProcessStep.select().where(ProcessStep.path == serial.path_id).count()
        following = serial.current_step_index + 1
        done = following >= steps
        changes = {"current_step_index": -1 if done else following,
                   "status": "completed" if done else "in_progress"}
        return update_present(Serial, serial.id, changes, "Serial")


def scrap_serial(serial: Serial, reason: str, note: str | None = None) -> Serial:
    """Scrap a serial already looked up, keeping its step index.

    Raises BadRequest `Serial is already scrapped` or `Cannot scrap a
    completed serial`; the status is re-read under the write lock.
    """
    with db.atomic():
        serial = get_serial(serial.id)
        if serial.status == "scrapped":
            raise BadRequest("Serial is already scrapped")
        if serial.status == "completed":
            raise BadRequest("Cannot scrap a completed serial")
        changes = {"status": "scrapped", "scrap_reason": reason, "scrap_note": note}
        return update_present(Serial, serial.id, changes, "Serial")
