"""Cached statements bind their parameters by name, whatever order peewee compiled them in."""
import pytest

from jobs import clock
from jobs.services import tokens
from jobs.store.db import db
from jobs.store.models import Token
from jobs.store.statements import compile_once, placeholder
from tests.helpers import make_token


def _source_order_differs():
    # The WHERE is written first, but peewee compiles the SET before it.
    where = Token.name == placeholder("name")
    return Token.update({Token.role: placeholder("role")}).where(where)


def test_values_are_bound_in_the_sql_s_order(app):
    statement = compile_once(_source_order_differs)
    assert statement.names == ("role", "name")
    sql, params = statement.bind(name="anna", role="viewer")
    assert params == ("viewer", "anna") and sql.count(db.param) == 2


@pytest.mark.parametrize("values", [{"name": "anna"}, {"name": "a", "role": "b", "other": 1}])
def test_a_missing_or_unknown_value_is_refused(app, values):
    with pytest.raises(ValueError, match=r"statement parameters \['name', 'role'\]"):
        compile_once(_source_order_differs).bind(**values)


def test_a_stale_last_used_is_touched_and_a_fresh_one_is_not(app, monkeypatch):
    secret = make_token("anna", "viewer")
    now = [1_705_769_100_000]
    monkeypatch.setattr("jobs.clock.now_ms", lambda: now[0])
    with db.connection_context():
        assert tokens.authenticate(secret)["last_used_at"] is None
        assert Token.get().last_used_at == now[0]
        first = now[0]
        now[0] += tokens.TOUCH_EVERY_MS - 1
        tokens.authenticate(secret)
        assert Token.get().last_used_at == first
        now[0] += 1
        tokens.authenticate(secret)
        assert Token.get().last_used_at == clock.now_ms()
