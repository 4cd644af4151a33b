"""Issue 18's smaller items, in-process: SQLite durability settings and request edge cases."""
import pytest

from app import ConfigError, create_app
from jobs.store.db import db

# PRAGMA synchronous answers a number: 1 NORMAL, 2 FULL.
SYNCHRONOUS_LEVELS = {"full": 2, "normal": 1}


def synchronous_level() -> int:
    with db.connection_context():
        return db.execute_sql("PRAGMA synchronous").fetchone()[0]


@pytest.mark.sqlite_only
def test_sqlite_commits_are_synced_by_default(app):
    assert synchronous_level() == SYNCHRONOUS_LEVELS["full"]


@pytest.mark.parametrize("value,level", [("normal", 1), (" NORMAL ", 1), ("Full", 2)])
def test_sqlite_synchronous_is_a_setting(tmp_path, monkeypatch, value, level):
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", value)
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/shop.db"})
    assert synchronous_level() == level
    db.close_all()


@pytest.mark.parametrize("value", ["off", "", "2", "extra"])
def test_another_sqlite_synchronous_stops_the_start(tmp_path, monkeypatch, value):
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", value)
    with pytest.raises(ConfigError) as stopped:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/shop.db"})
    assert str(stopped.value) == (
        f"SQLITE_SYNCHRONOUS must be full or normal, not {value.strip().lower()!r}")
