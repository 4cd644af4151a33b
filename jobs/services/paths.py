"""Path rules and transactions (docs/api.md: Path).

A path leaves here as its row dict plus `steps`, its step rows ordered by
`order`. Each write records its event (`history.record`) in the same transaction.
"""
from itertools import groupby

from peewee import chunked

from jobs import clock
from jobs.services import history
from jobs.services.versions import require_match, version
from jobs.store.db import write_transaction
from jobs.store.models import INSERT_BATCH, Job, Path, ProcessStep, Serial
from jobs.store.records import HAS_SERIALS as HAS_SERIALS_OF
from jobs.store.records import NOT_FOUND as NOT_FOUND_OF
from jobs.store.records import delete_unless_serials, fetch, require, update_row
from jobs.store.statements import param, query_rows, rows, statement


def _with_steps(path: dict, steps: list[dict]) -> dict:
    return {**path, "steps": steps}


def _steps_of_path(path_id: str) -> list[dict]:
    query = ProcessStep.select().where(ProcessStep.path == path_id).order_by(ProcessStep.order)
    return query_rows(query)


def path_detail(path_id: str) -> dict:
    """Return path `path_id` with its steps ordered by `order`; raises NotFound."""
    return _with_steps(fetch(Path, path_id), _steps_of_path(path_id))


def _paths_of_job():
    return Path.select().where(Path.job == param("job_id")).order_by(Path.created_at, Path.id)


def _steps_of_job():
    return (
        ProcessStep.select().join(Path).where(Path.job == param("job_id"))
        .order_by(ProcessStep.path, ProcessStep.order)
    )


def job_paths(job_id: str) -> list[dict]:
    """Return the paths of job `job_id`, oldest first, each with its ordered steps.

    One query for a job without paths, two with.
    """
    paths = rows(Path, statement(_paths_of_job), {"job_id": job_id})
    if not paths:
        return []
    steps = rows(ProcessStep, statement(_steps_of_job), {"job_id": job_id})
    by_path = {key: list(group) for key, group in groupby(steps, key=lambda s: s["path_id"])}
    return [_with_steps(path, by_path.get(path["id"], [])) for path in paths]


def create_path(fields: dict) -> dict:
    """Insert a path and its steps from validated `PathCreateSchema` data.

    Step `order` is the position in the request array. The job is looked up
    inside the write transaction, so a job deleted concurrently is a 404,
    never a foreign-key crash. Records `path.created` (the values as stored,
    the step names in order). Raises NotFound `Job not found: {jobId}`.
    """
    steps = fields.pop("steps")
    stamp = clock.now_ms()
    path = {"id": clock.new_id("path"), "job_id": fields.pop("job_id"), **fields,
            "created_at": stamp, "updated_at": stamp}
    step_rows = [
        {"id": clock.new_id("step"), "path_id": path["id"], "order": order,
         "location": None, **step}
        for order, step in enumerate(steps)
    ]
    with write_transaction():
        require(Job, path["job_id"], lock="FOR SHARE")
        Path.insert(path).execute()
        for batch in chunked(step_rows, INSERT_BATCH):
            ProcessStep.insert_many(batch).execute()
        data = {**history.wire_fields(Path, fields), "steps": [s["name"] for s in step_rows]}
        history.record("path.created", path["job_id"], data, path_id=path["id"])
    return _with_steps(path, step_rows)


CHANGED = "Path has changed since it was read"
NOT_FOUND = NOT_FOUND_OF[Path]
HAS_SERIALS = HAS_SERIALS_OF[Path]


def path_version(path: dict, steps: list[dict] | None = None) -> str:
    """Return the version (ETag) of a path: its own stored columns and its steps'.

    `steps` default to `path["steps"]` (a path as this module hands it out).
    """
    return version(Path, path, (ProcessStep, path["steps"] if steps is None else steps))


def _stored_version(path: dict) -> str:
    """The version of a path row as stored: its steps read now."""
    return path_version(path, _steps_of_path(path["id"]))


def require_path(path_id: str, if_match=None) -> None:
    """Check that path `path_id` exists (the look-up first), then `if_match` (an If-Match).

    Raises NotFound, then PreconditionFailed `CHANGED`.
    """
    if if_match is None:
        require(Path, path_id)
    else:
        require_match(if_match, CHANGED, _stored_version, fetch(Path, path_id))


def update_path(path_id: str, changes: dict, if_match=None) -> dict:
    """Update Path: the Update Job rules for `name`, `goal_quantity`, `advancement_mode`.

    `{}` writes nothing; otherwise the path is read, updated with one UPDATE
    (`jobs.store.records.update_row`) and `path.updated` recorded, in one
    write transaction. Steps are not changed here. With `if_match`, the
    locked row is checked first (PreconditionFailed). Raises NotFound if the
    path was deleted since the look-up.
    """
    if not changes:
        path = path_detail(path_id)
        require_match(if_match, CHANGED, path_version, path)
        return path
    with write_transaction():
        before = fetch(Path, path_id, lock="FOR UPDATE")
        require_match(if_match, CHANGED, _stored_version, before)
        path = update_row(Path, before, changes)
        history.record("path.updated", path["job_id"],
                       history.changes(Path, before, path, changes), path_id=path_id)
    return _with_steps(path, _steps_of_path(path_id))


def delete_path(path_id: str, if_match=None) -> None:
    """Delete path `path_id` and its steps; records `path.deleted`.

    Raises NotFound, PreconditionFailed (`if_match` given and not matching
    the locked path), or Conflict `Cannot delete path: it has {n} serial(s)`.
    """
    def unchanged(path: dict) -> None:
        require_match(if_match, CHANGED, _stored_version, path)

    with write_transaction():
        path = delete_unless_serials(Path, path_id, Serial.path_id, unchanged)
        history.record("path.deleted", path["job_id"], {"name": path["name"]}, path_id=path_id)
