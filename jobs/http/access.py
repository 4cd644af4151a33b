"""What the metrics and the access log say about a request: its route template and actor.

Labels and log fields name the route template (`/api/jobs/<job_id>`), never
the raw path, so that requests for any number of ids make one series; a
request that matches no route (404, or 405 for a method the path does not
take) is `<unmatched>`. Methods outside HTTP's usual set are `<other>`.
"""
from flask import Request, Response, request

from jobs import acting

UNMATCHED = "<unmatched>"
OTHER_METHOD = "<other>"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# WSGI environ keys that carry the route and actor to gunicorn's access log.
ROUTE_KEY = "jobs.route"
ACTOR_KEY = "jobs.actor"


def route(req: Request) -> str:
    """Return the route template `req` matched, or `<unmatched>`."""
    rule = req.url_rule
    return UNMATCHED if rule is None else rule.rule


def method(req: Request) -> str:
    """Return `req`'s method, or `<other>` for an unusual one."""
    return req.method if req.method in KNOWN_METHODS else OTHER_METHOD


def actor() -> str:
    """Return who made the current request, for the access log: its token's name, or `anonymous`.

    Authentication (`jobs.http.auth`) makes the actor current for the request.
    """
    return acting.current().actor


def share_with_server(response: Response) -> Response:
    """Leave the route and the actor in the WSGI environ, where gunicorn's access log reads them."""
    request.environ[ROUTE_KEY] = route(request)
    request.environ[ACTOR_KEY] = actor()
    return response
