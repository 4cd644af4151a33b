"""Views: parse with a schema, call a service, dump. Importing this registers every route."""
from jobs.views import docs, events, health, jobs, metrics, paths, serials, webhooks  # noqa: F401
