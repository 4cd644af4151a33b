"""Flask CLI commands (docs/operations.md): `db upgrade|version`, `copy-db`, `backup`, `openapi`,
`token create|list|revoke`, `history verify`, `webhooks deliver` (jobs.webhooks.command).

Each failure is one line on standard error and exit status 1, except a broken history,
which `history verify` names on standard output (docs/api.md, Records an auditor can trust).
Only `db upgrade` changes the schema; the commands that read or write rows refuse a
database whose schema is not this code's, in one line.
"""
import json
import os
import sqlite3
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from jobs.errors import ApiError
from jobs.openapi import api_document
from jobs.services import chain, tokens
from jobs.store.copy import CopyError, copy_database
from jobs.store.db import SqliteFile, db, make_database
from jobs.store.schema import SchemaError, code_version, schema_version, upgrade
from schemas.fields import format_timestamp

db_group = AppGroup("db", help="The database schema.")


@db_group.command("upgrade")
def upgrade_command() -> None:
    """Bring the database schema up to date (the service also does it on start)."""
    with db.connection_context():
        applied = _or_fail(upgrade, db.obj)
        version = schema_version(db.obj)
    click.echo(f"Applied {len(applied)} step(s); schema version {version}.")


@db_group.command("version")
def version_command() -> None:
    """Print the database's schema version (the stored one: 0 for an empty database)."""
    with db.connection_context():
        click.echo(schema_version(db.obj))


@click.command("copy-db")
@click.argument("target_url")
def copy_db_command(target_url: str) -> None:
    """Copy every table of the configured database into the empty database TARGET_URL."""
    try:
        target = make_database(target_url)
        with db.connection_context():
            check_schema()
            counts = copy_database(target)
    except (CopyError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo("Copied " + ", ".join(f"{n} {table}" for table, n in counts.items()) + ".")


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
        raise click.UsageError("backup needs a SQLite DATABASE_URL (PostgreSQL: use pg_dump)")
    if os.path.exists(path) and os.path.samefile(path, db.obj.path):
        raise click.UsageError("PATH is the live database itself; back up to another file")
    try:
        db.obj.backup_to(path)
    except sqlite3.Error as error:
        raise click.ClickException(f"backup to {path} failed: {error}") from error
    click.echo(f"Backed up the database to {path}.")


token_group = AppGroup("token", help="API tokens (docs/operations.md, Tokens).")


@token_group.command("create")
@click.argument("name", required=False, default="")
@click.option("--role", default="", help="viewer, operator or planner.")
def token_create_command(name: str, role: str) -> None:
    """Make a token NAME of ROLE and print it (the only time it is shown)."""
    with db.connection_context():
        check_schema()
        secret = _or_fail(tokens.create_token, name, role)
    click.echo(secret)


@token_group.command("list")
def token_list_command() -> None:
    """Print one line per token: name, role, created, last used, revoked (never the secret)."""
    with db.connection_context():
        check_schema()
        rows = tokens.list_tokens()
    for token in rows:
        stamps = (token["created_at"], token["last_used_at"], token["revoked_at"])
        click.echo("\t".join([token["name"], token["role"],
                              *(format_timestamp(s) if s is not None else "-" for s in stamps)]))


@token_group.command("revoke")
@click.argument("name", required=False, default="")
def token_revoke_command(name: str) -> None:
    """Revoke the token NAME: it stops working at once, on every worker and host."""
    with db.connection_context():
        check_schema()
        _or_fail(tokens.revoke_token, name)
    click.echo(f"Revoked token {name}.")


history_group = AppGroup("history", help="The history's hash chain (docs/operations.md).")


@history_group.command("verify")
def history_verify_command() -> None:
    """Recompute every event's hash; exit 1 naming the first event that does not recompute."""
    with db.connection_context():
        check_schema()
        total = chain.count()
    # The bar goes to standard error, and only on a terminal: piped, the one line is all.
    bar = click.progressbar(length=total, label="Verifying", file=sys.stderr,
                            hidden=not sys.stderr.isatty())
    try:
        with bar:
            head = chain.verify(bar.update)
    except chain.ChainBroken as broken:
        click.echo(str(broken))
        click.get_current_context().exit(1)
    click.echo(f"History verified: {head.count} events, head {head.id} {head.hash}")


def _or_fail(action, *args):
    # The service's one-sentence errors become one line on stderr and exit status 1.
    try:
        return action(*args)
    except ApiError as error:
        raise click.ClickException(error.message) from error
    except SchemaError as error:
        raise click.ClickException(str(error)) from error


def check_schema() -> None:
    """Raise ClickException (one line, exit 1) unless the database's schema is this code's.

    Rows are read and written through today's models: an older schema would
    fail half-way with a database error, a newer one could lose columns.
    """
    stored, needed = schema_version(db.obj), code_version()
    if stored != needed:
        raise click.ClickException(
            f"database schema is version {stored}, this code needs {needed}"
            + ("; run `flask db upgrade` first" if stored < needed
               else "; run the release that made it"))


def register_commands(app: Flask) -> None:
    """Add the service's commands to `flask --app app`."""
    # Imported here: the webhooks command checks the schema with this module's check_schema.
    from jobs.webhooks.command import webhooks_group

    app.cli.add_command(db_group)
    app.cli.add_command(copy_db_command)
    app.cli.add_command(openapi_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(token_group)
    app.cli.add_command(history_group)
    app.cli.add_command(webhooks_group)
