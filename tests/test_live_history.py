"""Tokens and the event feed under two real gunicorns ("hosts", 2 workers each) on one database.

Authentication is on, tokens are made with the documented `flask token`
commands. The feed test runs concurrent writers on both hosts and a poller
of `GET /api/events?after=<last id seen>` on both, and checks that the
poller saw every event exactly once and in id order (docs/api.md, History).
"""
import threading

import pytest
import requests

from tests.live import Gunicorn, flask_command, serve_each

pytestmark = pytest.mark.live

WRITERS = 6
ROUNDS = 12


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory):
    """The one SQLite file both hosts use."""
    return tmp_path_factory.mktemp("hosts") / "shared.db"


@pytest.fixture(scope="module")
def database_url(hosts):
    return hosts[0].database_url


@pytest.fixture(scope="module")
def hosts(shared_db):
    """Two gunicorns with AUTH_REQUIRED=true on the same database; their logs hold no traceback."""
    yield from serve_each(("host-a", "host-b"), lambda name: Gunicorn(
        shared_db, workers=2, env={"AUTH_REQUIRED": "true"},
        log_path=shared_db.with_name(f"{name}.log")))


@pytest.fixture(scope="module")
def tokens(database_url, hosts):
    """name -> token, made with `flask token create`."""
    roles = {"planner-anna": "planner", "station-1": "operator", "station-2": "operator",
             "dashboard": "viewer"}
    return {name: flask_command(database_url, "token", "create", name, "--role", role)
            for name, role in roles.items()}


def call(host: Gunicorn, method: str, path: str, token: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{host.base}{path}", timeout=30,
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)


def writer(hosts, tokens, job_id: str, path_id: str, index: int, written: list) -> None:
    """Create, advance and re-goal on one host; count the writes that succeeded."""
    host = hosts[index % 2]
    station, planner = tokens[f"station-{index % 2 + 1}"], tokens["planner-anna"]
    for round_ in range(ROUNDS):
        created = call(host, "POST", "/api/serials", station,
                       json={"jobId": job_id, "pathId": path_id, "quantity": 1 + round_ % 3})
        advanced = call(host, "POST", f"/api/serials/{created.json()[0]['id']}/advance", station)
        updated = call(host, "PUT", f"/api/jobs/{job_id}", planner,
                       json={"goalQuantity": 100 + index * ROUNDS + round_})
        written.extend(r.status_code for r in (created, advanced, updated))


def poll(hosts, token: str, done: threading.Event, seen: list, pages: list) -> None:
    """Poll `after=<last id seen>` on both hosts in turn until the writers are done."""
    polls = 0
    while True:
        finished = done.is_set()
        after = seen[-1]["id"] if seen else 0
        page = call(hosts[polls % 2], "GET", f"/api/events?after={after}", token).json()
        assert [e["id"] for e in page] == sorted(e["id"] for e in page)
        assert all(e["id"] > after for e in page)
        seen.extend(page)
        pages.append(len(page))
        polls += 1
        if finished and not page:
            return


def test_the_feed_never_skips_while_two_hosts_write(hosts, tokens):
    planner = tokens["planner-anna"]
    job = call(hosts[0], "POST", "/api/jobs", planner, json={"name": "LIVE", "goalQuantity": 5})
    path = call(hosts[1], "POST", "/api/paths", planner, json={
        "jobId": job.json()["id"], "name": "Route", "goalQuantity": 5,
        "steps": [{"name": "Cut"}, {"name": "Inspect"}, {"name": "Pack"}]})
    written, seen, pages, done = [], [], [], threading.Event()
    poller = threading.Thread(target=poll, args=(hosts, tokens["dashboard"], done, seen, pages))
    poller.start()
    writers = [threading.Thread(target=writer, args=(hosts, tokens, job.json()["id"],
                                                     path.json()["id"], i, written))
               for i in range(WRITERS)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    done.set()
    poller.join(timeout=60)
    assert sorted(written) == sorted([201, 200, 200] * WRITERS * ROUNDS)
    every = call(hosts[0], "GET", "/api/events", tokens["dashboard"]).json()
    assert len(every) == 2 + WRITERS * ROUNDS * 3
    assert seen == every
    assert len([n for n in pages if n]) > 5  # it read the feed while the writers wrote
    assert {e["actor"] for e in every} == {"planner-anna", "station-1", "station-2"}


def test_a_revoked_token_is_refused_at_once_on_every_host(database_url, hosts, tokens):
    temporary = flask_command(database_url, "token", "create", "temporary", "--role", "viewer")
    assert [call(h, "GET", "/api/jobs", temporary).status_code for h in hosts] == [200, 200]
    assert flask_command(database_url, "token", "revoke", "temporary") == (
        "Revoked token temporary.")
    for host in hosts:
        response = call(host, "GET", "/api/jobs", temporary)
        assert (response.status_code, response.json()["message"]) == (401, "Invalid token")
        assert response.headers["WWW-Authenticate"] == (
            'Bearer realm="shop-jobs", error="invalid_token"')


def test_a_10_kb_authorization_header_is_the_apps_401(hosts, tokens):
    response = call(hosts[0], "GET", "/api/jobs", "a" * 10240)
    assert (response.status_code, response.json()["message"]) == (401, "Invalid token")


def test_no_token_on_gunicorn_is_401_before_the_404(hosts, tokens):
    response = requests.get(f"{hosts[1].base}/api/jobs/job_missing", timeout=10)
    assert (response.status_code, response.json()["message"]) == (401, "Authentication required")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="shop-jobs"'
