"""Tokens and events: the `token` table (authentication) and the `event` table (history).

Both are new tables; nothing of the first release changes. The models are
a frozen copy (later steps change these tables by migration, never by
editing this file). `event` has no foreign keys: the events of a deleted
job or path stay.
"""
from peewee import AutoField, BigIntegerField, IntegerField, Model, TextField


def token_and_event_models(database) -> list[type[Model]]:
    """Return the `token` and `event` models of schema version 2, bound to `database`."""

    class Base(Model):
        id = AutoField()

        class Meta:
            legacy_table_names = False

    class Token(Base):
        name = TextField()
        role = TextField()
        secret_sha256 = TextField(unique=True)
        created_at = BigIntegerField()
        last_used_at = BigIntegerField(null=True)
        revoked_at = BigIntegerField(null=True)

    # A name is unique among tokens that are not revoked.
    Token.add_index(Token.index(Token.name, unique=True, where=Token.revoked_at.is_null()))

    class Event(Base):
        at = BigIntegerField()
        type = TextField()
        actor = TextField()
        request_id = TextField()
        job_id = TextField()
        path_id = TextField(null=True)
        serial_id = TextField(null=True)
        data = TextField()
        first_number = IntegerField(null=True)
        last_number = IntegerField(null=True)

        class Meta:
            indexes = (
                (("job_id", "id"), False),
                (("type", "id"), False),
                (("actor", "id"), False),
            )

    # The columns most events leave empty are indexed only where set.
    for column in (Event.path_id, Event.serial_id):
        Event.add_index(Event.index(column, Event.id, where=column.is_null(False)))
    Event.add_index(Event.index(Event.last_number, where=Event.last_number.is_null(False)))

    models = [Token, Event]
    for model in models:
        model.bind(database)
    return models


def up(migrator, db):
    """Create the `token` and `event` tables and their indexes."""
    db.create_tables(token_and_event_models(db))
