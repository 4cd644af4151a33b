"""Job rules and transactions (API.md: Job; the seed: Update Job).

Functions take and return plain values and `Job` rows; they raise
`NotFound`/`Conflict` and never build HTTP responses.
"""
from jobs.db import db
from jobs.errors import NotFound
from jobs.progress import job_progress
from jobs.models import Job, new_id, now_ms


def list_jobs() -> list[Job]:
    """Return every job, oldest first (`createdAt`, then `id`)."""
    return list(Job.select().order_by(Job.created_at, Job.id))


def get_job(job_id: str) -> Job:
    """Return the job `job_id`; raises NotFound `Job not found: {id}`."""
    job = Job.get_or_none(Job.id == job_id)
    if job is None:
        raise NotFound("Job", job_id)
    return job


def job_detail(job_id: str) -> dict:
    """Return Get Job's data: the job's columns, `paths` and `progress`."""
    job = get_job(job_id)
    return {**job.__data__, "paths": [], "progress": job_progress(job)}


def create_job(fields: dict) -> Job:
    """Insert a job from validated `JobCreateSchema` data; `createdAt == updatedAt`."""
    stamp = now_ms()
    return Job.create(id=new_id("job"), created_at=stamp, updated_at=stamp, **fields)


def update_job(job: Job, changes: dict) -> Job:
    """Apply a partial update (the seed, step 5) to a job already looked up.

    `changes` holds only the validated fields present in the body (`name`,
    `goal_quantity`); with none, nothing is written and `job` is returned.
    Otherwise one UPDATE writes exactly those columns plus `updated_at`, so a
    concurrent update of the other field is never lost; identical values
    still refresh `updated_at`. Last write wins. Returns the row as stored;
    raises NotFound if the job was deleted since the lookup.
    """
    if not changes:
        return job
    with db.atomic():
        query = Job.update(updated_at=now_ms(), **changes).where(Job.id == job.id)
        stored = next(iter(query.returning(Job).execute()), None)
    if stored is None:
        raise NotFound("Job", job.id)
    return stored


def delete_job(job: Job) -> None:
    """Delete `job` and, through the foreign keys, its paths."""
    with db.atomic():
        Job.delete().where(Job.id == job.id).execute()
