"""peewee models: the tables behind the API (docs/api.md: Job, Path, Serial, History; tokens;
idempotency keys; webhooks).

Timestamps are stored as integer milliseconds since the Unix epoch (UTC):
exact, ordered, and formatted for the wire by `schemas.fields.Timestamp`.
"""
import json
import re
from decimal import Decimal

import orjson
from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    CompositeKey,
    ForeignKeyField,
    IntegerField,
    JSONField,
    Model,
    TextField,
)

from jobs.store.db import db

# Rows per multi-row INSERT: a 10-column row batch stays far below SQLite's
# bound-variable limit (32766 in common builds, 999 before 3.32).
INSERT_BATCH = 90


class BaseModel(Model):
    """Binds every model to the `db` proxy; table names are snake_case class names."""

    class Meta:
        database = db
        legacy_table_names = False


class Job(BaseModel):
    """A production job: name, goal quantity and write-once Jira metadata."""

    id = CharField(primary_key=True)
    name = TextField()
    goal_quantity = IntegerField()
    jira_ticket_key = TextField(null=True)
    jira_ticket_summary = TextField(null=True)
    jira_part_number = TextField(null=True)
    jira_priority = TextField(null=True)
    jira_epic_link = TextField(null=True)
    jira_labels = JSONField(null=True)
    created_at = BigIntegerField()
    updated_at = BigIntegerField()

    class Meta:
        # The list's order, then each filter with that order (migration 0003).
        indexes = (
            (("created_at", "id"), False),
            (("jira_ticket_key", "created_at", "id"), False),
            (("updated_at", "created_at", "id"), False),
        )


class Path(BaseModel):
    """A manufacturing route of a job; deleted with its job."""

    id = CharField(primary_key=True)
    job = ForeignKeyField(Job, on_delete="CASCADE", index=False)
    name = TextField()
    goal_quantity = IntegerField()
    advancement_mode = TextField()
    created_at = BigIntegerField()
    updated_at = BigIntegerField()

    class Meta:
        indexes = ((("job", "created_at", "id"), False),)


def _exact(value):
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError(f"{type(value).__name__} is not JSON")


# A number orjson would read otherwise than as Decimal or int: a fraction or exponent
# (a digit, then . e E), or 19 digits and more (beyond 64 bits orjson reads a float).
_NOT_ORJSON = re.compile(r"[0-9](?:[.eE]|[0-9]{18})")


class JsonText(TextField):
    """A JSON value stored as text, so its keys keep their order on every database.

    Decimals (measurements, check limits: docs/api.md, Inspections) are
    written as the JSON numbers they are and read back as decimals, so
    `25.015` stays `25.015` on both databases.
    """

    def db_value(self, value):
        """Dump `value` as compact JSON text (None stays NULL)."""
        if value is None:
            return None
        try:
            return orjson.dumps(value, default=_exact).decode()
        except TypeError:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def python_value(self, value):
        """Parse the stored JSON text (NULL stays None); fractions as Decimal."""
        if value is None:
            return None
        if _NOT_ORJSON.search(value) is None:
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        return json.loads(value, parse_float=Decimal)


class ProcessStep(BaseModel):
    """One step of a path, at position `order` (0-based); deleted with its path."""

    id = CharField(primary_key=True)
    path = ForeignKeyField(Path, on_delete="CASCADE", index=False)
    name = TextField()
    order = IntegerField()
    location = TextField(null=True)
    optional = BooleanField()
    dependency_type = TextField()
    checks = JsonText(null=True)

    class Meta:
        indexes = ((("path", "order"), True),)


class Serial(BaseModel):
    """One physical unit moving along a path (docs/api.md: Serial, Serial, extended).

    `number` is the counter value behind the `SN-00001` id; listing orders by
    it, since the id's text order breaks past SN-99999. `job_id`/`path_id`
    are plain columns, not foreign keys (migration 0006): a voided serial
    does not keep its job or path from being deleted, and the delete rules
    count the other serials (docs/api.md: Delete Job, Delete Path, Void).
    `current_step_id` is kept with `current_step_index` (NULL once
    completed), so lists show it without a join. `hold_count` counts holds
    that stand (Undo restores it): first-pass yield reads it.
    """

    id = CharField(primary_key=True)
    number = IntegerField(unique=True)
    job_id = CharField()
    path_id = CharField()
    current_step_index = IntegerField()
    current_step_id = CharField(null=True)
    status = TextField()
    rework_count = IntegerField(default=0)
    hold_count = IntegerField(default=0)
    hold_reason = TextField(null=True)
    hold_note = TextField(null=True)
    hold_failed_checks = JsonText(null=True)
    hold_since = BigIntegerField(null=True)
    scrap_reason = TextField(null=True)
    scrap_note = TextField(null=True)
    created_at = BigIntegerField()
    updated_at = BigIntegerField()

    class Meta:
        # (path, status, current_step_index): Get Job's counts per path,
        # status and step in one covering range. Each list filter with the
        # list's order, `number` (migration 0003); (job, number) also serves
        # Delete Job's count.
        indexes = (
            (("path_id", "status", "current_step_index"), False),
            (("job_id", "number"), False),
            (("path_id", "number"), False),
            (("status", "number"), False),
            (("updated_at", "number"), False),
            # The stepId filter (migration 0010).
            (("current_step_id", "number"), False),
        )


# Progress: `reworked` and first-pass yield read the few serials ever reworked or held.
Serial.add_index(Serial.index(Serial.path_id, Serial.status,
                              where=(Serial.rework_count > 0) | (Serial.hold_count > 0)))


class SerialStep(BaseModel):
    """A serial's step whose state or visits differ from the plan (docs/api.md, Serial, extended).

    The plan of a serial at step c: steps before c `done` (1 visit), c
    `current` (1 visit), after c `pending` (0); once completed every step
    `done` (1). Only the steps that differ have a row, so a new batch has none.
    """

    serial_id = CharField()
    path_id = CharField()
    step_index = IntegerField()
    state = TextField()
    visits = IntegerField()

    class Meta:
        primary_key = CompositeKey("serial_id", "step_index")
        # Progress: the per-step `deferred` counts of a path.
        indexes = ((("path_id", "state", "step_index"), False),)


class SerialMove(BaseModel):
    """A move of a serial (its event) and the serial as it was before it, for Undo.

    `before`: the serial's columns and its `serial_step` rows before the
    move. Derived state beside the event log, not the log: Undo marks a move
    `undone_at`; no event is changed.
    """

    event_id = BigIntegerField(primary_key=True)
    serial_id = CharField()
    type = TextField()
    actor = TextField()
    at = BigIntegerField()
    before = JsonText()
    undone_at = BigIntegerField(null=True)


SerialMove.add_index(SerialMove.index(SerialMove.serial_id, SerialMove.event_id,
                                      where=SerialMove.undone_at.is_null()))


class Sequence(BaseModel):
    """A named sequence that only grows (`serial`: the last serial number handed out)."""

    name = CharField(primary_key=True)
    value = IntegerField()


class Secret(BaseModel):
    """A random key kept in the database (`cursor`: signs list cursors and record links), as hex.

    Not in MODELS: the target of copy-db makes its own (migration 0003),
    which copy-db then replaces with the source's (`jobs.store.copy`).
    """

    name = CharField(primary_key=True)
    value = TextField()


class Token(BaseModel):
    """An API token (docs/api.md, Authentication and roles): only its secret's SHA-256 is kept.

    A name is unique among tokens that are not revoked (a partial unique
    index), so a revoked name can be given to a new token.
    """

    id = AutoField()
    name = TextField()
    role = TextField()
    secret_sha256 = TextField(unique=True)
    created_at = BigIntegerField()
    last_used_at = BigIntegerField(null=True)
    revoked_at = BigIntegerField(null=True)


Token.add_index(Token.index(Token.name, unique=True, where=Token.revoked_at.is_null()))


class Event(BaseModel):
    """One recorded change (docs/api.md, History): append-only, in the order of `id`.

    `job_id`, `path_id` and `serial_id` are plain columns, not foreign keys:
    the events of a deleted job or path stay. `first_number`/`last_number`
    are the serial numbers a `serials.created` batch spans (a serial's
    history finds its batch by them). `scanned_at`: when a station captured
    the scan behind the event (Scans; migration 0010). `hash` links the
    event to the one before it (docs/api.md, Records an auditor can trust;
    migration 0009).
    """

    id = AutoField()
    at = BigIntegerField()
    type = TextField()
    actor = TextField()
    operator = TextField(null=True)
    request_id = TextField()
    scanned_at = BigIntegerField(null=True)
    job_id = TextField()
    path_id = TextField(null=True)
    serial_id = TextField(null=True)
    data = JsonText()
    first_number = IntegerField(null=True)
    last_number = IntegerField(null=True)
    hash = TextField(null=True)

    class Meta:
        # One (filter, id) index per filter of GET /api/events, so each
        # filter reads its events in id order. The columns most events
        # leave empty are indexed only where set (partial indexes), so that
        # the hot writes (job and path updates) maintain three indexes, not six.
        indexes = (
            (("job_id", "id"), False),
            (("type", "id"), False),
            (("actor", "id"), False),
        )


Event.add_index(Event.index(Event.path_id, Event.id, where=Event.path_id.is_null(False)))
Event.add_index(Event.index(Event.serial_id, Event.id, where=Event.serial_id.is_null(False)))
Event.add_index(Event.index(Event.last_number, where=Event.last_number.is_null(False)))


class IdempotencyKey(BaseModel):
    """A POST's Idempotency-Key and its stored answer (docs/api.md, Retries and concurrency).

    Unique per (actor, key); `fingerprint` is the SHA-256 of the request
    (method, path, body as parsed JSON); `status`, `body` (the exact
    response text), `location` and `etag` are the answer a retry gets.
    """

    id = AutoField()
    actor = TextField()
    key = TextField()
    method = TextField()
    path = TextField()
    fingerprint = TextField()
    status = IntegerField()
    body = TextField()
    location = TextField(null=True)
    etag = TextField(null=True)
    created_at = BigIntegerField()

    class Meta:
        # (actor, key): one answer per key (migration 0004); created_at: pruning.
        indexes = ((("actor", "key"), True), (("created_at",), False))


class Webhook(BaseModel):
    """A webhook subscription (docs/api.md, Webhooks; migration 0008).

    `secret` is kept as shown (it signs); `types` is None for every type.
    `cursor`: every event up to this id is done with (delivered, or not
    for this subscription); `failures` in a row, `failing_since` and
    `next_attempt_at` schedule the retries; `lease_owner` delivers it until
    `lease_expires_at`. `delivered`, `rejected` and `unreachable` count
    the attempts by outcome (/metrics).
    """

    id = CharField(primary_key=True)
    url = TextField()
    types = JsonText(null=True)
    job_id = TextField(null=True)
    description = TextField(null=True)
    status = TextField()
    secret = TextField()
    cursor = BigIntegerField()
    last_delivered_event_id = BigIntegerField(null=True)
    created_at = BigIntegerField()
    failures = IntegerField()
    failing_since = BigIntegerField(null=True)
    next_attempt_at = BigIntegerField(null=True)
    lease_owner = TextField(null=True)
    lease_expires_at = BigIntegerField(null=True)
    delivered = BigIntegerField()
    rejected = BigIntegerField()
    unreachable = BigIntegerField()

    class Meta:
        indexes = ((("created_at", "id"), False),)


class WebhookDelivery(BaseModel):
    """One delivery attempt: `status` None on a network error; deleted with its subscription."""

    id = AutoField()
    webhook = ForeignKeyField(Webhook, on_delete="CASCADE", index=False)
    event_id = BigIntegerField()
    attempted_at = BigIntegerField()
    status = IntegerField(null=True)
    error = TextField(null=True)
    duration_ms = IntegerField()

    class Meta:
        indexes = ((("webhook", "id"), False),)


MODELS = [Job, Path, ProcessStep, Serial, SerialStep, SerialMove, Sequence, Token, Event,
          IdempotencyKey, Webhook, WebhookDelivery]

