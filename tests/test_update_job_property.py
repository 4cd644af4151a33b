"""Property of Update Job (the seed): any JSON object body either applies exactly the
valid changes (200) or changes nothing (400, or 404 for a missing job)."""
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from app import create_app
from jobs.openapi import api_document
from schemas.fields import INT_MAX, NAME_MAX
from tests.helpers import migrate

EXAMPLES = 400
SCALARS = (st.none() | st.booleans() | st.integers() | st.text()
           | st.floats(allow_nan=False, allow_infinity=False))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
NAMES = (st.text(max_size=300) | st.text(" \t\n\u00a0\u3000x", max_size=5)
         | st.text("ab ", min_size=250, max_size=260) | JSON_VALUES)
GOALS = (st.integers(-3, 3) | st.integers(INT_MAX - 2, INT_MAX + 2) | st.integers()
         | st.integers(-5, 5).map(lambda n: n / 2) | st.integers(1, INT_MAX).map(float)
         | JSON_VALUES)
IGNORED = st.sampled_from(["id", "createdAt", "updatedAt", "jiraTicketKey", "jiraLabels",
                           "paths", "progress"])
BODIES = st.builds(
    lambda extra, known: {**extra, **known},
    st.dictionaries(IGNORED | st.text(max_size=12), JSON_VALUES, max_size=4),
    st.fixed_dictionaries({}, optional={"name": NAMES, "goalQuantity": GOALS}),
)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = tmp_path_factory.mktemp("property") / "property.db"
    return create_app({"DATABASE_URL": migrate(f"sqlite:///{db}"), "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def update_messages(client):
    put = api_document(client.application)["paths"]["/api/jobs/{job_id}"]["put"]
    return set(put["responses"]["400"]["content"]["application/json"]["examples"])


def expected_changes(body: dict) -> dict | None:
    """The wire fields the contract says this body changes, or None if it must be a 400."""
    changes = {}
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not 0 < len(name.strip()) <= NAME_MAX or "\x00" in name:
            return None
        changes["name"] = name.strip()
    if "goalQuantity" in body:
        goal = body["goalQuantity"]
        if isinstance(goal, bool) or not isinstance(goal, (int, float)):
            return None
        if not 0 < goal <= INT_MAX or goal != int(goal):
            return None
        changes["goalQuantity"] = int(goal)
    return changes


@pytest.mark.slow
@given(body=BODIES, method=st.sampled_from(["put", "patch"]), missing=st.booleans())
@settings(max_examples=EXAMPLES, deadline=None)
def test_update_applies_exactly_the_valid_changes_or_nothing(
        client, update_messages, body, method, missing):
    job = client.post("/api/jobs", json={"name": "JOB-P", "goalQuantity": 50,
                                         "jiraTicketKey": "PI-1", "jiraLabels": ["a"]}).json
    job_id = job["id"] + "-missing" if missing else job["id"]
    before = client.get("/api/jobs").json
    response = getattr(client, method)(f"/api/jobs/{job_id}", json=body)
    after = client.get("/api/jobs").json
    changes = expected_changes(body)
    event(f"{method} {response.status_code}")
    if missing:
        assert (response.status_code, response.json["message"]) == (404, f"Job not found: {job_id}")
        assert after == before
    elif changes is None:
        assert response.status_code == 400
        assert response.json["message"] in update_messages
        assert after == before
    else:
        assert response.status_code == 200, response.json
        updated_at = response.json["updatedAt"] if changes else job["updatedAt"]
        assert response.json == {**job, **changes, "updatedAt": updated_at}
        assert updated_at >= job["updatedAt"]
        assert after == [response.json if j["id"] == job["id"] else j for j in before]
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 204
