"""Statements take their parameters by name (jobs/store/statements.py; issue 17, item 3)."""
import pytest

from jobs.store.db import db
from jobs.store.models import Token
from jobs.store.statements import execute, param, statement, text, tuples


def touch():
    stale = Token.last_used_at.is_null() | (Token.last_used_at <= param("stale_before"))
    return Token.update({Token.last_used_at: param("now")}).where(
        (Token.id == param("id")) & stale)


def test_a_missing_or_extra_name_is_a_type_error(app):
    with app.app_context(), db.connection_context():
        touched = statement(touch)
        with pytest.raises(TypeError, match=r"missing \['stale_before'\], extra \[\]"):
            execute(touched, {"now": 1, "id": 1})
        with pytest.raises(TypeError, match=r"missing \[\], extra \['other'\]"):
            execute(touched, {"now": 1, "id": 1, "stale_before": 0, "other": 2})
        with pytest.raises(TypeError, match=r"missing \['id'\], extra \['ident'\]"):
            execute(touched, {"now": 1, "ident": 1, "stale_before": 0})


def test_values_go_by_name_whatever_order_peewee_compiles(app):
    with app.app_context(), db.connection_context():
        # peewee writes SET before WHERE: `now` comes first in the SQL, last in the source.
        assert set(statement(touch).names) == {"now", "id", "stale_before"}
        pair = text("SELECT %(b)s, %(a)s, %(b)s")
        assert tuples(pair, {"a": 1, "b": 2}) == [(2, 1, 2)]
        assert tuples(pair, {"b": 2, "a": 1}) == [(2, 1, 2)]
