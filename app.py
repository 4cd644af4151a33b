"""The application factory (`create_app`): config, database, blueprints, metrics, errors, CLI."""
import os
from collections.abc import Mapping

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

import jobs.views  # noqa: F401  (registers every route on bp and metrics_bp)
from jobs import settings
from jobs.cli import register_commands
from jobs.http import access, bp, pages_bp
from jobs.http.auth import init_auth
from jobs.http.deadline import init_deadlines
from jobs.http.envelope import register_error_handlers
from jobs.http.json import OrjsonProvider
from jobs.http.metrics import init_metrics, metrics_bp
from jobs.http.request_id import init_request_ids
from jobs.settings import ConfigError  # noqa: F401 (tests and callers import it from here)
from jobs.store.db import close_idle_connections, db, open_database
from jobs.store.schema import upgrade

MAX_BODY_BYTES = 1024 * 1024


class JobsFlask(Flask):
    """Flask, with the check that a hook or view is not a coroutine made once per function.

    Flask asks `inspect.iscoroutinefunction` of every hook and the view on every request
    (eleven times per request here); the answer never changes (docs/benchmarks.md).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain_functions = set()

    def ensure_sync(self, func):
        """Return `func` if it is a plain function (remembered), else Flask's wrapped coroutine."""
        if func in self._plain_functions:
            return func
        wrapped = super().ensure_sync(func)
        if wrapped is func:
            self._plain_functions.add(func)
        return wrapped


def create_app(config: Mapping | None = None, *, upgrade_schema: bool = False) -> Flask:
    """Build the WSGI app.

    The settings of `jobs.settings.APP` come from the environment, each
    checked by its parser (a ConfigError, one line, for a bad value);
    `config` overrides them and Flask's own (a text value is checked the
    same way). `DATABASE_URL` defaults to `shop.db` in the instance folder.
    With `upgrade_schema` (serving: wsgi.py) the schema is brought up to
    date (`jobs.store.schema.upgrade`;
    SchemaError on a newer database) and every connection used for that is
    closed again, so none outlives the factory (safe to fork after it, as
    gunicorn's `preload_app` does). Without it (every `flask` command; `db
    upgrade` upgrades on demand) the schema is left as it is.
    """
    app = JobsFlask(__name__, instance_relative_config=True, static_folder="jobs/static")
    default_url = "sqlite:///" + os.path.join(app.instance_path, "shop.db")
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, **(config or {}))
    app.config.update(settings.read(settings.APP, os.environ, config))
    app.config["DATABASE_URL"] = app.config["DATABASE_URL"] or default_url
    if app.config["DATABASE_URL"] == default_url:
        # Only the default database lives there; a deployment's user may not
        # be allowed to create folders beside the code.
        os.makedirs(app.instance_path, exist_ok=True)
    app.json = OrjsonProvider(app)
    app.url_map.merge_slashes = False
    _trust_proxies(app, app.config["TRUSTED_PROXIES"])

    open_database(app.config["DATABASE_URL"], app.config["SQLITE_SYNCHRONOUS"])
    if upgrade_schema:
        _upgrade()
    _add_request_hooks(app)
    app.register_blueprint(bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(pages_bp)
    register_error_handlers(app)
    register_commands(app)
    return app


def _upgrade() -> None:
    with db.connection_context():
        upgrade(db.obj)
    close_idle_connections()


def _add_request_hooks(app: Flask) -> None:
    # Metrics first: their timer starts before the connection is checked out,
    # and their count runs last of the after_request hooks, on the final status.
    # The token is checked right after the connection opens, before anything
    # else reads the request (docs/api.md, Authentication and roles).
    init_metrics(app)
    # The waits for the database are bounded from the pool's check-out on.
    init_deadlines(app)
    app.before_request(_open_connection)
    init_auth(app)
    app.teardown_request(_close_connection)
    app.after_request(_drop_empty_content_type)
    init_request_ids(app)
    if app.config["LOG_FORMAT"] == "json":
        app.after_request(access.share_with_server)


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
