"""`flask --app app webhooks deliver` (docs/operations.md, Webhooks): the deliverer's command."""
import signal

import click
from flask import current_app
from flask.cli import AppGroup

from jobs.cli import check_schema
from jobs.store.db import db
from jobs.webhooks.deliverer import Deliverer, Settings
from schemas.event import EventSchema

webhooks_group = AppGroup("webhooks", help="Webhook deliveries (docs/operations.md, Webhooks).")


def event_encoder():
    """Return `row -> body`: the event exactly as GET /api/events shows it (the app's JSON)."""
    schema, dumps = EventSchema(), current_app.json.dumps
    return lambda row: dumps(schema.dump(row))


@webhooks_group.command("deliver")
def deliver_command() -> None:
    """Deliver every subscription's events until SIGTERM or SIGINT (a long-running process).

    Refuses, in one line, a database whose schema is not this code's.
    """
    with db.connection_context():
        check_schema()
    config = current_app.config
    deliverer = Deliverer(Settings(
        encode=event_encoder(), allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
        backoff_seconds=config["WEBHOOK_BACKOFF_SECONDS"],
        poll_seconds=config["WEBHOOK_POLL_SECONDS"]))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: deliverer.stop())
    click.echo(f"Delivering webhooks as {deliverer.owner}.")
    deliverer.run()
    click.echo("Stopped.")
