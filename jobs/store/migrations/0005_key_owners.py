"""Idempotency-Keys owned by their token (docs/api.md, Retries and concurrency).

Until schema 4 a key belonged to its token's name (`idempotency_key.actor`);
from here on to the token itself, `token:<id>`, since a revoked token's name
may be given to a new one. The keys stored before are handed to the token
that held the name when they were stored: the one not revoked, if any,
else the one revoked last. Without a token (`anonymous`) nothing changes.
Plain SQL on the two tables, so nothing here follows later models.
"""

OWNER = (
    "UPDATE idempotency_key SET actor = 'token:' || CAST(("
    " SELECT t.id FROM token t WHERE t.name = idempotency_key.actor"
    " ORDER BY t.revoked_at IS NOT NULL, t.revoked_at DESC LIMIT 1) AS TEXT)"
    " WHERE actor IN (SELECT name FROM token)"
)


def up(migrator, db):
    """Rewrite each stored key's owner from its token's name to `token:<id>`."""
    db.execute_sql(OWNER)
