"""API tokens (docs/api.md, Authentication and roles): made, listed and revoked on the
command line, checked on every request.

A token is `shop_` and 43 URL-safe characters (32 random bytes); only the
SHA-256 of it is stored, and it is looked up by that hash.
"""
import hashlib
import logging
import re
import secrets

from peewee import IntegrityError, OperationalError

from jobs import clock
from jobs.errors import BadRequest, Conflict, NotFound
from jobs.store.db import db
from jobs.store.models import Token
from jobs.store.statements import execute, first_row, param, query_rows, statement
from jobs.vocabulary import ROLES

log = logging.getLogger(__name__)

PREFIX = "shop_"
_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
BAD_NAME = "NAME must be 1 to 64 letters, digits, '.', '_' or '-'"
BAD_ROLE = f"ROLE must be one of: {', '.join(ROLES)}"
NAME_TAKEN = "A token named {name} already exists"
NOT_FOUND = "Token not found: {name}"
# "Last used" is written at most once per this many milliseconds per token.
TOUCH_EVERY_MS = 60_000


def secret_sha256(secret: str) -> str:
    """Return the SHA-256 of `secret` (UTF-8) in hex: what is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def role_allows(role: str, needed: str) -> bool:
    """Whether a token of `role` may do what `needed` may (viewer < operator < planner)."""
    return ROLES.index(role) >= ROLES.index(needed)


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise BadRequest(BAD_NAME)


def create_token(name: str, role: str) -> str:
    """Store a new token `name` of `role`; return the token itself (it is not kept).

    Raises BadRequest for a bad name or role, Conflict when a token that is
    not revoked already has the name (the database's partial unique index
    decides, so two concurrent creates cannot both win).
    """
    _check_name(name)
    if role not in ROLES:
        raise BadRequest(BAD_ROLE)
    secret = PREFIX + secrets.token_urlsafe(32)
    row = {"name": name, "role": role, "secret_sha256": secret_sha256(secret),
           "created_at": clock.now_ms()}
    try:
        with db.atomic():
            Token.insert(row).execute()
    except IntegrityError as error:
        raise Conflict(NAME_TAKEN, name=name) from error
    return secret


def list_tokens() -> list[dict]:
    """Return every token row (revoked ones too), oldest first."""
    return query_rows(Token.select().order_by(Token.created_at, Token.id))


def revoke_token(name: str) -> None:
    """Revoke the token `name` that is not revoked.

    Nothing caches tokens, so the next request with it, on any worker or
    host, is refused. Raises BadRequest for a bad name, NotFound `NOT_FOUND`
    when no token that is not revoked has it.
    """
    _check_name(name)
    with db.atomic():
        revoked = (Token.update(revoked_at=clock.now_ms())
                   .where((Token.name == name) & Token.revoked_at.is_null()).execute())
    if not revoked:
        raise NotFound(NOT_FOUND, name=name)


def _by_secret():
    return Token.select().where(
        (Token.secret_sha256 == param("secret_sha256")) & Token.revoked_at.is_null())


def _touch_statement():
    stale = Token.last_used_at.is_null() | (Token.last_used_at <= param("stale_before"))
    return Token.update({Token.last_used_at: param("now")}).where(
        (Token.id == param("id")) & stale)


def _touch(token: dict) -> None:
    now = clock.now_ms()
    last = token["last_used_at"]
    if last is not None and last > now - TOUCH_EVERY_MS:
        return
    try:
        execute(statement(_touch_statement),
                {"now": now, "id": token["id"], "stale_before": now - TOUCH_EVERY_MS})
    except OperationalError:
        log.warning("could not record the use of token %s", token["name"], exc_info=True)


def authenticate(secret: str) -> dict | None:
    """Return the row of the token `secret` if it exists and is not revoked, else None.

    One indexed SELECT. "Last used" is written only when the stored value is
    a minute old or more, in its own small statement, so most reads stay
    reads; when it cannot be written (a write-protected database) the
    request goes on and a warning is logged.
    """
    token = first_row(Token, statement(_by_secret), {"secret_sha256": secret_sha256(secret)})
    if token is not None:
        _touch(token)
    return token
