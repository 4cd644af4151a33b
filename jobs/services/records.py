"""The as-built record of a serial (docs/api.md, Records an auditor can trust: As-built record).

Read in one snapshot: the serial, its job and path, and its history (the
batch event that made it, then its own events), from which `travel_of`
replays the visits, holds and undone moves.
"""
from jobs.errors import NotFound
from jobs.services import history
from jobs.services.paths import path_detail
from jobs.services.serials import get_serial
from jobs.services.travel import travel_of
from jobs.store.db import read_snapshot
from jobs.store.keyset import Keyset
from jobs.store.models import Event, Job
from jobs.store.records import fetch

PAGE = 500


def serial_record(serial_id: str) -> dict:
    """Return the record of serial `serial_id`: `job`, `path`, `serial`, `visits`, `holds`,
    `undone` and `last_event_hash` (absent when the serial has no event).

    Raises NotFound `Serial not found: {id}`.
    """
    with read_snapshot():
        serial = get_serial(serial_id)
        job, path = _job_and_path(serial)
        events = _every(history.serial_history(serial_id))
    visits, holds, undone = travel_of(events, [step["name"] for step in path["steps"]])
    return {"job": job, "path": path, "serial": serial, "visits": visits, "holds": holds,
            "undone": undone, "last_event_hash": events[-1]["hash"] if events else None}


def _job_and_path(serial: dict) -> tuple[dict, dict]:
    """The serial's job and path (with steps) as stored, or, once deleted (a voided serial's
    may be), as their creation events recorded them."""
    try:
        return fetch(Job, serial["job_id"]), path_detail(serial["path_id"])
    except NotFound:
        job = _created("job.created", Event.job_id == serial["job_id"])
        path = _created("path.created", Event.path_id == serial["path_id"])
    return ({"id": serial["job_id"], "name": job["name"],
             "jira_ticket_key": job.get("jiraTicketKey"),
             "jira_part_number": job.get("jiraPartNumber")},
            {"id": serial["path_id"], "name": path["name"],
             "steps": [{"name": name} for name in path["steps"]]})


def _created(event_type: str, which) -> dict:
    query = Event.select(Event.data).where((Event.type == event_type) & which)
    return query.order_by(Event.id).limit(1).scalar()


def _every(events: Keyset) -> list[dict]:
    # Page by page on the caller's connection and snapshot (`batches` would
    # take a connection of its own for each page).
    rows, after = [], None
    while page := events.page(after, PAGE):
        rows += page
        if len(page) < PAGE:
            break
        after = events.key_of(page[-1])
    return rows
