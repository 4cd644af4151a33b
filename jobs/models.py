"""peewee models: the tables behind the API resources (API.md: Job, Path, Serial).

Timestamps are stored as integer milliseconds since the Unix epoch (UTC):
exact, ordered, and formatted for the wire by `schemas.fields.Timestamp`.
"""
import secrets
import time

from peewee import BigIntegerField, CharField, IntegerField, JSONField, Model, TextField

from jobs.db import db


def new_id(prefix: str) -> str:
    """Return an opaque id: `prefix` + `_` + 12 URL-safe random characters."""
    return f"{prefix}_{secrets.token_urlsafe(9)}"


def now_ms() -> int:
    """Return the current UTC time in whole milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


class BaseModel(Model):
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
        indexes = ((("created_at", "id"), False),)


MODELS = [Job]


def create_tables() -> None:
    """Create every table and index that does not exist yet (idempotent)."""
    with db.connection_context():
        db.create_tables(MODELS, safe=True)
