"""The hash chain under two real gunicorns ("hosts", 2 workers each) writing at once.

Every event insert, on every host, runs under the event-order lock, so each
event's predecessor is fixed: after concurrent writes on both hosts the ids
are 1..n without a gap and `flask history verify` recomputes every hash
(docs/api.md, Records an auditor can trust).
"""
import os
import subprocess
import sys

import pytest
import requests

from tests.live import ROOT, Gunicorn, all_at_once, create_job, flask_command, serve_each

pytestmark = pytest.mark.live

WRITERS = 8
ROUNDS = 6


@pytest.fixture(scope="module")
def hosts(live_database_url, tmp_path_factory):
    """Two gunicorns on one database; their logs hold no traceback."""
    tmp = tmp_path_factory.mktemp("chain")
    yield from serve_each(("a", "b"), lambda name: Gunicorn(tmp / f"{name}.db",
                                                           database_url=live_database_url))


def test_concurrent_writes_on_two_hosts_make_one_chain(hosts, live_database_url):
    job = create_job(hosts[0].base)
    path = requests.post(f"{hosts[1].base}/api/paths", timeout=10, json={
        "jobId": job["id"], "name": "Route", "goalQuantity": 5,
        "steps": [{"name": "Cut"}, {"name": "Pack"}]}).json()

    def write(i: int) -> list[int]:
        base = hosts[i % 2].base
        statuses = []
        for round_ in range(ROUNDS):
            made = requests.post(f"{base}/api/serials", timeout=30, json={
                "jobId": job["id"], "pathId": path["id"], "quantity": 1})
            moved = requests.post(f"{base}/api/serials/{made.json()[0]['id']}/advance", timeout=30)
            goal = requests.put(f"{base}/api/jobs/{job['id']}", timeout=30,
                                json={"goalQuantity": 10 + i * ROUNDS + round_})
            statuses += [made.status_code, moved.status_code, goal.status_code]
        return statuses

    assert sum(all_at_once(WRITERS, write), []) == [201, 200, 200] * WRITERS * ROUNDS
    events = requests.get(f"{hosts[0].base}/api/events", timeout=30).json()
    assert [e["id"] for e in events] == list(range(1, 3 + WRITERS * ROUNDS * 3))
    assert flask_command(live_database_url, "history", "verify") == (
        f"History verified: {len(events)} events, head {events[-1]['id']} {events[-1]['hash']}")


def test_verify_draws_a_progress_bar_on_a_terminal(hosts, live_database_url):
    """Under `script` (a pseudo-terminal) the bar shows; piped (above) there is only the line."""
    create_job(hosts[0].base)  # an event to verify, whichever test ran before
    command = f"{sys.executable} -m flask --app app history verify"
    result = subprocess.run(["script", "-qec", command, "/dev/null"], cwd=ROOT,
                            env={**os.environ, "DATABASE_URL": live_database_url},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "Verifying" in result.stdout and "100%" in result.stdout
    assert "History verified: " in result.stdout
