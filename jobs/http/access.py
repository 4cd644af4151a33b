"""What the metrics say about a request: its route template and method.

Labels name the route template (`/api/jobs/<job_id>`), never
the raw path, so that requests for any number of ids make one series; a
request that matches no route (404, or 405 for a method the path does not
take) is `<unmatched>`. Methods outside HTTP's usual set are `<other>`.
"""
from flask import Request

UNMATCHED = "<unmatched>"
OTHER_METHOD = "<other>"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route(req: Request) -> str:
    """Return the route template `req` matched, or `<unmatched>`."""
    rule = req.url_rule
    return UNMATCHED if rule is None else rule.rule


def method(req: Request) -> str:
    """Return `req`'s method, or `<other>` for an unusual one."""
    return req.method if req.method in KNOWN_METHODS else OTHER_METHOD

