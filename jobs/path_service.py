"""Path rules and transactions (API.md: Path).

Paths are handed to the views as dicts (`path_data`): the path's columns plus
its `steps`, ordered by `order`.
"""
from itertools import groupby

from jobs.db import db
from jobs.models import INSERT_BATCH, Job, Path, ProcessStep, Serial, new_id, now_ms
from jobs.records import delete_unless_serials, fetch, require, update_present
from jobs.statements import compile_once, model_rows, placeholder


def path_data(path: Path, steps: list[ProcessStep]) -> dict:
    """Return the wire-ready dict of `path` with `steps` (already in order)."""
    return {**path.__data__, "steps": [step.__data__ for step in steps]}


def get_path(path_id: str) -> Path:
    """Return the path `path_id`; raises NotFound `Path not found: {id}`."""
    return fetch(Path, path_id, "Path")


def path_detail(path: Path) -> dict:
    """Return `path` with its steps ordered by `order`."""
    steps = ProcessStep.select().where(ProcessStep.path == path.id).order_by(ProcessStep.order)
    return path_data(path, list(steps))


def _paths_of_job():
    return Path.select().where(Path.job == placeholder()).order_by(Path.created_at, Path.id)


def _steps_of_job():
    return (
        ProcessStep.select().join(Path).where(Path.job == placeholder())
        .order_by(ProcessStep.path, ProcessStep.order)
    )


def job_paths(job_id: str) -> list[dict]:
    """Return the paths of job `job_id`, oldest first, each with its ordered steps (two queries)."""
    paths = model_rows(Path, compile_once(_paths_of_job), (job_id,))
    steps = model_rows(ProcessStep, compile_once(_steps_of_job), (job_id,))
    by_path = {key: list(group) for key, group in groupby(steps, key=lambda s: s.path_id)}
    return [path_data(path, by_path.get(path.id, [])) for path in paths]


def create_path(fields: dict) -> dict:
    """Insert a path and its steps from validated `PathCreateSchema` data.

    Step `order` is the position in the request array. The job is looked up
    inside the write transaction, so a job deleted concurrently is a 404,
    never a foreign-key crash. Raises NotFound `Job not found: {jobId}`.
    """
    steps = fields.pop("steps")
    stamp = now_ms()
    with db.atomic():
        job = fetch(Job, fields.pop("job_id"), "Job")
        path = Path.create(
            id=new_id("path"), job=job.id, created_at=stamp, updated_at=stamp, **fields
        )
        rows = [
            ProcessStep(id=new_id("step"), path=path.id, order=order, **step)
            for order, step in enumerate(steps)
        ]
        ProcessStep.bulk_create(rows, batch_size=INSERT_BATCH)
    return path_data(path, rows)


def require_path(path_id: str) -> None:
    """Check that path `path_id` exists; raises NotFound `Path not found: {id}`."""
    require(Path, path_id, "Path")


def update_path(path_id: str, changes: dict) -> dict:
    """Update Path: the Update Job rules for `name`, `goal_quantity`, `advancement_mode`.

    See `jobs.records.update_present`. Steps are not changed here. Raises
    NotFound if the path was deleted since the lookup.
    """
    return path_detail(update_present(Path, path_id, changes, "Path"))


def delete_path(path: Path) -> None:
    """Delete `path` and its steps; Conflict `Cannot delete path: it has {n} serial(s)`."""
    delete_unless_serials(path, Serial.path, "path")
