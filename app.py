"""The application factory (`create_app`): config, database, blueprints, metrics, errors, CLI."""
import os
from collections.abc import Mapping

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

import jobs.views  # noqa: F401  (registers every route on bp and metrics_bp)
from jobs.cli import register_commands
from jobs.http import access, bp
from jobs.http.auth import init_auth
from jobs.http.envelope import register_error_handlers
from jobs.http.json import OrjsonProvider
from jobs.http.logs import log_format
from jobs.http.metrics import init_metrics, metrics_bp
from jobs.http.request_id import init_request_ids
from jobs.store.db import close_idle_connections, db, open_database
from jobs.store.schema import upgrade

MAX_BODY_BYTES = 1024 * 1024
FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class ConfigError(SystemExit):
    """A setting the service cannot run with: the process stops, printing this one line.

    A SystemExit, so gunicorn and the `flask` command print only the message
    (no traceback) and exit with status 1.
    """


def create_app(config: Mapping | None = None) -> Flask:
    """Build the WSGI app.

    `config` overrides the defaults and the environment (`DATABASE_URL`,
    peewee `db_url` form, default `shop.db` in the instance folder;
    `TRUSTED_PROXIES`, how many proxies' `X-Forwarded-*` headers to trust,
    default 0; `LOG_FORMAT`, `text` or `json`, ValueError for anything
    else; `SECRET_KEY`, the key that signs list cursors, default the
    database's own; `AUTH_REQUIRED`, true/false, 1/0 or yes/no, default
    false, anything else a ConfigError; `IDEMPOTENCY_KEY_HOURS`, how long an
    Idempotency-Key is kept, default 24; `WEBHOOK_ALLOW_PRIVATE`, a flag as
    AUTH_REQUIRED, default false; `WEBHOOK_BACKOFF_SECONDS`, the first retry
    delay, default 5; `WEBHOOK_POLL_SECONDS`, how often an idle deliverer
    looks for events, default 1: docs/operations.md, Webhooks). The schema is
    brought up to date on start (`jobs.store.schema.upgrade`; SchemaError on
    a newer database) and every connection used for that is closed again, so
    none outlives the factory
    (safe to fork after it, as gunicorn's `preload_app` does).
    """
    app = Flask(__name__, instance_relative_config=True)
    default_url = "sqlite:///" + os.path.join(app.instance_path, "shop.db")
    app.config.update(
        DATABASE_URL=os.environ.get("DATABASE_URL", default_url),
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0")),
        LOG_FORMAT=os.environ.get("LOG_FORMAT", "text"),
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        AUTH_REQUIRED=os.environ.get("AUTH_REQUIRED", "false"),
        IDEMPOTENCY_KEY_HOURS=float(os.environ.get("IDEMPOTENCY_KEY_HOURS", "24")),
        WEBHOOK_ALLOW_PRIVATE=os.environ.get("WEBHOOK_ALLOW_PRIVATE", "false"),
        WEBHOOK_BACKOFF_SECONDS=float(os.environ.get("WEBHOOK_BACKOFF_SECONDS", "5")),
        WEBHOOK_POLL_SECONDS=float(os.environ.get("WEBHOOK_POLL_SECONDS", "1")),
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
    )
    app.config.update(config or {})
    log_format(app.config["LOG_FORMAT"])
    app.config["AUTH_REQUIRED"] = _flag("AUTH_REQUIRED", app.config["AUTH_REQUIRED"])
    app.config["WEBHOOK_ALLOW_PRIVATE"] = _flag("WEBHOOK_ALLOW_PRIVATE",
                                                app.config["WEBHOOK_ALLOW_PRIVATE"])
    if app.config["DATABASE_URL"] == default_url:
        # Only the default database lives there; a deployment's user may not
        # be allowed to create folders beside the code.
        os.makedirs(app.instance_path, exist_ok=True)
    app.json = OrjsonProvider(app)
    app.url_map.merge_slashes = False
    _trust_proxies(app, app.config["TRUSTED_PROXIES"])

    with open_database(app.config["DATABASE_URL"]).connection_context():
        upgrade(db.obj)
    close_idle_connections()
    _add_request_hooks(app)
    app.register_blueprint(bp)
    app.register_blueprint(metrics_bp)
    register_error_handlers(app)
    register_commands(app)
    return app


def _add_request_hooks(app: Flask) -> None:
    # Metrics first: their timer starts before the connection is checked out,
    # and their count runs last of the after_request hooks, on the final status.
    # The token is checked right after the connection opens, before anything
    # else reads the request (docs/api.md, Authentication and roles).
    init_metrics(app)
    app.before_request(_open_connection)
    init_auth(app)
    app.teardown_request(_close_connection)
    app.after_request(_drop_empty_content_type)
    init_request_ids(app)
    if app.config["LOG_FORMAT"] == "json":
        app.after_request(access.share_with_server)


def _flag(name: str, value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    if value.strip().lower() not in FLAGS:
        raise ConfigError(f"{name} must be true or false (or 1/0, yes/no), not {value!r}")
    return FLAGS[value.strip().lower()]


def _open_connection() -> None:
    # Returns None explicitly: a before_request value other than None is taken
    # as the response, and connect() returns False when already connected.
    db.connect(reuse_if_open=True)


def _drop_empty_content_type(response: Response) -> Response:
    # Flask labels empty answers (204, automatic OPTIONS) text/html. A streamed
    # body is never measured: that would read it all here, into memory.
    empty = response.is_sequence and response.calculate_content_length() == 0
    if response.status_code == 204 or empty:
        response.headers.pop("Content-Type", None)
    return response


def _trust_proxies(app: Flask, proxies: int) -> None:
    # X-Forwarded-* can be forged by any client: only the last `proxies` hops count.
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def _close_connection(exc: BaseException | None) -> None:
    if not db.is_closed():
        db.close()
