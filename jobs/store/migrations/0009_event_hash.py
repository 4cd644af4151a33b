"""The hash chain (docs/api.md, Records an auditor can trust): `event.hash`, and the events
already stored chained.

The one change ever made to a stored event: a field added, nothing else
touched. Each event's hash is the hex SHA-256 of the previous one's (64
zeros before the first), a newline and the event as the API serves it at
this version, without `hash`, as sorted compact JSON. The wire form is a
frozen copy (fields named as the API names them, timestamps formatted as
it formats them): later steps change the event by migration, never by
editing this file. The events are read and written in batches by id, so
memory stays bounded whatever the history's length.
"""
import hashlib
import json
import time

from peewee import TextField

BATCH = 1000
GENESIS = "0" * 64
COLUMNS = ("id", "at", "type", "actor", "request_id", "job_id", "path_id", "serial_id", "data")
WIRE = ("id", "at", "type", "actor", "requestId", "jobId", "pathId", "serialId", "data")


def stamp(millis: int) -> str:
    """Format epoch milliseconds as the API does: `2024-01-20T16:45:00.000Z`."""
    seconds, ms = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def event_hash(previous: str, row: tuple) -> str:
    """Return the hash of a stored event `row` (values of COLUMNS) after the hash `previous`."""
    event = {name: value for name, value in zip(WIRE, row, strict=True) if value is not None}
    event["at"] = stamp(event["at"])
    event["data"] = json.loads(event["data"])
    text = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def chain_events(db) -> None:
    """Store every event's hash, oldest first, BATCH events at a time."""
    select = (f'SELECT {", ".join(COLUMNS)} FROM "event" WHERE id > {db.param} '
              f"ORDER BY id LIMIT {BATCH}")
    update = f'UPDATE "event" SET hash = {db.param} WHERE id = {db.param}'
    previous, last = GENESIS, 0
    while batch := db.execute_sql(select, (last,)).fetchall():
        hashes = []
        for row in batch:
            previous = event_hash(previous, row)
            hashes.append((previous, row[0]))
        db.cursor().executemany(update, hashes)
        last = batch[-1][0]


def up(migrator, db):
    """Add the nullable `event.hash` column, then chain the events already stored."""
    migrator.migrate(migrator.add_column("event", "hash", TextField(null=True)))
    chain_events(db)
