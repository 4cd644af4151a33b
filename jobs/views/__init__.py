"""Views: parse with a schema, call a service, dump. Importing this registers every route."""
from jobs.views import board, docs, events, health, jobs, metrics, paths, serials  # noqa: F401
