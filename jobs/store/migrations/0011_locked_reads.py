"""Locked reads (docs/benchmarks.md, PostgreSQL round trips): two PostgreSQL functions, each
taking a transaction advisory lock and then reading what that lock guards, in one round trip.

- `lock_event_order_last_link(lock)`: the event-order lock, then the newest event's id and
  hash (no row with no events).
- `lock_idempotency_key(class, key, actor, key_text)`: an Idempotency-Key's lock, then its
  row (the table's row type; no row when unseen).

The read must see what committed while the lock was waited for. A plain `SELECT lock(),
(SELECT ...)` reads with the snapshot its statement took before the lock was granted (READ
COMMITTED); in a VOLATILE PL/pgSQL function each statement takes its own snapshot, so the
`RETURN QUERY` after `PERFORM` reads after the lock. SQLite's write transactions already run
one at a time: nothing changes there. No table or row changes; the functions' text is
frozen here, a later change is a new step.
"""
from peewee import PostgresqlDatabase

EVENT_ORDER = """
CREATE OR REPLACE FUNCTION lock_event_order_last_link(lock_key bigint)
RETURNS TABLE (last_id bigint, last_hash text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY SELECT e.id::bigint, e.hash FROM event e ORDER BY e.id DESC LIMIT 1;
END
$$
"""
IDEMPOTENCY_KEY = """
CREATE OR REPLACE FUNCTION lock_idempotency_key(lock_class integer, lock_key integer,
                                                key_actor text, key_text text)
RETURNS SETOF idempotency_key
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_class, lock_key);
    RETURN QUERY SELECT * FROM idempotency_key k
                 WHERE k.actor = key_actor AND k.key = key_text;
END
$$
"""
FUNCTIONS = ("lock_event_order_last_link", "lock_idempotency_key")


def up(migrator, db):
    """Create the two functions on PostgreSQL; nothing on SQLite."""
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(EVENT_ORDER)
        db.execute_sql(IDEMPOTENCY_KEY)
