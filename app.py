"""The application factory (`create_app`): config, database, blueprint, errors, CLI."""
import os
from collections.abc import Mapping

from flask import Flask, Response

from jobs import bp
from jobs.cli import register_commands
from jobs.db import db, open_database
from jobs.errors import register_error_handlers
from jobs.models import create_tables

MAX_BODY_BYTES = 1024 * 1024


def create_app(config: Mapping | None = None) -> Flask:
    """Build the WSGI app.

    `config` overrides the defaults and the environment (`DATABASE_URL`,
    peewee `db_url` form; default `shop.db` in the instance folder). Tables
    are created on start and the connection used for that is closed again,
    so no connection outlives the factory (safe to fork after it).
    """
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    default_url = "sqlite:///" + os.path.join(app.instance_path, "shop.db")
    app.config.update(
        DATABASE_URL=os.environ.get("DATABASE_URL", default_url),
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
    )
    app.config.update(config or {})
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.url_map.merge_slashes = False

    open_database(app.config["DATABASE_URL"])
    create_tables()
    app.before_request(_open_connection)
    app.teardown_request(_close_connection)
    app.after_request(_drop_empty_content_type)

    app.register_blueprint(bp)
    register_error_handlers(app)
    register_commands(app)
    return app


def _open_connection() -> None:
    # Returns None explicitly: a before_request value other than None is taken
    # as the response, and connect() returns False when already connected.
    db.connect(reuse_if_open=True)


def _drop_empty_content_type(response: Response) -> Response:
    # Flask labels empty answers (204, automatic OPTIONS) text/html.
    if response.status_code == 204 or response.calculate_content_length() == 0:
        response.headers.pop("Content-Type", None)
    return response


def _close_connection(exc: BaseException | None) -> None:
    if not db.is_closed():
        db.close()
