"""List indexes and the cursor secret (docs/api.md, Lists: pages and filters).

Every filter of a list gets an index that starts with the filter and ends
with the list's order, so that a page is one index range read from its
cursor on: jobs by (created_at, id), serials by number. serial(job_id,
path_id, status) goes: serial(job_id, number) answers everything it did in
list order (the progress counts use serial(path_id, status), which stays).

The `secret` table holds the random key that signs list cursors when
`SECRET_KEY` is not configured; it is made here, once, under the upgrade
lock, so every worker and host of one database signs alike. Tables and
columns are named as strings and the model is a frozen copy: later steps
change them by migration, never by editing this file.
"""
import secrets

from peewee import CharField, Model, TextField

NEW_INDEXES = (
    ("job", ("jira_ticket_key", "created_at", "id")),
    ("job", ("updated_at", "created_at", "id")),
    ("serial", ("job_id", "number")),
    ("serial", ("path_id", "number")),
    ("serial", ("status", "number")),
    ("serial", ("updated_at", "number")),
)
DROPPED_INDEX = ("serial", "serial_job_id_path_id_status")


def secret_model(database) -> type[Model]:
    """Return the `secret` table's model (name -> hex value) bound to `database`."""

    class Secret(Model):
        name = CharField(primary_key=True)
        value = TextField()

        class Meta:
            legacy_table_names = False

    Secret.bind(database)
    return Secret


def up(migrator, db):
    """Add the list indexes, drop the one they replace, store a new cursor secret."""
    migrator.migrate(
        *(migrator.add_index(table, columns) for table, columns in NEW_INDEXES),
        migrator.drop_index(*DROPPED_INDEX),
    )
    secret = secret_model(db)
    db.create_tables([secret])
    secret.insert(name="cursor", value=secrets.token_hex(32)).execute()
