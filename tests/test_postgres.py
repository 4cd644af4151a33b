"""What only PostgreSQL needs: an unreachable server is 503, never 500 (docs/api.md, Decisions)."""
import pytest

from app import create_app
from jobs.store.db import db
from tests.conftest import error_body
from tests.postgres import Cluster

UNAVAILABLE = error_body(503, "Service Unavailable", "Service Unavailable")


@pytest.fixture(scope="module")
def stopped_cluster_app(postgres):
    """An app whose own PostgreSQL cluster was stopped after it started."""
    cluster = Cluster()
    app = create_app({"DATABASE_URL": cluster.create_database("gone"), "TESTING": True})
    client = app.test_client()
    assert client.post("/api/jobs", json={"name": "J", "goalQuantity": 1}).status_code == 201
    cluster.stop()
    yield client
    db.close_all()


@pytest.mark.parametrize("method,path", [
    ("get", "/api/health"), ("get", "/api/jobs"), ("post", "/api/jobs"),
    ("put", "/api/jobs/job_x"), ("get", "/api/serials/SN-00001"),
])
def test_unreachable_database_is_503(stopped_cluster_app, method, path):
    response = getattr(stopped_cluster_app, method)(path, json={"name": "J", "goalQuantity": 1})
    assert (response.status_code, response.json) == (503, UNAVAILABLE)
