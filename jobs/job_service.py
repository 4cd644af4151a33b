"""Job rules and transactions (API.md: Job; the seed: Update Job).

Functions take and return plain values and `Job` rows; they raise
`NotFound`/`Conflict` and never build HTTP responses.
"""
from functools import cache

from jobs.db import db
from jobs.errors import NotFound
from jobs.progress import job_progress
from jobs.models import Job, new_id, now_ms

# peewee compiles a query to SQL on every call (about 0.1 ms, more than the
# rest of a GET or PUT), and its raw() resolves the columns again for every
# result. The statements of the hot path are written once (columns from a
# fixed set, values always parameters) and their row becomes a Job through
# the fields' own converters. Measured in README, Serving.
_SELECT_BY_ID = 'SELECT * FROM "job" WHERE "id" = ?'
_EXISTS = 'SELECT 1 FROM "job" WHERE "id" = ?'


@cache
def _update_returning(columns: tuple[str, ...]) -> str:
    assignments = ", ".join(f'"{column}" = ?' for column in columns)
    return f'UPDATE "job" SET {assignments} WHERE "id" = ? RETURNING *'


def _one_job(sql: str, *params) -> Job | None:
    cursor = db.execute_sql(sql, params)
    rows = cursor.fetchall()
    if not rows:
        return None
    fields = Job._meta.columns
    names = (column[0] for column in cursor.description)
    return Job(**{name: fields[name].python_value(value) for name, value in zip(names, rows[0])})


def list_jobs() -> list[Job]:
    """Return every job, oldest first (`createdAt`, then `id`)."""
    return list(Job.select().order_by(Job.created_at, Job.id))


def get_job(job_id: str) -> Job:
    """Return the job `job_id`; raises NotFound `Job not found: {id}`."""
    job = _one_job(_SELECT_BY_ID, job_id)
    if job is None:
        raise NotFound("Job", job_id)
    return job


def require_job(job_id: str) -> None:
    """Check that job `job_id` exists (no row is loaded); raises NotFound `Job not found: {id}`."""
    if db.execute_sql(_EXISTS, (job_id,)).fetchone() is None:
        raise NotFound("Job", job_id)


def job_detail(job_id: str) -> dict:
    """Return Get Job's data: the job's columns, `paths` and `progress`."""
    job = get_job(job_id)
    return {**job.__data__, "paths": [], "progress": job_progress(job)}


def create_job(fields: dict) -> Job:
    """Insert a job from validated `JobCreateSchema` data; `createdAt == updatedAt`."""
    stamp = now_ms()
    return Job.create(id=new_id("job"), created_at=stamp, updated_at=stamp, **fields)


def update_job(job_id: str, changes: dict) -> Job:
    """Apply a partial update (the seed, step 5) to job `job_id` and return it as stored.

    `changes` holds only the validated fields present in the body (`name`,
    `goal_quantity`); with none, nothing is written. Otherwise one
    `UPDATE … RETURNING` writes exactly those columns plus `updated_at`, so a
    concurrent update of the other field is never lost; identical values
    still refresh `updated_at`. Last write wins. Raises NotFound if the job
    does not exist (the UPDATE matched no row).
    """
    if not changes:
        return get_job(job_id)
    columns = {**changes, "updated_at": now_ms()}
    with db.atomic():
        stored = _one_job(_update_returning(tuple(columns)), *columns.values(), job_id)
    if stored is None:
        raise NotFound("Job", job_id)
    return stored


def delete_job(job: Job) -> None:
    """Delete `job` and, through the foreign keys, its paths."""
    with db.atomic():
        Job.delete().where(Job.id == job.id).execute()
