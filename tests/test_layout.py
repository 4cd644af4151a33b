"""The layout's promises: layers import downward only, and docs/api.md names every route."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEB = {"flask", "werkzeug"}
EDGE = {"jobs.http", "jobs.views", "jobs.openapi"}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, as written (`from a.b import c` gives `a.b`)."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", ["jobs/services", "jobs/store", "schemas"])
def test_services_store_and_schemas_never_import_the_web_layer(layer):
    offenders = {}
    for path in sorted((ROOT / layer).rglob("*.py")):
        bad = {name for name in imported_modules(path)
               if name.split(".")[0] in WEB or any(name.startswith(e) for e in EDGE)}
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_domain_modules_never_import_flask():
    top = [p for p in (ROOT / "jobs").glob("*.py") if p.name != "cli.py"]
    assert {p.name: sorted(imported_modules(p) & WEB) for p in top} == {p.name: [] for p in top}


def test_jobs_top_level_holds_at_most_8_python_files():
    assert len(list((ROOT / "jobs").glob("*.py"))) <= 8


def documented_routes() -> set[tuple[str, str]]:
    """(METHOD, path) of every `### METHOD[/METHOD] /api/...` heading in docs/api.md."""
    text = (ROOT / "docs" / "api.md").read_text()
    found = set()
    for methods, path in re.findall(r"^### ([A-Z/]+) (/\S+)", text, re.MULTILINE):
        path = re.sub(r"\{[^{}]+\}", "{id}", path)
        found.update((method, path) for method in methods.split("/"))
    return found


def served_routes(app) -> set[tuple[str, str]]:
    """(METHOD, path) of every rule the app serves, paths in docs/api.md's `{id}` form."""
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "{id}", rule.rule)
        served.update((method, path) for method in rule.methods - {"HEAD", "OPTIONS"})
    return served


def test_docs_api_md_names_every_route_the_app_serves(app):
    assert documented_routes() == served_routes(app)
