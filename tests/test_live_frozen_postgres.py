"""A PostgreSQL that stops answering costs a request a JSON 503 within 5 s (issue 18, item 4).

The cluster's processes (postmaster and backends) are stopped with SIGSTOP
while gunicorn holds pooled connections to it; reads and writes must be
answered 503 in the envelope within 5 s, no worker killed by gunicorn's
timeout, a whole list being streamed must be cut within 5 s instead of
holding its worker, and service must come back once the server is resumed
(SIGCONT, also sent when the test fails).
"""
import os
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.live import Gunicorn, create_job
from tests.postgres import Cluster

pytestmark = pytest.mark.live
UNAVAILABLE = {"statusCode": 503, "statusMessage": "Service Unavailable",
               "message": "Service Unavailable"}


@pytest.fixture
def cluster():
    cluster = Cluster()
    yield cluster
    signal_cluster(cluster, signal.SIGCONT)
    cluster.stop()


def cluster_pids(cluster: Cluster) -> set[int]:
    """The postmaster's PID (its pid file) and those of its children, from /proc."""
    postmaster = int((cluster.directory / "data" / "postmaster.pid").read_text().split()[0])
    pids = {postmaster}
    for entry in os.scandir("/proc"):
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == str(postmaster):
            pids.add(int(entry.name))
    return pids


def signal_cluster(cluster: Cluster, signum: int) -> None:
    for pid in cluster_pids(cluster):
        os.kill(pid, signum)


def timed(method: str, url: str, **kwargs) -> tuple[float, requests.Response]:
    started = time.monotonic()
    response = requests.request(method, url, timeout=30, **kwargs)
    return time.monotonic() - started, response


def test_a_frozen_postgres_is_a_503_within_5_s(cluster, tmp_path):
    server = Gunicorn(tmp_path / "host.db", workers=2, database_url=cluster.create_database("f"))
    try:
        job = create_job(server.base)
        url = f"{server.base}/api/jobs/{job['id']}"
        for _ in range(4):  # every worker's pool holds a connection
            assert requests.get(url, timeout=10).status_code == 200
        signal_cluster(cluster, signal.SIGSTOP)
        try:
            answers = [timed("GET", url), timed("PUT", url, json={"name": "FROZEN"}),
                       timed("GET", url), timed("POST", f"{server.base}/api/jobs",
                                                json={"name": "N", "goalQuantity": 1})]
        finally:
            signal_cluster(cluster, signal.SIGCONT)
        for seconds, response in answers:
            assert (response.status_code, response.json()) == (503, UNAVAILABLE)
            assert seconds < 5.5
        assert requests.get(url, timeout=10).json()["name"] == job["name"]
        assert requests.put(url, json={"name": "THAWED"}, timeout=10).status_code == 200
        assert "WORKER TIMEOUT" not in server.log_text()
    finally:
        server.stop()


def test_a_whole_list_streamed_from_a_frozen_postgres_ends_within_5_s(cluster, tmp_path):
    server = Gunicorn(tmp_path / "host.db", workers=2, database_url=cluster.create_database("s"))
    try:
        job = create_job(server.base)
        path = requests.post(f"{server.base}/api/paths", timeout=10, json={
            "jobId": job["id"], "name": "P", "goalQuantity": 5, "steps": [{"name": "a"}]}).json()
        batch = {"jobId": job["id"], "pathId": path["id"], "quantity": 10000}
        # More than the sockets between gunicorn and the client hold: the
        # worker is still reading batches when the server freezes.
        for _ in range(8):
            assert requests.post(f"{server.base}/api/serials", json=batch,
                                 timeout=30).status_code == 201
        with requests.get(f"{server.base}/api/serials", stream=True, timeout=30) as stream:
            chunks = stream.iter_content(65536)
            first = next(chunks)
            assert first.startswith(b"[")
            signal_cluster(cluster, signal.SIGSTOP)
            started = time.monotonic()
            try:
                # The worker's next batch waits at most 4.5 s, then the stream is cut.
                with pytest.raises(requests.exceptions.ChunkedEncodingError):
                    for _ in chunks:
                        pass
            finally:
                signal_cluster(cluster, signal.SIGCONT)
            assert time.monotonic() - started < 5.5
        assert requests.get(f"{server.base}/api/serials?limit=1", timeout=10).status_code == 200
    finally:
        server.stop()
