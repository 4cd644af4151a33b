"""Flask CLI commands: `flask --app app init-db`, `backup PATH`, `openapi`."""
import json
import os
import sqlite3

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from jobs.openapi import api_document
from jobs.store.db import SqliteFile, db
from jobs.store.models import create_tables


@click.command("init-db")
def init_db_command() -> None:
    """Create the tables that do not exist yet (idempotent)."""
    create_tables()
    click.echo("Initialized the database.")


@click.command("openapi")
@with_appcontext
def openapi_command() -> None:
    """Print the OpenAPI 3 document, the same as GET /api/openapi.json."""
    click.echo(json.dumps(api_document(current_app), indent=2, ensure_ascii=False))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path: str) -> None:
    """Copy the live SQLite database to PATH (safe while gunicorn runs)."""
    if not isinstance(db.obj, SqliteFile):
        raise click.UsageError("backup needs a SQLite DATABASE_URL")
    if os.path.exists(path) and os.path.samefile(path, db.obj.path):
        raise click.UsageError("PATH is the live database itself; back up to another file")
    try:
        db.obj.backup_to(path)
    except sqlite3.Error as error:
        raise click.ClickException(f"backup to {path} failed: {error}") from error
    click.echo(f"Backed up the database to {path}.")


def register_commands(app: Flask) -> None:
    """Add the service's commands to `flask --app app`."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(openapi_command)
    app.cli.add_command(backup_command)
