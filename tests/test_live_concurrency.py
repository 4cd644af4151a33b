"""The concurrency promises (docs/api.md, Decisions: concurrency) on real processes.

Each test runs on SQLite and PostgreSQL with one gunicorn (2 workers), and on
PostgreSQL with two gunicorn "hosts" behind deploy/'s nginx upstream, so
concurrent requests land on different workers and hosts.
"""
import pytest
import requests

from tests.live import all_at_once, create_job

pytestmark = pytest.mark.live

STEP_COUNT = 20
@pytest.fixture(scope="module")
def path(target):
    job = create_job(target.base, name="LIVE")
    body = {"jobId": job["id"], "name": "Long", "goalQuantity": 5,
            "steps": [{"name": f"S{i}"} for i in range(STEP_COUNT)]}
    return requests.post(f"{target.base}/api/paths", json=body, timeout=10).json()


def test_concurrent_updates_of_different_fields_both_survive(target):
    url = f"{target.base}/api/jobs/{create_job(target.base)['id']}"
    for round_no in range(1, 31):
        bodies = [{"name": f"NAME-{round_no}"}, {"goalQuantity": round_no}]
        statuses = all_at_once(2, lambda i, b=bodies: requests.put(url, json=b[i], timeout=15)
                               .status_code)
        assert statuses == [200, 200]
        final = requests.get(url, timeout=10).json()
        assert (final["name"], final["goalQuantity"]) == (f"NAME-{round_no}", round_no)


def test_concurrent_batches_get_unique_consecutive_ids(target, path):
    def create(i):
        body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 1 + 37 * i}
        response = requests.post(f"{target.base}/api/serials", json=body, timeout=30)
        assert response.status_code == 201
        return [int(s["id"][3:]) for s in response.json()]

    batches = [batch for _ in range(3) for batch in all_at_once(8, create)]
    numbers = [n for batch in batches for n in batch]
    assert len(numbers) == len(set(numbers)) == 3 * sum(1 + 37 * i for i in range(8))
    for batch in batches:
        assert batch == list(range(batch[0], batch[0] + len(batch)))
    listed = requests.get(f"{target.base}/api/serials", params={"pathId": path["id"]},
                          timeout=30).json()
    assert sorted(numbers) == [int(s["id"][3:]) for s in listed]


def test_concurrent_advances_each_move_exactly_once(target, path):
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 1}
    serial_id = requests.post(f"{target.base}/api/serials", json=body, timeout=10).json()[0]["id"]
    url = f"{target.base}/api/serials/{serial_id}/advance"

    def advance(_):
        response = requests.post(url, timeout=30)
        return response.status_code, response.json()

    first = all_at_once(12, advance)
    assert [status for status, _ in first] == [200] * 12
    assert sorted(body["currentStepIndex"] for _, body in first) == list(range(1, 13))
    current = requests.get(f"{target.base}/api/serials/{serial_id}", timeout=10).json()
    assert (current["currentStepIndex"], current["status"]) == (12, "in_progress")

    second = all_at_once(12, advance)
    moved = [body for status, body in second if status == 200]
    refused = [(status, body["message"]) for status, body in second if status != 200]
    assert len(moved) == STEP_COUNT - 12
    assert sorted(b["currentStepIndex"] for b in moved) == [-1] + list(range(13, STEP_COUNT))
    assert refused == [(400, "Serial is already completed")] * (24 - STEP_COUNT)
    final = requests.get(f"{target.base}/api/serials/{serial_id}", timeout=10).json()
    assert (final["currentStepIndex"], final["status"]) == (-1, "completed")


def race_serials_against_delete(base: str) -> tuple:
    """POST 3 serials and DELETE their job at the same instant; return both responses."""
    job = create_job(base, name="RACE")
    path = requests.post(f"{base}/api/paths", timeout=10, json={
        "jobId": job["id"], "name": "P", "goalQuantity": 1, "steps": [{"name": "S"}]}).json()
    serials = {"jobId": job["id"], "pathId": path["id"], "quantity": 3}
    actions = [lambda: requests.post(f"{base}/api/serials", json=serials, timeout=30),
               lambda: requests.delete(f"{base}/api/jobs/{job['id']}", timeout=30)]
    created, deleted = all_at_once(2, lambda i: actions[i]())
    return job, created, deleted


def test_serials_created_while_their_job_is_deleted_never_orphan(target):
    for _ in range(20):
        job, created, deleted = race_serials_against_delete(target.base)
        outcome = (created.status_code, deleted.status_code)
        assert outcome in {(201, 409), (404, 204)}, (created.text, deleted.text)
        if outcome == (201, 409):
            assert deleted.json()["message"] == "Cannot delete job: it has 3 serial(s)"
        else:
            assert created.json()["message"] == f"Job not found: {job['id']}"
        left = requests.get(f"{target.base}/api/serials", params={"jobId": job["id"]}, timeout=10)
        assert len(left.json()) == (3 if outcome == (201, 409) else 0)
