"""Flask CLI commands: `flask --app app init-db`."""
import click
from flask import Flask

from jobs.models import create_tables


@click.command("init-db")
def init_db_command() -> None:
    """Create the tables that do not exist yet (idempotent)."""
    create_tables()
    click.echo("Initialized the database.")


def register_commands(app: Flask) -> None:
    """Add the service's commands to `flask --app app`."""
    app.cli.add_command(init_db_command)
