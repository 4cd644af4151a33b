"""The audit trail (docs/api.md, History): events recorded with each change, and read back.

Every service write calls `record` inside the write transaction of its
change, after the change's reads: the change and its event are stored
together or not at all. Event ids follow commit order, so a client
that polls `after=<the last id it saw>` never skips one (`chain.locked_last_link`).
Under that lock each event also takes its id and its predecessor's hash
(`jobs.services.chain`): the hash chain has one order, on every host.
"""
import re
from functools import cache

from peewee import Model

from jobs import acting, clock
from jobs.services import chain
from jobs.store.bulk import insert_rows
from jobs.store.keyset import Keyset
from jobs.store.models import Event, Job, Serial
from jobs.store.records import fetch, require
from jobs.store.statements import execute, param, query_rows, statement

_INSERTED = ("id", "at", "type", "actor", "operator", "request_id", "scanned_at", "job_id",
             "path_id", "serial_id", "data", "first_number", "last_number", "hash")
_SNAKE = re.compile(r"_([a-z])")


@cache
def wire_name(column: str) -> str:
    """Return a column's name on the wire: `goal_quantity` -> `goalQuantity`."""
    return _SNAKE.sub(lambda match: match.group(1).upper(), column)


def wire_fields(model: type[Model], values: dict) -> dict:
    """Return `values` (columns of `model`) keyed by wire name, in the model's column order."""
    return {wire_name(f.column_name): values[f.column_name]
            for f in model._meta.sorted_fields if f.column_name in values}


def changes(model: type[Model], before: dict, after: dict, written: dict) -> dict:
    """Return an `*.updated` event's data: `{"changes": {field: [before, after]}}`.

    One entry per column in `written` (the fields the body carried, equal
    values included), by wire name, in the model's column order.
    """
    pairs = {column: [before[column], after[column]] for column in written}
    return {"changes": wire_fields(model, pairs)}


def _insert_event():
    fields = Event._meta.fields
    # The id is ours (`_chained`): no RETURNING of it, which peewee adds on PostgreSQL.
    return Event.insert({fields[column]: param(column) for column in _INSERTED}).returning()


def record(event_type: str, job_id: str, data: dict, path_id: str | None = None,
           serial_id: str | None = None, numbers: tuple[int, int] | None = None,
           operator: str | None = None) -> int:
    """Store one event of the current actor and request (`jobs.acting`); return its id.

    Call inside the write transaction of the change, after its reads: the
    event-order lock it takes is held until the commit, and on PostgreSQL the
    change's writes after it go with the event in one statement
    (`jobs.store.combined`).
    `numbers` are the first and last serial numbers of a `serials.created`
    batch; `operator` the badge at the station (docs/api.md, Events,
    extended); `scanned_at` the scan item's capture time, while one runs
    (`acting.scanning`; docs/api.md, Scans). `id` (the last event's plus
    one), `at` and `hash` are taken after the event-order lock, right before
    the insert: `at` is the commit time to the millisecond, never decreasing
    along `id` (with the hosts' clocks in step), and `hash` links the event
    to the last one stored.
    """
    last = chain.locked_last_link()
    row = _event_row(event_type, job_id, data, path_id, serial_id, operator, numbers)
    _chained(last, [row])
    execute(statement(_insert_event), row, defer=True)
    return row["id"]


def record_serial_events(event_type: str, events: list[tuple[dict, dict]],
                         operator: str | None = None) -> list[int]:
    """Store one `event_type` event per `(serial row, data)` of `events`; return their ids in order.

    `record` for many serials at once (Void): multi-row inserts, one event
    each, in the order given, chained one after the other, under one
    event-order lock and one `at`.
    """
    last = chain.locked_last_link()
    stamp = clock.now_ms()
    rows = [_event_row(event_type, serial["job_id"], data, serial["path_id"], serial["id"],
                       operator, None, stamp) for serial, data in events]
    insert_rows(Event, _INSERTED, _chained(last, rows))
    return [row["id"] for row in rows]


def _event_row(event_type: str, job_id: str, data: dict, path_id: str | None,
               serial_id: str | None, operator: str | None, numbers: tuple[int, int] | None,
               stamp: int | None = None) -> dict:
    who = acting.current()
    first, last = numbers or (None, None)
    return {"at": clock.now_ms() if stamp is None else stamp, "type": event_type,
            "actor": who.actor, "operator": operator, "request_id": who.request_id,
            "scanned_at": who.scanned_at, "job_id": job_id, "path_id": path_id,
            "serial_id": serial_id, "data": Event.data.db_value(data), "first_number": first,
            "last_number": last}


def _chained(last: tuple[int, str], rows: list[dict]) -> list[tuple]:
    """Give each new event row its id and hash after `last`, the (id, hash) of the last event
    stored (`chain.locked_last_link`), in order; return the rows' values in `_INSERTED` order."""
    last_id, last_hash = last
    values = []
    for row in rows:
        last_id += 1
        row["id"] = last_id
        # The hash is of the event as served: `data` as it reads back from its stored text.
        last_hash = row["hash"] = chain.digest(
            last_hash, {**row, "data": Event.data.python_value(row["data"])})
        values.append(tuple(row[column] for column in _INSERTED))
    return values


def job_history(job_id: str) -> Keyset:
    """Return the events of job `job_id`, its paths and its serial batches, oldest first.

    That is every event of the job except its serials' own (`serial.*`).
    Raises NotFound `Job not found: {id}` (also for a deleted job).
    """
    require(Job, job_id)
    return Keyset(Event, (Event.id,), (Event.job_id == job_id, Event.serial_id.is_null()))


def _batch_of(number: int) -> int | None:
    # Batches never share numbers: the first batch that ends at or after the
    # number is the one, if it starts at or before it (a serial made before
    # history was recorded has none).
    query = Event.select().where(Event.last_number >= number).order_by(Event.last_number)
    batch = next(iter(query_rows(query.limit(1))), None)
    return batch["id"] if batch and batch["first_number"] <= number else None


def serial_history(serial_id: str) -> Keyset:
    """Return the `serials.created` event that made serial `serial_id`, then its own events.

    Raises NotFound `Serial not found: {id}`.
    """
    batch = _batch_of(fetch(Serial, serial_id)["number"])
    return Keyset(Event, (Event.id,), ((Event.serial_id == serial_id) | (Event.id == batch),))


def event_list(after: int | None = None, job_id: str | None = None, path_id: str | None = None,
               serial_id: str | None = None, event_type: str | None = None,
               actor: str | None = None) -> Keyset:
    """Return the events matching every filter given, by id; `after`: only larger ids."""
    exact = ((Event.job_id, job_id), (Event.path_id, path_id), (Event.serial_id, serial_id),
             (Event.type, event_type), (Event.actor, actor))
    conditions = [column == value for column, value in exact if value is not None]
    if after is not None:
        conditions.append(Event.id > after)
    return Keyset(Event, (Event.id,), tuple(conditions))
