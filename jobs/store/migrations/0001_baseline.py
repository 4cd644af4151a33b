"""Baseline: the tables of the first release (jobs, paths, process steps, serials, counter).

A database made by the first release already has them and only gets this
step recorded; an empty database gets them created. The models are a frozen
copy (later steps change tables by migration, never by editing this file).
On PostgreSQL the text primary keys use the "C" collation, so that ids sort
byte by byte as they do on SQLite (the tie-breaker of every list order).
"""
from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    JSONField,
    Model,
    PostgresqlDatabase,
    TextField,
)


def baseline_models(database) -> list[type[Model]]:
    """Return the first release's models bound to `database`, in creation order."""
    collation = '"C"' if isinstance(database, PostgresqlDatabase) else None

    class Base(Model):
        id = CharField(primary_key=True, collation=collation)

        class Meta:
            legacy_table_names = False

    class Job(Base):
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

    class Path(Base):
        job = ForeignKeyField(Job, on_delete="CASCADE", index=False)
        name = TextField()
        goal_quantity = IntegerField()
        advancement_mode = TextField()
        created_at = BigIntegerField()
        updated_at = BigIntegerField()

        class Meta:
            indexes = ((("job", "created_at", "id"), False),)

    class ProcessStep(Base):
        path = ForeignKeyField(Path, on_delete="CASCADE", index=False)
        name = TextField()
        order = IntegerField()
        location = TextField(null=True)
        optional = BooleanField()
        dependency_type = TextField()

        class Meta:
            indexes = ((("path", "order"), True),)

    class Serial(Base):
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
            indexes = ((("job", "path", "status"), False), (("path", "status"), False))

    class Sequence(Model):
        name = CharField(primary_key=True)
        value = IntegerField()

        class Meta:
            legacy_table_names = False

    models = [Job, Path, ProcessStep, Serial, Sequence]
    for model in models:
        model.bind(database)
    return models


def up(migrator, db):
    """Create the first release's tables that do not exist yet."""
    db.create_tables(baseline_models(db), safe=True)
