"""Scans (docs/api.md, Scans: many parts at once, and offline replay).

- `event.scanned_at`: when a station captured the scan behind the event
  (epoch ms; NULL for every other event, and for every old one).
- serial(current_step_id, number): the `stepId` filter of List Serials
  ("what waits at my station") read as one index range in list order.

Both are additions: no row changes. Tables and columns are named as
strings (no model), so later steps change them by migration only.
"""
from peewee import BigIntegerField

NEW_INDEX = ("serial", ("current_step_id", "number"))


def up(migrator, db):
    """Add `event.scanned_at` and the index of the `stepId` filter."""
    migrator.migrate(
        migrator.add_column("event", "scanned_at", BigIntegerField(null=True)),
        migrator.add_index(*NEW_INDEX),
    )
