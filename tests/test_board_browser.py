"""The board (docs/api.md, The board) in a real browser: Debian's Chromium, headless, driven by
Playwright, against a live gunicorn (SQLite; the board is a client of the API).

One browser for the module; each test opens its own page (1920x1080) and
records every URL it requests. Screenshots (1920x1080) go to the run's
artifacts folder, `--artifacts DIR`/board or one in pytest's temporary
folder, printed at the start (`-s` shows it).
"""
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests import board_helpers
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

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync",
        "--disable-default-apps", "--disable-extensions"]
SCREEN = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


artifacts = board_helpers.artifacts
server = board_helpers.server


class Board:
    """A browser page on the board of `base`, with every URL it requested."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport=SCREEN)
        self.page = self.context.new_page()
        self.requested = []
        self.page.on("request", lambda request: self.requested.append(request))

    def open(self, query: str = "") -> "Board":
        self.page.goto(f"{self.base}/board{query}")
        return self

    def card(self, name: str):
        return self.page.locator("section.job", has=self.page.get_by_role("heading", name=name))

    def shot(self, folder: Path, name: str) -> None:
        self.page.screenshot(path=folder / f"{name}.png")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def board(browser, server):
    page = Board(browser, server.base)
    yield page
    page.close()


def test_a_job_with_parts_in_progress_appears_and_an_idle_one_does_not(board, server, artifacts):
    busy_and_idle(server.base)
    board.open()
    card = board.card("WO-1001 Housing")
    expect(card).to_be_visible()
    expect(card.locator(".key")).to_have_text("PI-101")
    expect(card.locator(".n-busy")).to_have_text("4 in progress")
    expect(board.page.locator("#status")).to_have_text("live")
    expect(board.card("WO-1002 Idle")).to_have_count(0)
    expect(board.page.locator("#page")).to_be_hidden()  # one job: no pages
    expect(board.page.locator("#login")).to_be_hidden()  # auth off: it asks for nothing
    board.shot(artifacts, "a-job-appears")


def test_an_advance_through_the_api_shows_within_3_s_without_a_reload(board, server, artifacts):
    job, serials = job_with_parts(server.base, "WO-2001 Bracket", "PI-201", ["Pack"], 2)
    board.open()
    card = board.card("WO-2001 Bracket")
    expect(card.locator(".n-done")).to_have_text("0 done")
    board.page.evaluate("window.notReloaded = true")
    board.requested.clear()
    post(server.base, f"/api/serials/{serials[0]['id']}/advance")
    advanced = time.monotonic()
    expect(card.locator(".n-done")).to_have_text("1 done", timeout=3000)
    assert time.monotonic() - advanced < 3
    expect(card.locator(".n-busy")).to_have_text("1 in progress")
    assert board.page.evaluate("window.notReloaded") is True
    fetched = {r.url.removeprefix(server.base) for r in board.requested if "/api/jobs" in r.url}
    assert fetched == {f"/api/jobs/{job['id']}"}  # only the job the event names
    board.shot(artifacts, "an-advance-shows")


def test_nothing_outside_the_service_is_requested(board, server):
    job_with_parts(server.base, "WO-3001 Shaft", "PI-301", ["Turn"], 1)
    board.open()
    expect(board.card("WO-3001 Shaft")).to_be_visible()
    board.page.wait_for_timeout(3500)  # two polls at least
    urls = [request.url for request in board.requested]
    assert urls and all(url.startswith(f"{server.base}/") for url in urls), urls
    paths = {url.removeprefix(server.base).partition("?")[0] for url in urls}
    assert {"/board", "/static/board.js", "/static/board.css", "/api/events/head",
            "/api/jobs", "/api/events"} <= paths
    assert any("/api/events?after=" in url for url in urls)


def test_a_held_part_stands_out(board, server, artifacts):
    """A serial held at its second step: the job's card and that step show it in the hold colour."""
    held_at_second_step(server.base)
    board.open()
    card = board.card("WO-4001 Flange")
    expect(card.locator(".n-held")).to_have_text("1 on hold")
    expect(card.locator(".steps li")).to_have_text(["Cut 2", "Inspect 0on hold 1"])
    held = card.locator(".n-held").evaluate("e => getComputedStyle(e).backgroundColor")
    border = card.evaluate("e => getComputedStyle(e).borderTopColor")
    assert (held, border) == (HOLD_COLOUR, HOLD_COLOUR)
    assert board.page.locator("section.job").first.locator("h2").inner_text() == "WO-4001 Flange"
    board.shot(artifacts, "a-held-part-stands-out")


def test_more_jobs_than_fit_are_shown_a_screenful_at_a_time(browser, tmp_path, artifacts):
    """Nine jobs do not fit on 1920x1080: each page's cards lie within the screen, the header
    names the page, and the pages turn by themselves until every job has been shown."""
    server = Gunicorn(tmp_path / "pages.db")
    page = Board(browser, server.base)
    try:
        names = [f"WO-80{n:02d} Part {n}" for n in range(9)]
        for n, name in enumerate(names):
            job_with_parts(server.base, name, f"PI-80{n}", ["Saw", "Mill"], 1)
        page.open("?pageSeconds=2")
        label = page.page.locator("#page")
        expect(label).to_have_text(re.compile(r"page 1 of [23]"))
        pages = int(label.inner_text().rsplit(" ", 1)[1])
        seen = set()
        for number in range(1, pages + 1):
            expect(label).to_have_text(f"page {number} of {pages}", timeout=5000)
            shown = page.page.locator("section.job:visible")
            boxes = [shown.nth(i).bounding_box() for i in range(shown.count())]
            assert boxes and all(box["y"] + box["height"] <= SCREEN["height"] for box in boxes)
            seen |= set(shown.locator("h2").all_inner_texts())
            page.shot(artifacts, f"page-{number}")
        assert seen == set(names)
        expect(label).to_have_text(f"page 1 of {pages}", timeout=5000)
    finally:
        page.close()
        server.stop()


def test_the_page_survives_the_service_restarting(browser, tmp_path, artifacts, monkeypatch):
    first = Gunicorn(tmp_path / "restart.db")
    page = Board(browser, first.base)
    try:
        job_with_parts(first.base, "WO-5001 Cover", "PI-501", ["Weld"], 2)
        page.open()
        card = page.card("WO-5001 Cover")
        expect(card).to_be_visible()
        first.stop()
        expect(page.page.locator("#status")).to_have_text("offline", timeout=10_000)
        page.shot(artifacts, "offline")
        with restarted(first, monkeypatch) as second:
            expect(page.page.locator("#status")).to_have_text("live", timeout=10_000)
            advance_first_serial(second.base)
            expect(card.locator(".n-done")).to_have_text("1 done", timeout=3000)
    finally:
        page.close()
        first.stop()


def test_with_auth_on_the_token_is_asked_once_and_kept(browser, tmp_path, artifacts):
    server, viewer = auth_on(tmp_path)
    page = Board(browser, server.base)
    try:
        page.open()
        expect(page.page.locator("#login")).to_be_visible()
        page.shot(artifacts, "token-prompt")
        page.page.fill("#token", viewer)
        page.page.click("#login button")
        expect(page.card("WO-6001 Lid")).to_be_visible()
        page.page.reload()
        expect(page.card("WO-6001 Lid")).to_be_visible()
        expect(page.page.locator("#login")).to_be_hidden()
        with page.page.expect_request(lambda r: "/api/events?after=" in r.url):
            pass
        assert page.page.evaluate("localStorage.getItem('shop-jobs.board.token')") == viewer
        api = [r for r in page.requested if "/api/" in r.url]
        assert api and all(r.headers.get("authorization") == f"Bearer {viewer}" for r in api)
        assert not [r.url for r in page.requested if viewer in r.url]
    finally:
        page.close()
        server.stop()
    log = server.log_text()
    assert "/api/events?after=" in log and viewer not in log


def test_a_floor_of_real_jobs_readable_from_3_m(browser, tmp_path, artifacts):
    """The screenshot in docs/: real jobs made through the API, at 1920x1080."""
    server = Gunicorn(tmp_path / "floor.db")
    page = Board(browser, server.base)
    try:
        make_floor(server.base)
        page.open()
        for name, *_ in FLOOR:
            expect(page.card(name)).to_be_visible()
        expect(page.card(FLOOR[0][0]).locator(".n-done")).to_have_text("12 done")
        fits_the_screen(page.page.evaluate(LAYOUT))
        page.shot(artifacts, "floor")
    finally:
        page.close()
        server.stop()


def test_the_printable_record_is_one_a4_page_per_40_visits(browser, server, tmp_path):
    """Printed by Chromium itself (A4): 40 visits fill a page, 41 need a second."""
    job = post(server.base, "/api/jobs", {"name": "WO-7001 Long route", "goalQuantity": 2})
    steps = [{"name": f"Operation {i}"} for i in range(41)]
    path = post(server.base, "/api/paths", {"jobId": job["id"], "name": "Main", "goalQuantity": 2,
                                            "steps": steps})
    serials = post(server.base, "/api/serials", {"jobId": job["id"], "pathId": path["id"],
                                                 "quantity": 2})
    for _ in range(40):
        post(server.base, f"/api/serials/{serials[1]['id']}/advance")
    for _ in range(39):
        post(server.base, f"/api/serials/{serials[0]['id']}/advance")
    context = browser.new_context()
    try:
        page = context.new_page()
        for serial, pages in ((serials[0], 1), (serials[1], 2)):
            page.goto(f"{server.base}/serials/{serial['id']}/record")
            pdf = page.pdf(format="A4", prefer_css_page_size=True)
            assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == pages, serial["id"]
    finally:
        context.close()
