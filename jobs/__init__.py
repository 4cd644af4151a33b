"""The Jobs service: one Blueprint (`bp`), its models and the rules behind it."""
from jobs import health_views, job_views, openapi_views  # noqa: F401  (registers the routes on bp)
from jobs.api import bp

__all__ = ["bp"]
