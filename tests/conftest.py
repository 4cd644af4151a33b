"""Shared fixtures: an app on a temp SQLite file, its client, and job helpers."""
import pytest

from app import create_app


@pytest.fixture
def app(tmp_path):
    """The app on a fresh SQLite database in `tmp_path`."""
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/test.db", "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


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
