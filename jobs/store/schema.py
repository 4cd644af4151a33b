"""Schema versions and upgrades (docs/operations.md, Schema upgrades).

The steps are the numbered files in `migrations/`, run in order by peewee's
`playhouse.migrations.Runner`, which records each applied step in the
`schema_migration` table. The schema version is the number of the last
applied step. Upgrades run under `schema_lock`, so hosts that start together
upgrade once; a database with a step this code does not know is newer than
the code, and the service refuses it.
"""
from pathlib import Path

from peewee import Database
from playhouse.migrations import Migration, Runner

from jobs.store.db import schema_lock

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaError(RuntimeError):
    """The database cannot be used by this code (its schema is newer)."""


def _runner(database: Database) -> Runner:
    return Runner(database, directory=str(MIGRATIONS))


def code_version() -> int:
    """Return the schema version this code brings a database to (its last step's number)."""
    return max(step.idx for step in Migration.load_directory(str(MIGRATIONS)))


def schema_version(database: Database) -> int:
    """Return the version `database` is at, as stored (0 for an empty database).

    A database made by the first release has its tables but no step
    records (they came with step 1): it is at version 1.
    """
    applied = [step.idx for step in _runner(database).status() if step.applied]
    if not applied and "job" in database.get_tables():
        return 1
    return max(applied, default=0)


def upgrade(database: Database) -> list[str]:
    """Apply every step `database` lacks, under the upgrade lock; return their names.

    Raises SchemaError when the database has a step this code does not know.
    """
    with schema_lock(database):
        runner = _runner(database)
        unknown = [step.name for step in runner.status() if step.path is None]
        if unknown:
            raise SchemaError(
                f"database schema is newer than this code (unknown steps: {', '.join(unknown)});"
                " run the release that made it")
        return runner.up()
