"""The Blueprints: `bp` carries every `/api` route, `pages_bp` the pages outside it (the board,
the printable record)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api", template_folder="../templates")
pages_bp = Blueprint("pages", __name__, template_folder="../templates")
