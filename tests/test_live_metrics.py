"""Metrics and JSON logs on real gunicorn with 2 workers (docs/operations.md, Metrics and Logs)."""
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict

from tests.live import ROOT, Gunicorn, create_job, free_port
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


def test_json_logs_name_each_request(tmp_path):
    server = Gunicorn(tmp_path / "json.db", workers=2, env={"LOG_FORMAT": "json"})
    try:
        job = create_job(server.base)
        requests.get(f"{server.base}/api/jobs/{job['id']}", headers={"X-Request-ID": "ok-1"},
                     timeout=10)
        os.remove(server.db_path)
        failed = requests.get(f"{server.base}/api/health", headers={"X-Request-ID": "down-1"},
                              timeout=10)
        assert failed.status_code == 503
        assert server.wait_for_log('"GET /api/health HTTP/1.1", "request_id": "down-1"')
    finally:
        server.stop()
    lines = [json.loads(line) for line in server.log_text().splitlines()]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    ok = next(line for line in access if line["request_id"] == "ok-1")
    assert ok.keys() == {"time", "level", "logger", "pid", "message", "request_id", "client",
                         "method", "route", "status", "duration_ms", "actor"}
    assert (ok["method"], ok["route"], ok["status"], ok["actor"], ok["client"]) == (
        "GET", JOB_ROUTE, 200, "anonymous", "127.0.0.1")
    assert ok["message"] == f"GET /api/jobs/{job['id']} HTTP/1.1" and ok["duration_ms"] > 0
    record = next(line for line in lines if line["logger"] == "jobs.http.envelope")
    assert (record["level"], record["message"], record["request_id"], record["route"],
            record["actor"]) == ("ERROR", "database unavailable", "down-1", "/api/health",
                                 "anonymous")
    assert "OperationalError" in record["exception"]


def test_unknown_log_format_stops_gunicorn_with_one_line(tmp_path):
    env = {**os.environ, "LOG_FORMAT": "xml", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
           "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                             "wsgi:app"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert result.stdout + result.stderr == "LOG_FORMAT must be text or json, not 'xml'\n"
