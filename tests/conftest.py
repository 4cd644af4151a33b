"""Shared fixtures: an app on a temp SQLite file, its client, job helpers, and tokens."""
import pytest

from app import create_app
from jobs.services import tokens
from jobs.store.db import db
from jobs.vocabulary import ROLES
from tests.live import serve


@pytest.fixture
def app(tmp_path):
    """The app on a fresh SQLite database in `tmp_path`."""
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/test.db", "TESTING": True})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Real `gunicorn wsgi:app` with 2 workers on a temp database, one per test module.

    Stopped by PID afterwards; a traceback in its log fails the module.
    """
    yield from serve(tmp_path_factory.mktemp("live"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth_app(tmp_path):
    """The app with AUTH_REQUIRED on, on a fresh SQLite database in `tmp_path`."""
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/test.db", "TESTING": True,
                       "AUTH_REQUIRED": True})


@pytest.fixture
def auth_client(auth_app):
    return auth_app.test_client()


def make_token(name: str, role: str) -> str:
    """Create a token in the bound database, as `flask token create` does; return it."""
    with db.connection_context():
        return tokens.create_token(name, role)


@pytest.fixture
def role_tokens(auth_app):
    """One token per role, named after its role (`viewer`, `operator`, `planner`)."""
    return {role: make_token(role, role) for role in ROLES}


def bearer(token: str) -> dict:
    """The `Authorization` header that carries `token`."""
    return {"Authorization": f"Bearer {token}"}


JIRA = {
    "jiraTicketKey": "PI-42",
    "jiraTicketSummary": "Build 50 aluminum housings",
    "jiraPartNumber": "ALU-HOUSING-7075",
    "jiraPriority": "High",
    "jiraEpicLink": "PI-10",
    "jiraLabels": ["Q1-2024", "rush"],
}


@pytest.fixture
def make_job(client):
    """Create a job through the API and return its JSON; fields override the defaults."""

    def make(**fields):
        body = {"name": "JOB-2024-001", "goalQuantity": 50, **JIRA, **fields}
        response = client.post("/api/jobs", json=body)
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def job(make_job):
    return make_job()


STEPS = [
    {"name": "Cut", "location": "Saw 1"},
    {"name": "Mill", "optional": False, "dependencyType": "physical"},
    {"name": "Inspect", "optional": True, "dependencyType": "completion_gate"},
]


@pytest.fixture
def make_path(client):
    """Create a path through the API for `job_id` and return its JSON."""

    def make(job_id, **fields):
        body = {"jobId": job_id, "name": "Main Route", "goalQuantity": 10, "steps": STEPS,
                **fields}
        response = client.post("/api/paths", json=body)
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def path(job, make_path):
    return make_path(job["id"])


@pytest.fixture
def make_serials(client):
    """Create `quantity` serials on `path` through the API and return the JSON array."""

    def make(path, quantity=1):
        body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": quantity}
        response = client.post("/api/serials", json=body)
        assert response.status_code == 201, response.json
        return response.json

    return make


def stored(client, collection: str, ident: str) -> dict:
    """GET `/api/{collection}/{ident}` (200 asserted); a job without its `paths` and `progress`."""
    response = client.get(f"/api/{collection}/{ident}")
    assert response.status_code == 200, response.json
    return {k: v for k, v in response.json.items() if k not in ("paths", "progress")}


def error_body(status: int, reason: str, message: str, errors: dict | None = None) -> dict:
    """The error envelope docs/api.md promises, for exact comparison."""
    body = {"statusCode": status, "statusMessage": reason, "message": message}
    if errors is not None:
        body["data"] = {"errors": errors}
    return body
