"""Job rules and transactions (docs/api.md: Job, Update Job).

Functions take plain values and return row dicts keyed by column name; they
raise `NotFound`/`Conflict` and never build HTTP responses. Each write
records its event (`history.record`) in the same transaction.
"""
from jobs import clock
from jobs.services import history
from jobs.services.paths import job_paths
from jobs.services.progress import job_progress
from jobs.services.versions import require_match, version
from jobs.store.db import read_snapshot, write_transaction
from jobs.store.keyset import Keyset, contains_text
from jobs.store.models import Job, Serial
from jobs.store.records import HAS_SERIALS as HAS_SERIALS_OF
from jobs.store.records import NOT_FOUND as NOT_FOUND_OF
from jobs.store.records import delete_unless_serials, fetch, require, update_row


def job_list(q: str | None = None, jira_ticket_key: str | None = None,
             updated_after: int | None = None) -> Keyset:
    """Return the jobs that match every filter given, oldest first (`createdAt`, then `id`).

    `q`: a case-insensitive substring of `name`, `jiraTicketKey` or
    `jiraPartNumber`; `jira_ticket_key`: exact; `updated_after`: epoch ms,
    only jobs updated later (docs/api.md, Lists: pages and filters).
    """
    conditions = []
    if q is not None:
        conditions.append(contains_text((Job.name, Job.jira_ticket_key, Job.jira_part_number), q))
    if jira_ticket_key is not None:
        conditions.append(Job.jira_ticket_key == jira_ticket_key)
    if updated_after is not None:
        conditions.append(Job.updated_at > updated_after)
    return Keyset(Job, (Job.created_at, Job.id), tuple(conditions))


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

    Records `job.created` with `name`, `goalQuantity` and the Jira fields given.
    """
    stamp = clock.now_ms()
    row = {"id": clock.new_id("job"), **fields, "created_at": stamp, "updated_at": stamp}
    with write_transaction():
        Job.insert(row).execute()
        history.record("job.created", row["id"], history.wire_fields(Job, fields))
    return row


CHANGED = "Job has changed since it was read"
NOT_FOUND = NOT_FOUND_OF[Job]
HAS_SERIALS = HAS_SERIALS_OF[Job]


def job_version(job: dict) -> str:
    """Return the version (ETag) of a job row: its own stored columns only."""
    return version(Job, job)


def require_job(job_id: str, if_match=None) -> None:
    """Check that job `job_id` exists (the look-up first), then `if_match` (an If-Match).

    Raises NotFound, then PreconditionFailed `CHANGED`.
    """
    if if_match is None:
        require(Job, job_id)
    else:
        require_match(if_match, CHANGED, job_version, fetch(Job, job_id))


def update_job(job_id: str, changes: dict, if_match=None) -> dict:
    """Apply a partial update (docs/api.md, Update Job, step 5) to job `job_id`.

    `changes` holds the validated `name`/`goal_quantity` present in the body.
    `{}` writes nothing (no event). Otherwise, in one write transaction: the
    job is read (the before-values of `job.updated`), one UPDATE writes
    those columns plus `updated_at` (`jobs.store.records.update_row`; last
    write wins, unless `if_match` is given and no longer matches the locked
    row: PreconditionFailed), and the event is recorded. Raises NotFound if
    the job was deleted since the look-up.
    """
    if not changes:
        job = fetch(Job, job_id)
        require_match(if_match, CHANGED, job_version, job)
        return job
    with write_transaction():
        before = fetch(Job, job_id, lock="FOR UPDATE")
        require_match(if_match, CHANGED, job_version, before)
        job = update_row(Job, before, changes)
        history.record("job.updated", job_id, history.changes(Job, before, job, changes))
    return job


def delete_job(job_id: str, if_match=None) -> None:
    """Delete job `job_id` and, through the foreign keys, its paths and steps.

    Records one `job.deleted` with the job's name and its `jiraTicketKey`
    when it had one (its paths go without events of their own).
    Raises NotFound, PreconditionFailed (`if_match` given and not matching
    the locked row), or Conflict `Cannot delete job: it has {n} serial(s)`.
    """
    def unchanged(job: dict) -> None:
        require_match(if_match, CHANGED, job_version, job)

    with write_transaction():
        job = delete_unless_serials(Job, job_id, Serial.job_id, unchanged)
        gone = {"name": job["name"]}
        if job["jira_ticket_key"] is not None:
            gone["jiraTicketKey"] = job["jira_ticket_key"]
        history.record("job.deleted", job_id, gone)
