"""The board (docs/api.md, The board) in Debian's Firefox (firefox-esr), headless, driven
over WebDriver BiDi by tests/bidi.py (no geckodriver, no downloaded browser), against a
live gunicorn (SQLite), like test_board_browser.py does in Chromium.

One Firefox for the module; each test opens its own tab (1920x1080, its own storage),
records every request it makes and, closing it, checks that the console got no error or
warning (a script Firefox did not take would show there). Screenshots go to
`--artifacts DIR`/board as firefox-*.png.
"""
import time

import pytest

from tests import board_helpers
from tests.bidi import Firefox, Tab
from tests.board_helpers import (
    FLOOR,
    HOLD_COLOUR,
    LAYOUT,
    advance_first_serial,
    auth_on,
    busy_and_idle,
    fits_the_screen,
    held_at_second_step,
    job_with_parts,
    make_floor,
    post,
    restarted,
)
from tests.live import Gunicorn

pytestmark = pytest.mark.live

artifacts = board_helpers.artifacts
server = board_helpers.server

# The text of `selector` in the card of the job named `name` (the card's if no selector),
# whitespace folded as a reader sees it; null when there is no such card or element.
CARD_TEXT = """(name, selector) => {
  const card = [...document.querySelectorAll("section.job")]
    .find((c) => c.querySelector("h2").textContent === name);
  const node = card && (selector ? card.querySelector(selector) : card);
  return node ? node.textContent.replace(/\\s+/g, " ").trim() : null;
}"""
STATUS = "() => document.getElementById('status').textContent"
LOGIN_HIDDEN = "() => document.getElementById('login').hidden"


@pytest.fixture(scope="module")
def firefox(tmp_path_factory):
    browser = Firefox(tmp_path_factory.mktemp("firefox") / "profile")
    yield browser
    browser.close()


class Board(Tab):
    """A Firefox tab on the board of `base`."""

    def __init__(self, firefox: Firefox, base: str):
        super().__init__(firefox)
        self.base = base

    def close(self) -> None:
        """Close the tab; assert the page logged no error or warning and threw nothing."""
        problems = self.problems()
        super().close()
        assert problems == [], problems

    def open(self, query: str = "") -> "Board":
        self.navigate(f"{self.base}/board{query}")
        return self

    def text(self, name: str, selector: str = "") -> str | None:
        return self.run(CARD_TEXT, name, selector)

    def shows(self, name: str, selector: str, expected: str, seconds: float = 5) -> float:
        """Wait until the card of `name` shows `expected` at `selector`; the seconds it took."""
        return self.wait_for(CARD_TEXT, name, selector, expected=expected, seconds=seconds)


@pytest.fixture
def board(firefox, server):
    with Board(firefox, server.base) as tab:
        yield tab


def test_a_job_with_parts_in_progress_appears_and_an_idle_one_does_not(board, server, artifacts):
    busy_and_idle(server.base)
    board.open()
    board.shows("WO-1001 Housing", ".n-busy", "4 in progress")
    assert board.text("WO-1001 Housing", ".key") == "PI-101"
    assert board.run(STATUS) == "live"
    assert board.text("WO-1002 Idle") is None
    assert board.run(LOGIN_HIDDEN) is True  # auth off: it asks for nothing
    board.screenshot(artifacts / "firefox-a-job-appears.png")


def test_an_advance_through_the_api_shows_within_3_s_without_a_reload(board, server, artifacts):
    job, serials = job_with_parts(server.base, "WO-2001 Bracket", "PI-201", ["Pack"], 2)
    board.open()
    board.shows("WO-2001 Bracket", ".n-done", "0 done")
    board.run("() => { window.notReloaded = true; }")
    board.forget_requests()
    post(server.base, f"/api/serials/{serials[0]['id']}/advance")
    advanced = time.monotonic()
    board.shows("WO-2001 Bracket", ".n-done", "1 done", seconds=3)
    assert time.monotonic() - advanced < 3
    assert board.text("WO-2001 Bracket", ".n-busy") == "1 in progress"
    assert board.run("() => window.notReloaded") is True
    fetched = {r["url"].removeprefix(server.base) for r in board.requests()
               if "/api/jobs" in r["url"]}
    assert fetched == {f"/api/jobs/{job['id']}"}  # only the job the event names
    board.screenshot(artifacts / "firefox-an-advance-shows.png")


def test_nothing_outside_the_service_is_requested(board, server):
    job_with_parts(server.base, "WO-3001 Shaft", "PI-301", ["Turn"], 1)
    board.open()
    board.shows("WO-3001 Shaft", ".key", "PI-301")
    time.sleep(3.5)  # two polls at least
    urls = [request["url"] for request in board.requests()]
    service = [url for url in urls if url.startswith(f"{server.base}/")]
    # Firefox also reports the page's inline empty icon (<link rel=icon href="data:,">),
    # which Chromium does not: a data: URL is no request to anywhere.
    assert service and set(urls) - set(service) <= {"data:,"}, urls
    paths = {url.removeprefix(server.base).partition("?")[0] for url in service}
    assert {"/board", "/static/board.js", "/static/board.css", "/api/events/head",
            "/api/jobs", "/api/events"} <= paths
    assert any("/api/events?after=" in url for url in urls)


def test_a_held_part_stands_out(board, server, artifacts):
    """A serial held at its second step: the job's card and that step show it in the hold colour
    (the same computed colour as in Chromium)."""
    held_at_second_step(server.base)
    board.open()
    board.shows("WO-4001 Flange", ".n-held", "1 on hold")
    steps = board.run("""() => [...document.querySelector("section.job").querySelectorAll(
        ".steps li")].map((li) => li.textContent)""")
    assert steps == ["Cut 2", "Inspect 0on hold 1"]  # the held job comes first
    colours = board.run("""() => {
      const card = document.querySelector("section.job");
      const style = (selector) => getComputedStyle(card.querySelector(selector));
      return [style(".n-held").backgroundColor, getComputedStyle(card).borderTopColor,
              style(".steps .hold").backgroundColor, card.querySelector("h2").textContent];
    }""")
    assert colours == [HOLD_COLOUR, HOLD_COLOUR, HOLD_COLOUR, "WO-4001 Flange"]
    board.screenshot(artifacts / "firefox-a-held-part-stands-out.png")


def test_the_page_survives_the_service_restarting(firefox, tmp_path, artifacts, monkeypatch):
    first = Gunicorn(tmp_path / "restart.db")
    try:
        with Board(firefox, first.base) as board:
            job_with_parts(first.base, "WO-5001 Cover", "PI-501", ["Weld"], 2)
            board.open().shows("WO-5001 Cover", ".n-busy", "2 in progress")
            first.stop()
            board.wait_for(STATUS, expected="offline", seconds=10)
            board.screenshot(artifacts / "firefox-offline.png")
            with restarted(first, monkeypatch) as second:
                board.wait_for(STATUS, expected="live", seconds=10)
                advance_first_serial(second.base)
                board.shows("WO-5001 Cover", ".n-done", "1 done", seconds=3)
    finally:
        first.stop()


def test_with_auth_on_the_token_is_asked_once_and_kept(firefox, tmp_path, artifacts):
    server, viewer = auth_on(tmp_path)
    try:
        with Board(firefox, server.base) as board:
            board.open().wait_for(LOGIN_HIDDEN, expected=False)
            board.screenshot(artifacts / "firefox-token-prompt.png")
            board.type(f"{viewer}\ue007")  # typed into the focused field, then Enter
            board.shows("WO-6001 Lid", ".key", "PI-601")
            board.reload()
            board.shows("WO-6001 Lid", ".key", "PI-601")
            assert board.run(LOGIN_HIDDEN) is True
            time.sleep(1.6)  # one poll more
            assert board.run("() => localStorage.getItem('shop-jobs.board.token')") == viewer
            sent = board.requests()
        api = [r for r in sent if "/api/" in r["url"]]
        assert api and all(header(r, "authorization") == f"Bearer {viewer}" for r in api)
        assert not [r["url"] for r in sent if viewer in r["url"]]
    finally:
        server.stop()
    log = server.log_text()
    assert "/api/events?after=" in log and viewer not in log


def test_a_floor_of_real_jobs_fits_the_screen_in_two_columns(firefox, tmp_path, artifacts):
    """The docs' floor of four real jobs: in Firefox too, all on the 1920x1080 screen, two by
    two, no name cut short, no scrollbar (Firefox keeps one where Chromium's is an overlay)."""
    server = Gunicorn(tmp_path / "floor.db")
    try:
        make_floor(server.base)
        with Board(firefox, server.base) as board:
            board.open().shows(FLOOR[0][0], ".n-done", "12 done")
            layout = board.run(LAYOUT)
            board.screenshot(artifacts / "firefox-floor.png")
    finally:
        server.stop()
    fits_the_screen(layout)


def header(request: dict, name: str) -> str | None:
    """The value of header `name` of a BiDi request, or None."""
    return next((h["value"]["value"] for h in request["headers"] if h["name"].lower() == name),
                None)


PAGE = "() => document.getElementById('page').textContent"
# The names of the cards shown, and whether each ends within the window.
SHOWN = """() => [...document.querySelectorAll("section.job:not([hidden])")].map((card) =>
  [card.querySelector("h2").textContent, card.getBoundingClientRect().bottom <= innerHeight])"""


def test_more_jobs_than_fit_are_shown_a_screenful_at_a_time(firefox, tmp_path, artifacts):
    """As in Chromium: nine jobs, each page's cards within the screen, the pages turn."""
    server = Gunicorn(tmp_path / "pages.db")
    try:
        names = [f"WO-80{n:02d} Part {n}" for n in range(9)]
        for n, name in enumerate(names):
            job_with_parts(server.base, name, f"PI-80{n}", ["Saw", "Mill"], 1)
        with Board(firefox, server.base) as board:
            board.open("?pageSeconds=2").shows(names[0], ".key", "PI-800")
            pages = int(board.run(PAGE).rsplit(" ", 1)[1])
            assert pages in (2, 3)
            seen = set()
            for number in range(1, pages + 1):
                board.wait_for(PAGE, expected=f"page {number} of {pages}", seconds=5)
                shown = board.run(SHOWN)
                assert shown and all(inside for _, inside in shown), shown
                seen |= {name for name, _ in shown}
                board.screenshot(artifacts / f"firefox-page-{number}.png")
            assert seen == set(names)
    finally:
        server.stop()
