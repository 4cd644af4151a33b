"""Inspections (docs/api.md, Inspections): a step's `checks`, a JSON list.

Steps made before this release get `[]`: none.
Limits are stored as JSON numbers exactly as sent (read back as decimals).
"""
from peewee import TextField


def up(migrator, db):
    """Add `process_step.checks`, `[]` for every step there is."""
    migrator.migrate(migrator.add_column("process_step", "checks", TextField(null=True)))
    db.execute_sql("UPDATE \"process_step\" SET \"checks\" = '[]'")
