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

FLOOR = [  # name, Jira key, goal, steps, serials, completed, scrapped
    ("WO-24-0117 Manifold block", "PI-1482", 40, ["Saw", "Mill", "Deburr", "Inspect"], 28, 12, 1),
    ("WO-24-0121 Pump housing", "PI-1490", 24, ["Cast", "Turn", "Inspect"], 24, 3, 2),
    ("WO-24-0124 Bracket 7075", "PI-1503", 120, ["Laser", "Bend", "Anodise"], 60, 41, 0),
    ("WO-24-0130 Shaft Ø25", "PI-1511", 16, ["Turn", "Grind", "Inspect"], 8, 0, 0),
]
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


def make_floor(base: str) -> None:
    """The jobs of FLOOR through the API: each serial completed runs every step, then the
    scrapped ones are scrapped at the first step (the screenshot in docs/)."""
    for name, key, goal, steps, count, completed, scrapped in FLOOR:
        job = post(base, "/api/jobs", {"name": name, "goalQuantity": goal, "jiraTicketKey": key})
        path = post(base, "/api/paths", {"jobId": job["id"], "name": "Main route",
                                         "goalQuantity": goal,
                                         "steps": [{"name": s} for s in steps]})
        serials = post(base, "/api/serials", {"jobId": job["id"], "pathId": path["id"],
                                              "quantity": count})
        for serial in serials[:completed]:
            for _ in steps:
                post(base, f"/api/serials/{serial['id']}/advance")
        for serial in serials[completed:completed + scrapped]:
            post(base, f"/api/serials/{serial['id']}/scrap", {"reason": "damaged"})


# Each card's name, where it lies on the screen and whether its name is cut short; the page's
# height and the width its scrollbar takes (a script for the board's page, in either browser).
LAYOUT = """() => [[...document.querySelectorAll("section.job")].map((card) => {
  const box = card.getBoundingClientRect(), name = card.querySelector("h2");
  return [name.textContent, box.left, box.top, box.right, box.bottom,
          name.scrollWidth > name.clientWidth];
}), document.documentElement.scrollHeight, innerWidth - document.documentElement.clientWidth]"""


def fits_the_screen(layout: list) -> None:
    """Assert that LAYOUT's answer on FLOOR shows its four cards in order, two by two, within
    1920x1080, no name cut short, no scrolling (Firefox had 1085 px and a 12 px scrollbar)."""
    cards, height, scrollbar = layout
    assert [card[0] for card in cards] == [name for name, *_ in FLOOR]
    assert len({card[1] for card in cards}) == 2 and len({card[2] for card in cards}) == 2
    assert all(card[3] <= 1920 and card[4] <= 1080 and not card[5] for card in cards), cards
    assert (height, scrollbar) == (1080, 0)
