"""What gunicorn loads: `gunicorn -c gunicorn.conf.py wsgi:app`.

Serving brings the schema up to date first (`upgrade_schema`); a database
this code cannot use (a newer schema; a SQLite file with not one block free
beside it) stops the start with one line.
"""
import sys

from app import create_app
from jobs.store.db import NoSpace
from jobs.store.schema import SchemaError

try:
    app = create_app(upgrade_schema=True)
except (SchemaError, NoSpace) as error:
    sys.exit(f"shop-jobs: {error}")
