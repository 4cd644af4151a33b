"""Metrics on real gunicorn with 2 workers (docs/operations.md, Metrics)."""
import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict

from tests.live import Gunicorn, create_job
from tests.prometheus import added, value

pytestmark = pytest.mark.live

REQUESTS = "jobs_http_requests_total"
JOB_ROUTE = "/api/jobs/<job_id>"


def scrape(base: str) -> str:
    response = requests.get(f"{base}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return response.text


def own_counts(server: Gunicorn, **labels) -> dict[int, float]:
    """Each worker's own `jobs_http_requests_total` for `labels`, read from its file."""
    counts = {}
    for pid in server.worker_pids():
        path = server.metrics_dir / f"counter_{pid}.db"
        entries = MmapedDict.read_all_values_from_file(str(path)) if path.exists() else []
        counts[pid] = sum(number for key, number, _, _ in entries
                          if json.loads(key)[1] == REQUESTS
                          and labels.items() <= json.loads(key)[2].items())
    return counts


def test_every_worker_answers_for_both(server):
    labels = {"route": JOB_ROUTE, "method": "GET", "status": "404"}
    before, own_before = scrape(server.base), own_counts(server, **labels)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: requests.get(f"{server.base}/api/jobs/missing-{n}", timeout=10),
                      range(50)))
    own_after = own_counts(server, **labels)
    assert all(own_after[pid] > own_before[pid] for pid in own_after), (own_before, own_after)
    for _ in range(6):  # answered by either worker
        assert added(before, scrape(server.base), REQUESTS, **labels) == 50


def wait_for(condition, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return result


def test_killed_worker_leaves_no_stale_series(tmp_path):
    server = Gunicorn(tmp_path / "kill.db", workers=2)
    try:
        job = create_job(server.base)
        for _ in range(20):
            requests.get(f"{server.base}/api/jobs/{job['id']}", timeout=10)
        before = scrape(server.base)
        assert value(before, "jobs_workers") == 2
        victim = min(server.worker_pids())
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: len(server.worker_pids() - {victim}) == 2)
        after = wait_for(lambda: (text := scrape(server.base))
                         and value(text, "jobs_workers") == 2 and text)
        assert added(before, after, REQUESTS, route=JOB_ROUTE, method="GET") == 0
        assert value(after, "jobs_serials") == value(before, "jobs_serials")
        assert not list(server.metrics_dir.glob(f"*_{victim}.db"))
    finally:
        server.stop()

