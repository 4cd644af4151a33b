"""GET /api/openapi.json and `flask openapi`: valid OpenAPI 3 that documents every route."""
import json
import re

import pytest
from flask import Blueprint, Flask
from marshmallow import Schema, fields
from openapi_spec_validator import validate

from app import create_app
from jobs.http.contract import contract, contract_of
from jobs.openapi import build_document
from jobs.store.db import db
from schemas.fields import Choice, JsonInteger, Name, Timestamp
from tests.helpers import copy_sqlite

UPDATE_JOB_400 = [
    "Request body must be valid JSON",
    "Request body must be a JSON object",
    "Request body could not be read",
    "name cannot be empty",
    "name must be a string",
    "name must be at most 255 characters",
    "name must not contain NUL characters",
    "goalQuantity must be a number",
    "goalQuantity must be greater than 0",
    "goalQuantity must be at most 2147483647",
    "goalQuantity must be an integer",
]


@pytest.fixture(scope="module")
def served(database_kind, tmp_path_factory, request) -> bytes:
    """The body of GET /api/openapi.json, fetched once per module and database kind.

    The document is made of the routes and their contracts alone; fetching it
    from a new app for every test built it every time (about 50 ms a test).
    """
    if database_kind == "sqlite":
        url = copy_sqlite(request.getfixturevalue("sqlite_template"),
                          tmp_path_factory.mktemp("openapi") / "openapi.db")
    else:
        url = request.getfixturevalue("postgres_url")
    response = create_app({"DATABASE_URL": url, "TESTING": True}).test_client().get(
        "/api/openapi.json")
    db.close_all()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.data


@pytest.fixture
def document(served):
    """The served OpenAPI document, a new copy for each test."""
    return json.loads(served)


def route_operations(app: Flask) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every /api rule, HEAD and OPTIONS aside."""
    return {
        (rule.rule.replace("<", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def document_operations(document: dict) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item if method != "parameters"
    }


def test_document_is_valid_openapi_3(document):
    validate(document)
    assert document["openapi"].startswith("3.")


def test_every_route_is_documented_and_every_view_declares_a_contract(app, document):
    assert document_operations(document) == route_operations(app)
    assert all(contract_of(app.view_functions[rule.endpoint]) is not None
               for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/"))


def test_a_route_without_contract_is_reported(app, monkeypatch):
    monkeypatch.delattr(app.view_functions["api.delete_job"], "contract")
    missing = route_operations(app) - document_operations(build_document(app))
    assert missing == {("/api/jobs/{job_id}", "delete")}


def test_cli_prints_the_served_document(app, document):
    result = app.test_cli_runner().invoke(args=["openapi"])
    assert result.exit_code == 0
    assert json.loads(result.output) == document


def test_update_job_documents_seed_messages_and_statuses(document):
    put = document["paths"]["/api/jobs/{job_id}"]["put"]
    assert set(put["responses"]) == {"200", "400", "401", "403", "404", "412", "413", "415"}
    examples = put["responses"]["400"]["content"]["application/json"]["examples"]
    assert list(examples) == UPDATE_JOB_400
    assert examples["name cannot be empty"]["value"] == {
        "statusCode": 400, "statusMessage": "Bad Request", "message": "name cannot be empty",
        "data": {"errors": {"name": ["name cannot be empty"]}},
    }
    not_found = put["responses"]["404"]["content"]["application/json"]["examples"]
    assert list(not_found) == ["Job not found: {id}"]
    assert document["paths"]["/api/jobs/{job_id}"]["patch"]["responses"] == put["responses"]


def test_delete_job_has_no_body_and_documents_409(document):
    responses = document["paths"]["/api/jobs/{job_id}"]["delete"]["responses"]
    assert "content" not in responses["204"]
    assert list(responses["409"]["content"]["application/json"]["examples"]) == [
        "Cannot delete job: it has {n} serial(s)"]


def test_custom_fields_have_openapi_types(document):
    schemas = document["components"]["schemas"]
    assert schemas["JobUpdate"]["properties"]["goalQuantity"] == {
        "type": "integer", "minimum": 1, "maximum": 2147483647}
    name = schemas["JobCreate"]["properties"]["name"]
    assert (name["type"], name["minLength"]) == ("string", 1)
    for value, valid in ((" " + "x" * 255 + "\t", True), ("x" * 256, False), ("\x1f", False)):
        assert bool(re.search(name["pattern"], value)) is valid
    assert schemas["JobCreate"]["properties"]["jiraLabels"] == {
        "type": "array", "items": {"type": "string", "pattern": "^[^\\u0000]*$"}}
    assert schemas["Job"]["properties"]["createdAt"]["format"] == "date-time"
    assert set(schemas["Job"]["required"]) == {"id", "name", "goalQuantity", "createdAt",
                                               "updatedAt"}


class StepSchema(Schema):
    name = Name(required=True)
    kind = Choice(("physical", "preferred"), data_key="dependencyType")


class BatchSchema(Schema):
    quantity = JsonInteger(maximum=10000, required=True)
    made_at = Timestamp(data_key="madeAt")
    steps = fields.List(fields.Nested(StepSchema))


def test_route_options_nested_messages_and_choices():

    app = Flask(__name__)
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.post("/things/<int:thing_id>/batch")
    @contract(None, status=204, body=BatchSchema, query=StepSchema,
              errors={400: ("Thing is closed",)})
    def make_batch(thing_id):
        """Make a batch."""

    app.register_blueprint(bp)
    document = build_document(app)
    validate(document)
    post = document["paths"]["/api/things/{thing_id}/batch"]["post"]
    examples = post["responses"]["400"]["content"]["application/json"]["examples"]
    assert list(examples)[3:] == [
        "Thing is closed", "quantity is required", "quantity must be a number",
        "quantity must be greater than 0", "quantity must be at most 10000",
        "quantity must be an integer", "steps[0].name is required",
        "steps[0].name must be a string", "steps[0].name must be at most 255 characters",
        "steps[0].name must not contain NUL characters",
        "steps[0].dependencyType must be one of: physical, preferred",
        "name is required", "name must be a string", "name must be at most 255 characters",
        "name must not contain NUL characters",
        "dependencyType must be one of: physical, preferred",
    ]
    assert examples["steps[0].name is required"]["value"]["data"] == {
        "errors": {"steps[0].name": ["steps[0].name is required"]}}
    assert [p["name"] for p in post["parameters"]] == ["name", "dependencyType"]
    step = document["components"]["schemas"]["Step"]["properties"]
    assert step["dependencyType"] == {"type": "string", "enum": ["physical", "preferred"]}
    assert document["components"]["schemas"]["Batch"]["properties"]["quantity"]["maximum"] == 10000


def test_request_body_is_required_only_where_an_empty_body_is_a_400(client, document):
    """Found by schemathesis (positive_data_acceptance): `curl -X POST /api/jobs` was
    documented as valid, but an empty body counts as `{}` and Create Job needs fields."""
    assert document["paths"]["/api/jobs"]["post"]["requestBody"]["required"] is True
    assert client.post("/api/jobs").status_code == 400
    update = document["paths"]["/api/jobs/{job_id}"]["put"]["requestBody"]
    assert update["required"] is False
    job = client.post("/api/jobs", json={"name": "J", "goalQuantity": 1}).json
    assert client.put(f"/api/jobs/{job['id']}").status_code == 200


@pytest.mark.parametrize("blank", ["\x1d\x1d", "\x1f", " \u3000\t"])
def test_name_pattern_matches_what_trimming_removes(client, document, blank):
    """Found by schemathesis (positive_data_acceptance): `\\S` took `"\\x1d\\x1d"` for a
    name, but `str.strip` removes \\x1c-\\x1f, so the service says `name is required`."""
    pattern = document["components"]["schemas"]["JobCreate"]["properties"]["name"]["pattern"]
    assert re.search(pattern, blank) is None
    assert re.search(pattern, blank + "x")
    response = client.post("/api/jobs", json={"name": blank, "goalQuantity": 1})
    assert (response.status_code, response.json["message"]) == (400, "name is required")
    assert client.get("/api/jobs").json == []


def test_api_page_is_self_contained_html(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for text in ("Update Job: look up first", "name cannot be empty", "Job not found: {id}",
                 'id="schema-JobUpdate"', "maxLength: 1000"):
        assert text in page
    assert "<script" not in page and "http://" not in page and "https://" not in page


def test_query_and_capped_string_messages_are_documented(document):
    listing = document["paths"]["/api/serials"]["get"]["responses"]["400"]
    examples = listing["content"]["application/json"]["examples"]
    assert "status must be one of: in_progress, on_hold, completed, scrapped, voided" in examples
    scrap = document["paths"]["/api/serials/{serial_id}/scrap"]["post"]
    examples = scrap["responses"]["400"]["content"]["application/json"]["examples"]
    assert "note must be at most 1000 characters" in examples


@pytest.mark.parametrize("field", ["name", "jiraTicketKey"])
def test_string_patterns_refuse_nul_as_the_service_does(client, document, field):
    pattern = document["components"]["schemas"]["JobCreate"]["properties"][field]["pattern"]
    assert re.search(pattern, "JOB 1") and re.search(pattern, "JOB\x001") is None
    body = {"name": "JOB", "goalQuantity": 1, field: "JOB\x001"}
    assert client.post("/api/jobs", json=body).json["message"] == (
        f"{field} must not contain NUL characters")


LIST_400 = {
    "/api/jobs": [
        "{field} must be given at most once", "limit must be an integer from 1 to 1000",
        "cursor is not valid", "q must not contain NUL characters",
        "q must be at most 10000 characters", "jiraTicketKey must not contain NUL characters",
        "updatedAfter must be a timestamp like 2024-01-20T16:45:00.000Z"],
    "/api/serials": [
        "{field} must be given at most once", "limit must be an integer from 1 to 1000",
        "cursor is not valid", "jobId must not contain NUL characters",
        "pathId must not contain NUL characters",
        "status must be one of: in_progress, on_hold, completed, scrapped, voided",
        "updatedAfter must be a timestamp like 2024-01-20T16:45:00.000Z",
        "stepId must not contain NUL characters"],
}


@pytest.mark.parametrize("path,filters", [
    ("/api/jobs", ["q", "jiraTicketKey", "updatedAfter"]),
    ("/api/serials", ["jobId", "pathId", "status", "updatedAfter", "stepId"]),
])
def test_lists_document_limit_cursor_filters_and_the_link_header(document, path, filters):
    listing = document["paths"][path]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert list(parameters) == ["limit", "cursor", *filters]
    assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000}
    assert parameters["cursor"]["schema"] == {"type": "string"}
    assert {name: p["allowEmptyValue"] for name, p in parameters.items()} == {
        "limit": False, "cursor": False, **{name: True for name in filters}}
    assert all(p["in"] == "query" and p["required"] is False for p in parameters.values())
    assert parameters["updatedAfter"]["schema"]["pattern"].startswith("^")
    assert "rel=\"next\"" in listing["responses"]["200"]["headers"]["Link"]["description"]
    examples = listing["responses"]["400"]["content"]["application/json"]["examples"]
    assert list(examples) == LIST_400[path]
    assert examples["cursor is not valid"]["value"]["data"] == {
        "errors": {"cursor": ["cursor is not valid"]}}


POSTS = [("/api/jobs", "post"), ("/api/paths", "post"), ("/api/serials", "post"),
         ("/api/serials/{serial_id}/advance", "post"), ("/api/serials/{serial_id}/scrap", "post"),
         ("/api/serials/{serial_id}/steps/{step_id}/complete", "post"),
         ("/api/serials/{serial_id}/steps/{step_id}/waive", "post"),
         ("/api/serials/{serial_id}/rework", "post"), ("/api/serials/{serial_id}/undo", "post"),
         ("/api/serials/void", "post"), ("/api/serials/{serial_id}/hold", "post"),
         ("/api/serials/{serial_id}/release", "post"), ("/api/scans", "post"),
         ("/api/webhooks", "post"), ("/api/webhooks/{webhook_id}/resume", "post")]


def examples_of(operation: dict, status: str) -> list[str]:
    return list(operation["responses"][status]["content"]["application/json"]["examples"])


@pytest.mark.parametrize("path, method", POSTS)
def test_every_post_documents_the_idempotency_key(document, path, method):
    operation = document["paths"][path][method]
    (parameter,) = [p for p in operation["parameters"] if p["in"] == "header"]
    assert (parameter["name"], parameter["required"]) == ("Idempotency-Key", False)
    assert (parameter["schema"]["minLength"], parameter["schema"]["maxLength"]) == (1, 255)
    success = next(s for s in operation["responses"] if s.startswith("2"))
    assert "Idempotent-Replayed" in operation["responses"][success]["headers"]
    assert "Idempotency-Key must be 1 to 255 visible ASCII characters" in examples_of(
        operation, "400")
    assert "A request with this Idempotency-Key is still being processed" in examples_of(
        operation, "409")
    assert examples_of(operation, "422") == [
        "Idempotency-Key has already been used for a different request"]


def test_no_other_route_takes_an_idempotency_key(document):
    keyed = {(path, method) for path, operations in document["paths"].items()
             for method, operation in operations.items() if isinstance(operation, dict)
             and any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))}
    assert keyed == set(POSTS)


def test_advance_documents_expected_step_index_and_its_409(document):
    operation = document["paths"]["/api/serials/{serial_id}/advance"]["post"]
    assert operation["requestBody"]["required"] is False
    assert "expectedStepIndex must be a non-negative integer" in examples_of(operation, "400")
    assert "Serial {id} is at step {currentStepIndex}, not {expectedStepIndex}" in examples_of(
        operation, "409")


@pytest.mark.parametrize("path, kind", [("/api/jobs/{job_id}", "Job"),
                                        ("/api/paths/{path_id}", "Path")])
def test_jobs_and_paths_document_etag_and_if_match(document, path, kind):
    operations = document["paths"][path]
    for method in ("put", "patch", "delete"):
        names = [p["name"] for p in operations[method]["parameters"] if p["in"] == "header"]
        assert names == ["If-Match"]
        assert examples_of(operations[method], "412") == [f"{kind} has changed since it was read"]
    for method in ("get", "put"):
        assert "ETag" in operations[method]["responses"]["200"]["headers"]
    assert "If-Match" not in str(operations["get"].get("parameters", []))
    create = document["paths"]["/api/jobs" if kind == "Job" else "/api/paths"]["post"]
    assert "ETag" in create["responses"]["201"]["headers"]


def test_a_field_class_describes_itself_to_the_document():
    from schemas.fields import WireField

    class Badge(WireField):
        openapi_type, openapi_format = "string", "badge"

        def openapi(self) -> dict:
            return {"maxLength": 8}

    class BadgeSchema(Schema):
        badge = Badge()

    app = Flask(__name__)
    api = Blueprint("api", __name__, url_prefix="/api")
    api.add_url_rule("/badges", "badges", contract(BadgeSchema, role=None)(lambda: {}))
    app.register_blueprint(api)
    schemas = build_document(app)["components"]["schemas"]
    assert schemas["Badge"]["properties"]["badge"] == {
        "type": "string", "format": "badge", "maxLength": 8}
