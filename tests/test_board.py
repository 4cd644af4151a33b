"""GET /board in process (docs/api.md, The board): open to all, self-contained, says whether
the API needs a token. The browser tests are tests/test_board_browser.py."""
import re

import pytest

ASSETS = re.compile(r'(?:src|href)="([^"]*)"')


@pytest.mark.parametrize("required", [False, True])
def test_the_board_is_open_and_says_whether_a_token_is_needed(client, auth_client, required):
    response = (auth_client if required else client).get("/board")
    assert (response.status_code, response.mimetype) == (200, "text/html")
    assert f'data-auth="{"true" if required else "false"}"' in response.get_data(as_text=True)


def test_the_board_loads_only_its_own_script_and_style(client):
    page = client.get("/board").get_data(as_text=True)
    assert ASSETS.findall(page) == ["data:,", "/static/board.css", "/static/board.js"]
    for asset, mimetype in (("board.css", "text/css"), ("board.js", "text/javascript")):
        response = client.get(f"/static/{asset}")
        assert (response.status_code, response.mimetype) == (200, mimetype)
        assert not re.search(r"https?://|url\(|@import", response.get_data(as_text=True))
        response.close()


def test_the_script_sends_the_token_as_a_header_and_polls_the_feed(client):
    script = client.get("/static/board.js")
    text = script.get_data(as_text=True)
    script.close()
    assert "Authorization = `Bearer ${token}`" in text
    assert "/api/events?after=${lastEventId}" in text
    assert not re.search(r"https?://", text)
