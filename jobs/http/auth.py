"""Authentication and roles (docs/api.md, Authentication and roles), checked in one place.

`init_auth` registers one app-level `before_request` hook. It runs before
the view, so before the 404 look-up and before the body is read, and for
unknown `/api` URLs too (Flask runs it before raising the routing error).
The role a request needs is the one its view declares (`Contract.role`);
an `/api` URL with no route (404/405) needs a valid token of any role.
The hook also makes the actor (the token's name, or `anonymous`) and the
request id current for the services (`jobs.acting`).
"""
import logging

import click
from flask import Flask, current_app, g, request

from jobs import acting
from jobs.http.contract import contract_of
from jobs.http.envelope import error_response
from jobs.http.request_id import request_id
from jobs.services.tokens import authenticate, role_allows
from jobs.vocabulary import ROLES

log = logging.getLogger(__name__)

AUTHENTICATION_REQUIRED = "Authentication required"
INVALID_TOKEN = "Invalid token"
ROLE_REQUIRED = "This action requires the {role} role"
CHALLENGE = 'Bearer realm="shop-jobs"'
INVALID_TOKEN_CHALLENGE = CHALLENGE + ', error="invalid_token"'
ANY_ROLE = ROLES[0]
OPEN_WARNING = ("AUTH_REQUIRED is off: every request is allowed, and every write is "
                "recorded as made by 'anonymous'")


def init_auth(app: Flask) -> None:
    """Check every request's token when `app.config["AUTH_REQUIRED"]` (a bool) is on.

    Off, every request is allowed and acts as `anonymous`, and a warning
    says so once, when the app is built to serve (not for a `flask`
    command such as `token create`, whose output stays clean).
    """
    if app.config["AUTH_REQUIRED"]:
        app.before_request(_check_token)
    else:
        app.before_request(_act_anonymously)
        if _serving():
            log.warning(OPEN_WARNING)
    app.teardown_request(_stop_acting)


def _serving() -> bool:
    context = click.get_current_context(silent=True)
    return context is None or context.info_name == "run"


def required_role() -> str | None:
    """Return the lowest role the current request needs, or None when it is open to all.

    The view's declared role (OPTIONS on a protected route: any role); with
    no route under `/api` (a 404 or 405 to come): any role; elsewhere: open.
    """
    rule = request.url_rule
    declared = contract_of(current_app.view_functions[rule.endpoint]) if rule else None
    if declared is None:
        return ANY_ROLE if request.path == "/api" or request.path.startswith("/api/") else None
    if declared.role is not None and request.method == "OPTIONS":
        return ANY_ROLE
    return declared.role


def _bearer_token() -> str | None:
    # RFC 7235: the scheme is case-insensitive; the token is taken exactly as sent.
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token


def _unauthorized(message: str, challenge: str):
    response, status = error_response(401, message)
    response.headers["WWW-Authenticate"] = challenge
    return response, status


def _check_token():
    needed = required_role()
    if needed is None:
        return _act_anonymously()
    secret = _bearer_token()
    if secret is None:
        return _unauthorized(AUTHENTICATION_REQUIRED, CHALLENGE)
    token = authenticate(secret)
    if token is None:
        return _unauthorized(INVALID_TOKEN, INVALID_TOKEN_CHALLENGE)
    if not role_allows(token["role"], needed):
        return error_response(403, ROLE_REQUIRED.format(role=needed))
    g.acting = acting.begin(token["name"], request_id(), token["id"], token["role"])
    return None


def _act_anonymously() -> None:
    g.acting = acting.begin(acting.ANONYMOUS, request_id())


def _stop_acting(exc: BaseException | None) -> None:
    if "acting" in g:
        acting.end(g.pop("acting"))
