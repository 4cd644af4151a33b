"""Job rules and transactions (docs/api.md: Job, Update Job).

Functions take plain values and return row dicts keyed by column name; they
raise `NotFound`/`Conflict` and never build HTTP responses.
"""
from jobs import clock
from jobs.services.paths import job_paths
from jobs.services.progress import job_progress
from jobs.store.db import db, read_snapshot
from jobs.store.models import Job, Serial
from jobs.store.records import delete_unless_serials, fetch, require, update_present
from jobs.store.statements import query_rows


def list_jobs() -> list[dict]:
    """Return every job, oldest first (`createdAt`, then `id`)."""
    return query_rows(Job.select().order_by(Job.created_at, Job.id))


def job_detail(job_id: str) -> dict:
    """Return Get Job's data: the job's columns, `paths` (oldest first, steps in order)
    and `progress` (counted in SQL, see `jobs.services.progress`). Raises NotFound."""
    # One read transaction (no write lock) makes the job, its paths and the
    # counts one snapshot, even while other workers write.
    with read_snapshot():
        job = fetch(Job, job_id)
        paths = job_paths(job_id)
        return {**job, "paths": paths, "progress": job_progress(job, paths)}


def create_job(fields: dict) -> dict:
    """Insert a job from validated `JobCreateSchema` data; `createdAt == updatedAt`.

    In a write transaction like every write, so its wait for the lock is measured.
    """
    stamp = clock.now_ms()
    row = {"id": clock.new_id("job"), **fields, "created_at": stamp, "updated_at": stamp}
    with db.atomic():
        Job.insert(row).execute()
    return row


def require_job(job_id: str) -> None:
    """Check that job `job_id` exists (the look-up first); raises NotFound."""
    require(Job, job_id)


def update_job(job_id: str, changes: dict) -> dict:
    """Apply a partial update (docs/api.md, Update Job, step 5) to job `job_id`.

    `changes` holds the validated `name`/`goal_quantity` present in the body;
    see `jobs.store.records.update_present` (one UPDATE of only those columns
    plus `updated_at`; `{}` writes nothing; last write wins). Raises NotFound
    if the job was deleted since the look-up.
    """
    return update_present(Job, job_id, changes)


def delete_job(job_id: str) -> None:
    """Delete job `job_id` and, through the foreign keys, its paths and steps.

    Raises NotFound, or Conflict `Cannot delete job: it has {n} serial(s)`.
    """
    delete_unless_serials(Job, job_id, Serial.job)
