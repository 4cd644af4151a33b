"""What the board's browser tests share (Chromium: test_board_browser.py, Firefox:
test_board_firefox.py): the module's gunicorn, the screenshots folder, jobs made through the API.

Each module takes the fixtures by name (`server = board_helpers.server`).
"""
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.live import Gunicorn, flask_command, serve

# The computed colour (the board's --held) of a held part, in either browser.
HOLD_COLOUR = "rgb(255, 176, 0)"


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory, pytestconfig) -> Path:
    """`--artifacts`/board, or a new folder in pytest's temporary folder; printed."""
    chosen = pytestconfig.getoption("artifacts")
    folder = Path(chosen) / "board" if chosen else tmp_path_factory.mktemp("board-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nboard screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One gunicorn (SQLite) for the module's tests."""
    yield from serve(tmp_path_factory.mktemp("board"))


def post(base: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    """POST `body` to `base``path` (as `token` if given); assert a 200 or 201; its JSON."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.post(f"{base}{path}", json=body, headers=headers, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def job_with_parts(base: str, name: str, key: str, steps: list[str], quantity: int,
                   token: str | None = None) -> tuple[dict, list[dict]]:
    """A job with one path of `steps` and `quantity` serials at its first step."""
    job = post(base, "/api/jobs", {"name": name, "goalQuantity": 20, "jiraTicketKey": key}, token)
    path = post(base, "/api/paths", {"jobId": job["id"], "name": "Main", "goalQuantity": 20,
                                     "steps": [{"name": s} for s in steps]}, token)
    serials = post(base, "/api/serials", {"jobId": job["id"], "pathId": path["id"],
                                          "quantity": quantity}, token)
    return job, serials


@contextmanager
def restarted(stopped: Gunicorn, monkeypatch) -> Iterator[Gunicorn]:
    """A new gunicorn on the port and database of `stopped` (the same service back); stopped
    after."""
    monkeypatch.setattr("tests.live.free_port", lambda: stopped.port)
    again = Gunicorn(stopped.db_path)
    try:
        yield again
    finally:
        again.stop()


def advance_first_serial(base: str) -> None:
    """Advance the first serial `base` lists (the restart tests' one job)."""
    serials = requests.get(f"{base}/api/serials", timeout=10).json()
    post(base, f"/api/serials/{serials[0]['id']}/advance")


def auth_on(directory: Path) -> tuple[Gunicorn, str]:
    """A gunicorn with AUTH_REQUIRED=true, job "WO-6001 Lid" (key PI-601, one serial) made by a
    planner, and a viewer token for the board; the server is stopped if this fails."""
    server = Gunicorn(directory / "auth.db", env={"AUTH_REQUIRED": "true"})
    try:
        planner = flask_command(server.database_url, "token", "create", "planner", "--role",
                                "planner")
        viewer = flask_command(server.database_url, "token", "create", "tv-1", "--role", "viewer")
        job_with_parts(server.base, "WO-6001 Lid", "PI-601", ["Press"], 1, planner)
    except BaseException:
        server.stop()
        raise
    return server, viewer


def busy_and_idle(base: str) -> None:
    """Job "WO-1001 Housing" (PI-101) with 4 serials at "Saw" of Saw, Mill; job "WO-1002 Idle"
    with none."""
    job_with_parts(base, "WO-1001 Housing", "PI-101", ["Saw", "Mill"], 4)
    post(base, "/api/jobs", {"name": "WO-1002 Idle", "goalQuantity": 5})


def held_at_second_step(base: str) -> None:
    """Job "WO-4001 Flange" (PI-401): 3 serials on Cut, Inspect, one advanced and held there."""
    _, serials = job_with_parts(base, "WO-4001 Flange", "PI-401", ["Cut", "Inspect"], 3)
    post(base, f"/api/serials/{serials[0]['id']}/advance")
    post(base, f"/api/serials/{serials[0]['id']}/hold", {"reason": "suspect"})
