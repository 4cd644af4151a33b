"""Flask CLI commands: `flask --app app init-db`, `flask --app app backup PATH`."""
import click
from flask import Flask

from jobs.db import SqliteFile, db
from jobs.models import create_tables


@click.command("init-db")
def init_db_command() -> None:
    """Create the tables that do not exist yet (idempotent)."""
    create_tables()
    click.echo("Initialized the database.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path: str) -> None:
    """Copy the live SQLite database to PATH (safe while gunicorn runs)."""
    if not isinstance(db.obj, SqliteFile):
        raise click.UsageError("backup needs a SQLite DATABASE_URL")
    db.obj.backup_to(path)
    click.echo(f"Backed up the database to {path}.")


def register_commands(app: Flask) -> None:
    """Add the service's commands to `flask --app app`."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(backup_command)
