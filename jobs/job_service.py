"""Job rules and transactions (API.md: Job; the seed: Update Job).

Functions take and return plain values and `Job` rows; they raise
`NotFound`/`Conflict` and never build HTTP responses.
"""
from jobs.db import db
from jobs.models import Job, Serial, new_id, now_ms
from jobs.path_service import job_paths
from jobs.progress import job_progress
from jobs.records import delete_unless_serials, fetch, require, update_present


def list_jobs() -> list[Job]:
    """Return every job, oldest first (`createdAt`, then `id`)."""
    return list(Job.select().order_by(Job.created_at, Job.id))


def get_job(job_id: str) -> Job:
    """Return the job `job_id`; raises NotFound `Job not found: {id}`."""
    return fetch(Job, job_id, "Job")


def job_detail(job_id: str) -> dict:
    """Return Get Job's data: the job's columns, `paths` (oldest first, steps in order)
    and `progress` (counted in SQL, see `jobs.progress`)."""
    # One read transaction (DEFERRED: no write lock) makes the job, its paths
    # and the counts one snapshot, even while other workers write.
    with db.atomic(lock_type="DEFERRED"):
        job = get_job(job_id)
        paths = job_paths(job.id)
        return {**job.__data__, "paths": paths, "progress": job_progress(job, paths)}


def create_job(fields: dict) -> Job:
    """Insert a job from validated `JobCreateSchema` data; `createdAt == updatedAt`."""
    stamp = now_ms()
    return Job.create(id=new_id("job"), created_at=stamp, updated_at=stamp, **fields)


def require_job(job_id: str) -> None:
    """Check that job `job_id` exists (the seed's look-up); raises NotFound."""
    require(Job, job_id, "Job")


def update_job(job_id: str, changes: dict) -> Job:
    """Apply a partial update (the seed, step 5) to job `job_id`, already looked up.

    `changes` holds the validated `name`/`goal_quantity` present in the body;
    see `jobs.records.update_present` (one UPDATE of only those columns plus
    `updated_at`; `{}` writes nothing; last write wins). Raises NotFound if
    the job was deleted since the lookup.
    """
    return update_present(Job, job_id, changes, "Job")


def delete_job(job: Job) -> None:
    """Delete `job` and, through the foreign keys, its paths and steps.

    Raises Conflict `Cannot delete job: it has {n} serial(s)` while serials exist.
    """
    delete_unless_serials(job, Serial.job, "job")
