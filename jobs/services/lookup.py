"""Resolving what a scanner read (docs/api.md, Scans: GET /api/lookup).

The code is tried, in this order, as a serial id (without regard to case),
a job id, a path id, a step id, then a job's exact `jiraTicketKey`: ids
are unique and made by the server, so an id wins over a ticket key that
happens to spell it. The answer is what the resource's own GET answers,
made by that GET's own service.
"""
import re

from jobs.errors import Conflict, NotFound
from jobs.services import jobs, paths, serials
from jobs.store.db import read_snapshot
from jobs.store.models import Job, Path, ProcessStep
from jobs.store.records import fetch
from jobs.store.statements import query_rows

# Serial ids are `SN-` and the counter's digits; scanners may lower-case them.
SERIAL_ID = re.compile(r"SN-[0-9]+", re.IGNORECASE)


NOTHING_MATCHES = "Nothing matches {code}"
MANY_JOBS = "Code {code} matches more than one job"


def _serial(code: str) -> dict | None:
    if not SERIAL_ID.fullmatch(code):
        return None
    return _found(serials.get_serial, code.upper())


def _found(get, ident: str) -> dict | None:
    try:
        return get(ident)
    except NotFound:
        return None


def _step(code: str) -> dict | None:
    step = next(iter(query_rows(ProcessStep.select().where(ProcessStep.id == code))), None)
    if step is None:
        return None
    return {**step, "job_id": fetch(Path, step["path_id"])["job_id"]}


def _job_by_ticket(code: str) -> dict | None:
    ids = [row[0] for row in Job.select(Job.id).where(Job.jira_ticket_key == code)
           .limit(2).tuples()]
    if len(ids) > 1:
        raise Conflict(MANY_JOBS, code=code)
    return _found(jobs.job_detail, ids[0]) if ids else None


def lookup(code: str) -> tuple[str, dict]:
    """Return `(kind, object)` for the trimmed `code`: `serial`, `job`, `path` or `step`.

    Raises Conflict `Code {code} matches more than one job` (two jobs with
    that ticket key), NotFound `NOTHING_MATCHES`.
    """
    with read_snapshot():
        for kind, find in (("serial", _serial), ("job", lambda c: _found(jobs.job_detail, c)),
                           ("path", lambda c: _found(paths.path_detail, c)), ("step", _step),
                           ("job", _job_by_ticket)):
            found = find(code)
            if found is not None:
                return kind, found
    raise NotFound(NOTHING_MATCHES, code=code)
