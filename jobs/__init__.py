"""The Jobs service: one Blueprint (`bp`), its models and the rules behind it."""
# Importing the view modules registers their routes on bp.
from jobs import health_views, job_views, openapi_views, path_views, serial_views  # noqa: F401
from jobs.api import bp

__all__ = ["bp"]
