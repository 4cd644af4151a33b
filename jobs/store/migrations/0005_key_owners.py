"""Idempotency-Keys owned by the token, not its name (docs/api.md, Idempotency-Key).

Until now a key's owner (the `actor` column of `idempotency_key`) was the
token's name; a new token given a revoked token's name found the old
token's answers. From now on it is `token:<id>`. This step gives the keys
already stored to the token that made them, so that a retry sent across the
upgrade is still replayed: the token that holds the name now, when it is
older than the key (a key made before its token existed was the revoked
one's, and keeps its name as owner: no token's id finds it). `anonymous`
keys stay, even with a token of that name (which of the two made them is
not known). Only rows change; the table is as 0004 made it.
"""

GIVE_KEYS_TO_TOKENS = """
UPDATE idempotency_key SET actor = 'token:' || (
    SELECT CAST(token.id AS TEXT) FROM token
    WHERE token.name = idempotency_key.actor AND token.revoked_at IS NULL
      AND token.created_at <= idempotency_key.created_at)
WHERE actor <> 'anonymous' AND EXISTS (
    SELECT 1 FROM token
    WHERE token.name = idempotency_key.actor AND token.revoked_at IS NULL
      AND token.created_at <= idempotency_key.created_at)
"""


def up(migrator, db):
    """Rewrite each stored key's owner from its token's name to `token:<id>`."""
    db.execute_sql(GIVE_KEYS_TO_TOKENS)
