"""What every paged list shares (docs/api.md, Lists: pages and filters): the cursor secret."""
from weakref import WeakKeyDictionary

from jobs.store import keyset
from jobs.store.db import db

_secrets: WeakKeyDictionary = WeakKeyDictionary()


def cursor_secret() -> bytes:
    """Return the key that signs list cursors on the bound database.

    Read from the database once per process (per database, for processes
    that open several), then kept: it never changes, and every worker and
    host of the database reads the same key.
    """
    database = db.obj
    if database not in _secrets:
        _secrets[database] = keyset.cursor_secret()
    return _secrets[database]
