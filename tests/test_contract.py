"""The contract drives the call (jobs/http/contract.py): the declared response schema dumps
every answer, and views hold no schema of their own."""
import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from flask import Response
from marshmallow import Schema, fields

import jobs.views
from jobs.http.contract import contract, contract_of

VIEWS = Path(jobs.views.__file__).parent
PUBLIC = "http://93.184.215.14/hooks/shop"


def view_modules():
    return [importlib.import_module(f"jobs.views.{info.name}")
            for info in pkgutil.iter_modules([str(VIEWS)])]


@pytest.mark.parametrize("module", view_modules(), ids=lambda module: module.__name__)
def test_no_view_module_holds_a_schema_instance(module):
    held = [name for name, value in vars(module).items() if isinstance(value, Schema)]
    assert held == []


@pytest.mark.parametrize("path", sorted(VIEWS.glob("*.py")), ids=lambda path: path.name)
def test_views_never_load_or_dump_by_hand(path):
    # Only through a route's contract: `load_body()`, `load_query()`, `<view>.contract.dump`.
    calls = [node for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr in ("load", "dump")]
    assert [ast.unparse(call.func) for call in calls
            if ast.unparse(call.func.value).split(".")[-1] != "contract"] == []


class Answer(Schema):
    count = fields.Integer(attribute="n")


def test_the_declared_schema_dumps_the_answer_with_its_headers_and_status():
    view = contract(Answer, status=201)(lambda: ({"n": 3}, {"Location": "/x"}))
    assert view() == ({"count": 3}, 201, {"Location": "/x"})


def test_a_view_that_answers_by_hand_where_a_schema_is_declared_fails():
    view = contract(Answer)(lambda: Response("{}"))
    with pytest.raises(TypeError, match="its contract dumps its answer"):
        view()


class Spy:
    """A route's declared response schema, keeping what it dumped last."""

    def __init__(self, schema: Schema):
        self.schema, self.dumped = schema, []

    def dump(self, answer):
        self.dumped.append(self.schema.dump(answer))
        return self.dumped[-1]

    def dump_rows(self, rows):
        self.dumped.append(self.schema.dump_rows(rows))
        return self.dumped[-1]


def schema_routes(app) -> dict[tuple[str, str], object]:
    """(METHOD, rule) -> contract, of every route whose response is a schema."""
    routes = {}
    for rule in app.url_map.iter_rules():
        declared = contract_of(app.view_functions[rule.endpoint])
        if declared is not None and declared.answers is not None:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes[(method, rule.rule)] = declared
    return routes


def walk(client, check) -> None:
    """One successful request to every route that answers with a schema, each `check`ed
    (METHOD, rule, response) as it comes."""
    def send(method, rule, url, body=None):
        response = client.open(url, method=method, json=body)
        assert response.status_code < 300, (method, url, response.json)
        check(method, rule, response)
        return response.json

    send("GET", "/api/health", "/api/health")
    job = send("POST", "/api/jobs", "/api/jobs", {"name": "J-1", "goalQuantity": 5})
    jid = job["id"]
    send("GET", "/api/jobs", "/api/jobs?limit=1")
    for method in ("GET", "PUT", "PATCH"):
        send(method, "/api/jobs/<job_id>", f"/api/jobs/{jid}", {"goalQuantity": 6})
    path = send("POST", "/api/paths", "/api/paths", {
        "jobId": jid, "name": "Main", "goalQuantity": 5, "advancementMode": "flexible",
        "steps": [{"name": "Cut"}, {"name": "Wash"}, {"name": "Inspect"}]})
    for method in ("GET", "PUT", "PATCH"):
        send(method, "/api/paths/<path_id>", f"/api/paths/{path['id']}", {"name": "Main"})
    serials = send("POST", "/api/serials", "/api/serials",
                   {"jobId": jid, "pathId": path["id"], "quantity": 4})
    one, two, three, four = (serial["id"] for serial in serials)
    send("GET", "/api/serials", "/api/serials")
    send("GET", "/api/serials/<serial_id>", f"/api/serials/{one}")
    serial_route = "/api/serials/<serial_id>/"
    send("POST", serial_route + "advance", f"/api/serials/{one}/advance", {"toStepIndex": 2})
    wash = path["steps"][1]["id"]
    step_route = serial_route + "steps/<step_id>/"
    send("POST", step_route + "complete", f"/api/serials/{one}/steps/{wash}/complete", {})
    send("POST", serial_route + "undo", f"/api/serials/{one}/undo", {"reason": "wrong part"})
    send("POST", serial_route + "advance", f"/api/serials/{two}/advance", {"toStepIndex": 2})
    send("POST", step_route + "waive", f"/api/serials/{two}/steps/{wash}/waive",
         {"reason": "not needed"})
    send("POST", serial_route + "rework", f"/api/serials/{two}/rework",
         {"toStepIndex": 0, "reason": "process_defect"})
    send("POST", serial_route + "hold", f"/api/serials/{three}/hold", {"reason": "suspect"})
    send("POST", serial_route + "release", f"/api/serials/{three}/release",
         {"disposition": "continue"})
    send("POST", serial_route + "scrap", f"/api/serials/{three}/scrap", {"reason": "damaged"})
    send("POST", "/api/serials/void", "/api/serials/void",
         {"serialIds": [four], "reason": "typo batch"})
    send("POST", "/api/scans", "/api/scans", {"scans": [
        {"key": "k-1", "serialId": one, "action": "advance"}]})
    send("GET", "/api/lookup", f"/api/lookup?code={one}")
    send("GET", serial_route + "record", f"/api/serials/{one}/record")
    send("GET", serial_route + "record-link", f"/api/serials/{one}/record-link")
    send("GET", serial_route + "history", f"/api/serials/{one}/history")
    send("GET", "/api/jobs/<job_id>/history", f"/api/jobs/{jid}/history")
    send("GET", "/api/events", "/api/events")
    send("GET", "/api/events/head", "/api/events/head")
    hook = send("POST", "/api/webhooks", "/api/webhooks", {"url": PUBLIC})
    send("GET", "/api/webhooks", "/api/webhooks")
    hook_route = "/api/webhooks/<webhook_id>"
    send("GET", hook_route, f"/api/webhooks/{hook['id']}")
    send("POST", hook_route + "/resume", f"/api/webhooks/{hook['id']}/resume")
    send("GET", hook_route + "/deliveries", f"/api/webhooks/{hook['id']}/deliveries")


def test_every_answer_is_what_its_declared_response_schema_dumped(app, client, monkeypatch):
    routes = schema_routes(app)
    spies = {}
    for declared in routes.values():
        if id(declared) not in spies:
            spies[id(declared)] = Spy(declared.answers)
            monkeypatch.setitem(vars(declared), "answers", spies[id(declared)])
    walked = set()

    def check(method, rule, response):
        spy = spies[id(routes[(method, rule)])]
        assert spy.dumped and response.json == spy.dumped[-1], (method, rule)
        spy.dumped.clear()
        walked.add((method, rule))

    walk(client, check)
    assert walked == set(routes)
