"""Idempotency-Key on real processes (docs/api.md, Retries and concurrency): 16 identical
requests with one key at the same instant run once.

On SQLite and PostgreSQL with one gunicorn (2 workers), and on PostgreSQL with
two gunicorn "hosts" behind deploy/'s nginx upstream (the `target` fixture of
tests/test_live_concurrency.py).
"""
import uuid

import pytest
import requests

from tests.live import all_at_once, create_job

pytestmark = pytest.mark.live

COPIES = 16


@pytest.fixture(scope="module")
def path(target):
    job = create_job(target.base, name="KEYS")
    body = {"jobId": job["id"], "name": "P", "goalQuantity": 5,
            "steps": [{"name": f"S{i}"} for i in range(5)]}
    return requests.post(f"{target.base}/api/paths", json=body, timeout=10).json()


def sixteen_at_once(url: str, body: dict | None) -> list[requests.Response]:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    return all_at_once(COPIES, lambda _: requests.post(url, json=body, headers=headers,
                                                       timeout=60))


def assert_ran_once(responses: list[requests.Response], status: int) -> None:
    assert [r.status_code for r in responses] == [status] * COPIES, [r.text for r in responses]
    assert len({r.content for r in responses}) == 1
    assert len({r.headers.get("Location") for r in responses}) == 1
    replayed = [r.headers.get("Idempotent-Replayed") for r in responses]
    assert (replayed.count(None), replayed.count("true")) == (1, COPIES - 1)


def events(base: str, **filters) -> list[dict]:
    return requests.get(f"{base}/api/events", params=filters, timeout=10).json()


def test_sixteen_create_serials_with_one_key_make_one_batch(target, path):
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 25}
    responses = sixteen_at_once(f"{target.base}/api/serials", body)
    assert_ran_once(responses, 201)
    listed = requests.get(f"{target.base}/api/serials", params={"pathId": path["id"]},
                          timeout=10).json()
    assert [s["id"] for s in listed] == [s["id"] for s in responses[0].json()]
    batches = [e for e in events(target.base, jobId=path["jobId"])
               if e["type"] == "serials.created"]
    assert len(batches) == 1


def test_sixteen_create_jobs_with_one_key_make_one_job(target):
    name = f"ONCE-{uuid.uuid4().hex[:8]}"
    responses = sixteen_at_once(f"{target.base}/api/jobs", {"name": name, "goalQuantity": 3})
    assert_ran_once(responses, 201)
    jobs = requests.get(f"{target.base}/api/jobs", params={"q": name}, timeout=10).json()
    assert [j["id"] for j in jobs] == [responses[0].json()["id"]]
    assert len(events(target.base, jobId=jobs[0]["id"])) == 1


def test_sixteen_advances_with_one_key_move_one_step(target, path):
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 1}
    serial_id = requests.post(f"{target.base}/api/serials", json=body,
                              timeout=10).json()[0]["id"]
    responses = sixteen_at_once(f"{target.base}/api/serials/{serial_id}/advance",
                                {"expectedStepIndex": 0})
    assert_ran_once(responses, 200)
    assert responses[0].json()["currentStepIndex"] == 1
    current = requests.get(f"{target.base}/api/serials/{serial_id}", timeout=10).json()
    assert current["currentStepIndex"] == 1
    assert len(events(target.base, serialId=serial_id)) == 1
