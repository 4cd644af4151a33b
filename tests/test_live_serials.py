"""Serial numbers and advances under real `gunicorn wsgi:app` with 2 worker processes."""
import threading

import pytest
import requests

pytestmark = pytest.mark.live

STEP_COUNT = 20


@pytest.fixture(scope="module")
def path(server):
    job = requests.post(f"{server.base}/api/jobs", json={"name": "LIVE", "goalQuantity": 5},
                        timeout=10).json()
    body = {"jobId": job["id"], "name": "Long", "goalQuantity": 5,
            "steps": [{"name": f"S{i}"} for i in range(STEP_COUNT)]}
    return requests.post(f"{server.base}/api/paths", json=body, timeout=10).json()


def all_at_once(count: int, action) -> list:
    """Run `action(i)` in `count` threads released together; return the results in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        barrier.wait(timeout=15)
        results[i] = action(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_batches_get_unique_consecutive_ids(server, path):
    def create(i):
        body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 1 + 37 * i}
        response = requests.post(f"{server.base}/api/serials", json=body, timeout=30)
        assert response.status_code == 201
        return [int(s["id"][3:]) for s in response.json()]

    batches = [batch for _ in range(3) for batch in all_at_once(8, create)]
    numbers = [n for batch in batches for n in batch]
    assert len(numbers) == len(set(numbers)) == 3 * sum(1 + 37 * i for i in range(8))
    for batch in batches:
        assert batch == list(range(batch[0], batch[0] + len(batch)))
    listed = requests.get(f"{server.base}/api/serials", params={"pathId": path["id"]},
                          timeout=30).json()
    assert sorted(numbers) == [int(s["id"][3:]) for s in listed]


def test_concurrent_advances_each_move_exactly_once(server, path):
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 1}
    serial_id = requests.post(f"{server.base}/api/serials", json=body, timeout=10).json()[0]["id"]
    url = f"{server.base}/api/serials/{serial_id}/advance"

    def advance(_):
        response = requests.post(url, timeout=30)
        return response.status_code, response.json()

    first = all_at_once(12, advance)
    assert [status for status, _ in first] == [200] * 12
    assert sorted(body["currentStepIndex"] for _, body in first) == list(range(1, 13))
    current = requests.get(f"{server.base}/api/serials/{serial_id}", timeout=10).json()
    assert (current["currentStepIndex"], current["status"]) == (12, "in_progress")

    second = all_at_once(12, advance)
    moved = [body for status, body in second if status == 200]
    refused = [(status, body["message"]) for status, body in second if status != 200]
    assert len(moved) == STEP_COUNT - 12
    assert sorted(b["currentStepIndex"] for b in moved) == [-1] + list(range(13, STEP_COUNT))
    assert refused == [(400, "Serial is already completed")] * (24 - STEP_COUNT)
    final = requests.get(f"{server.base}/api/serials/{serial_id}", timeout=10).json()
    assert (final["currentStepIndex"], final["status"]) == (-1, "completed")
