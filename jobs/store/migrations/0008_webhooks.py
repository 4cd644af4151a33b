"""Webhooks (docs/api.md, Webhooks): the `webhook` and `webhook_delivery` tables.

`webhook` is a subscription with its secret (kept so that it can sign), its
filters, its cursor in the event table (`cursor`: every event up to it is
done with) and its delivery schedule: `failures` in a row, `failing_since`,
`next_attempt_at`, and the lease (`lease_owner` until `lease_expires_at`)
that lets one deliverer at a time deliver it. `webhook_delivery` is one row
per attempt, deleted with its subscription. New tables: nothing else
changes. The models are frozen copies; on PostgreSQL the text ids use the
"C" collation, as the ids of 0001 do.
"""
from peewee import (
    AutoField,
    BigIntegerField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
    PostgresqlDatabase,
    TextField,
)


def webhook_models(database) -> list[type[Model]]:
    """Return the `webhook` and `webhook_delivery` models of schema version 8, bound to
    `database`."""
    collation = '"C"' if isinstance(database, PostgresqlDatabase) else None

    class Webhook(Model):
        id = CharField(primary_key=True, collation=collation)
        url = TextField()
        types = TextField(null=True)
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
            legacy_table_names = False
            indexes = ((("created_at", "id"), False),)

    class WebhookDelivery(Model):
        id = AutoField()
        webhook = ForeignKeyField(Webhook, on_delete="CASCADE", index=False)
        event_id = BigIntegerField()
        attempted_at = BigIntegerField()
        status = IntegerField(null=True)
        error = TextField(null=True)
        duration_ms = IntegerField()

        class Meta:
            legacy_table_names = False
            indexes = ((("webhook", "id"), False),)

    for model in (Webhook, WebhookDelivery):
        model.bind(database)
    return [Webhook, WebhookDelivery]


def up(migrator, db):
    """Create the `webhook` and `webhook_delivery` tables and their indexes."""
    db.create_tables(webhook_models(db))
