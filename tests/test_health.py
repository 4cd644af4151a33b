"""GET /api/health (docs/api.md: Operations)."""
import logging
import os

import pytest

from jobs.store.db import db
from jobs.store.schema import code_version


def test_health_ok(client):
    response = client.get("/api/health")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


@pytest.mark.sqlite_only
def test_health_503_while_database_unreachable(app, client, tmp_path, caplog):
    database = tmp_path / "test.db"
    os.replace(database, tmp_path / "moved.db")
    database.mkdir()
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json == {
        "statusCode": 503, "statusMessage": "Service Unavailable", "message": "Service Unavailable",
    }
    assert "unable to open database file" in caplog.text
    database.rmdir()
    os.replace(tmp_path / "moved.db", database)
    assert client.get("/api/health").status_code == 200


def test_tables_are_created_on_start_and_db_upgrade_is_idempotent(app):
    assert "job" in db.get_tables()
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["db", "upgrade"])
        assert (result.exit_code, result.output) == (
            0, f"Applied 0 step(s); schema version {code_version()}.\n")
    assert "job" in db.get_tables()


def test_default_database_is_in_instance_folder(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["DATABASE_URL"] == "sqlite:///" + os.path.join(app.instance_path, "shop.db")
