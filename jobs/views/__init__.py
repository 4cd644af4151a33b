"""Views: load through the contract, call a service, return what the contract dumps.

Importing this registers every route.
"""
from jobs.views import (  # noqa: F401
    board,
    corrections,
    docs,
    events,
    health,
    holds,
    jobs,
    lookup,
    metrics,
    moves,
    paths,
    records,
    scans,
    serials,
    webhooks,
)
