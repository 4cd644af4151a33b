"""peewee models: the tables behind the API (docs/api.md: Job, Path, Serial, History; tokens;
idempotency keys; webhooks).

Timestamps are stored as integer milliseconds since the Unix epoch (UTC):
exact, ordered, and formatted for the wire by `schemas.fields.Timestamp`.
"""
import json

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
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


class ProcessStep(BaseModel):
    """One step of a path, at position `order` (0-based); deleted with its path."""

    id = CharField(primary_key=True)
    path = ForeignKeyField(Path, on_delete="CASCADE", index=False)
    name = TextField()
    order = IntegerField()
    location = TextField(null=True)
    optional = BooleanField()
    dependency_type = TextField()

    class Meta:
        indexes = ((("path", "order"), True),)


class Serial(BaseModel):
    """One physical unit moving along a path.

    `number` is the counter value behind the `SN-00001` id; listing orders by
    it, since the id's text order breaks past SN-99999. No cascade: a job or
    path with serials is not deleted (docs/api.md: Delete Job, Delete Path).
    """

    id = CharField(primary_key=True)
    number = IntegerField(unique=True)
    job = ForeignKeyField(Job, index=False)
    path = ForeignKeyField(Path, index=False)
    current_step_index = IntegerField()
    status = TextField()
    scrap_reason = TextField(null=True)
    scrap_note = TextField(null=True)
    created_at = BigIntegerField()
    updated_at = BigIntegerField()

    class Meta:
        # (path, status): Get Job's counts per path and status, Delete Path.
        # Each list filter with the list's order, `number` (migration 0003);
        # (job, number) also serves Delete Job's count.
        indexes = (
            (("path", "status"), False),
            (("job", "number"), False),
            (("path", "number"), False),
            (("status", "number"), False),
            (("updated_at", "number"), False),
        )


class Sequence(BaseModel):
    """A named sequence that only grows (`serial`: the last serial number handed out)."""

    name = CharField(primary_key=True)
    value = IntegerField()


class Secret(BaseModel):
    """A random key kept in the database (`cursor`: signs list cursors), as hex.

    Not in MODELS: copy-db leaves the target its own secret (made by its
    migration 0003), so cursors do not outlive a move.
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


class JsonText(TextField):
    """A JSON value stored as text, so its keys keep their order on every database."""

    def db_value(self, value):
        """Dump `value` as compact JSON text (None stays NULL)."""
        return None if value is None else json.dumps(value, ensure_ascii=False,
                                                     separators=(",", ":"))

    def python_value(self, value):
        """Parse the stored JSON text (NULL stays None)."""
        return None if value is None else json.loads(value)


class Event(BaseModel):
    """One recorded change (docs/api.md, History): append-only, in the order of `id`.

    `job_id`, `path_id` and `serial_id` are plain columns, not foreign keys:
    the events of a deleted job or path stay. `first_number`/`last_number`
    are the serial numbers a `serials.created` batch spans (a serial's
    history finds its batch by them).
    """

    id = AutoField()
    at = BigIntegerField()
    type = TextField()
    actor = TextField()
    request_id = TextField()
    job_id = TextField()
    path_id = TextField(null=True)
    serial_id = TextField(null=True)
    data = JsonText()
    first_number = IntegerField(null=True)
    last_number = IntegerField(null=True)

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


MODELS = [Job, Path, ProcessStep, Serial, Sequence, Token, Event, IdempotencyKey, Webhook,
          WebhookDelivery]

