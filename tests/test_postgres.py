"""What only PostgreSQL needs: an unreachable server is 503, never 500 (docs/api.md, Decisions)."""
import time

import pytest

from app import create_app
from jobs.store.db import db, open_database
from jobs.store.models import Job
from jobs.store.statements import param, statement
from tests.conftest import empty_postgres, error_body
from tests.postgres import Cluster

UNAVAILABLE = error_body(503, "Service Unavailable", "Service Unavailable")


@pytest.fixture(scope="module")
def stopped_cluster_app(postgres):
    """An app whose own PostgreSQL cluster was stopped after it started."""
    cluster = Cluster()
    app = create_app({"DATABASE_URL": cluster.create_database("gone"), "TESTING": True},
                     upgrade_schema=True)
    client = app.test_client()
    assert client.post("/api/jobs", json={"name": "J", "goalQuantity": 1}).status_code == 201
    cluster.stop()
    yield client
    db.close_all()


@pytest.mark.parametrize("method,path", [
    ("get", "/api/health"), ("get", "/api/jobs"), ("post", "/api/jobs"),
    ("put", "/api/jobs/job_x"), ("get", "/api/serials/SN-00001"), ("get", "/metrics"),
])
def test_unreachable_database_is_503(stopped_cluster_app, method, path):
    response = getattr(stopped_cluster_app, method)(path, json={"name": "J", "goalQuantity": 1})
    assert (response.status_code, response.json) == (503, UNAVAILABLE)


@pytest.fixture
def pg_client(postgres_url, make_app):
    """A client of the app on the session's PostgreSQL database, emptied first."""
    empty_postgres(postgres_url)
    return make_app(postgres_url).test_client()


def test_connections_dropped_by_the_server_are_replaced(pg_client, postgres):
    job = pg_client.post("/api/jobs", json={"name": "J", "goalQuantity": 1}).json
    assert pg_client.get(f"/api/jobs/{job['id']}").status_code == 200
    others = "FROM pg_stat_activity WHERE datname = 'contract' AND pid <> pg_backend_pid()"
    postgres.sql(f"SELECT pg_terminate_backend(pid) {others}")
    deadline = time.monotonic() + 10
    while postgres.sql(f"SELECT count(*) {others}").strip() != "0":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    answers = [pg_client.get(f"/api/jobs/{job['id']}") for _ in range(3)]
    assert [(a.status_code, a.json["name"]) for a in answers] == [(200, "J")] * 3


def test_connections_wait_for_a_lock_at_most_3_s(pg_client):
    with db.connection_context():
        assert db.execute_sql("SHOW lock_timeout").fetchone() == ("3s",)


def jobs_named():
    return Job.select().where(Job.name == param("name"))


def test_cached_statements_keep_each_database_s_dialect(tmp_path, postgres_url):
    sql = {}
    for url in (postgres_url, f"sqlite:///{tmp_path}/s.db", postgres_url):
        open_database(url)
        sql.setdefault(url, set()).add(statement(jobs_named).sql)
    db.close_all()
    assert [len(found) for found in sql.values()] == [1, 1]
    assert "$1" in next(iter(sql[postgres_url])) and "?" in sql[f"sqlite:///{tmp_path}/s.db"].pop()
