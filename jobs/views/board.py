"""GET /board (docs/api.md, The board): the page for the shop floor's TV.

The page holds no data, so it is open to everyone; its script
(`jobs/static/board.js`, served by the app's static route) reads the API
with the viewer token the page asks for when authentication is on.
"""
from flask import current_app, render_template

from jobs.http import contract, pages_bp


@pages_bp.get("/board")
@contract({"type": "string"}, media_type="text/html", role=None)
def board():
    """The board: an HTML page whose script polls the event feed and shows the active jobs."""
    return render_template("board.html", auth_required=current_app.config["AUTH_REQUIRED"])
