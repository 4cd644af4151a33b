"""schemathesis over every operation of the OpenAPI document, against real gunicorn.

The document is built in-process at collection (schemathesis' lazy fixture
loader does not run under pytest 9); the live server is checked to serve the
same document.

Positive and negative cases; checks: no 5xx, the status is documented, the
content type, headers and body match the document, schema-valid data is
accepted and schema-invalid data rejected (a schema-valid case gets a fresh
Idempotency-Key and `If-Match: *`: see `stateful_headers`). Half the cases whose path names an
object listed in `EXISTING` are pointed at one that exists, so success answers
are checked too; schema-valid cases that carry a list `cursor` get one that a
`next` link gave for their filters (or none, when there is no next page).

The server runs with AUTH_REQUIRED=true. Every case carries a planner token
(schemathesis' auth provider), except the negative cases that leave the
`Authorization` header out on purpose, which must get 401.
"""
import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, assume, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from jobs.openapi import api_document
from tests.live import flask_command, serve

pytestmark = pytest.mark.live

EXAMPLES_PER_OPERATION = 300
# gunicorn refuses longer request lines itself (gunicorn.conf.py, limit_request_line), before
# the app: a `q` of up to 10,000 characters is documented but does not fit in them all.
REQUEST_LINE_LIMIT = 8190
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance,
          positive_data_acceptance, negative_data_rejection]
# Operations with 400s that no JSON Schema can state (docs/api.md, The floor's real day): a
# range that is the serial's own (`toStepIndex`), the checks of the step being left
# (`results`), a check's limits against each other and its name against its neighbours'.
# Their schema-valid cases may be refused; every other check still applies.
STATE_RULES = {"/api/paths", "/api/serials/{serial_id}/advance",
               "/api/serials/{serial_id}/rework", "/api/serials/{serial_id}/release",
               "/api/serials/{serial_id}/steps/{step_id}/complete", "/api/serials/void",
               "/api/serials/{serial_id}/scrap"}


# Create Webhook refuses URLs whose host resolves to a private address (a DNS answer, which
# no JSON Schema can say), so its schema-valid cases may be a documented 400.
CHECKS_OF = {"POST /api/webhooks": [c for c in CHECKS if c is not positive_data_acceptance]}

# The planner token of the running server, for the auth provider below.
CREDENTIALS: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory, live_database_url):
    for server in serve(tmp_path_factory.mktemp("fuzz"), database_url=live_database_url,
                        env={"AUTH_REQUIRED": "true"}):
        CREDENTIALS["token"] = flask_command(server.database_url, "token", "create", "fuzz",
                                             "--role", "planner")
        yield server


@pytest.fixture(scope="module")
def http(server):
    """A session for the cases: no credentials of its own (the auth provider adds them)."""
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def planner(server):
    """A session with the planner token, to create the objects cases point at."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {CREDENTIALS['token']}"
        yield session


DOCUMENT = api_document(create_app({"DATABASE_URL": "sqlite:///:memory:"}))
# A body past the 1 MiB limit (a `scans` list past 1000 items can be) is refused before it is
# read: 413 Content Too Large, a rejection beside schemathesis' own list of them.
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429",
            "5xx"]
schema = schemathesis.openapi.from_dict(DOCUMENT, config=SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REJECTED}}}))


# Cases are generated (and given credentials) before the server runs; the
# test swaps this stand-in for the server's token.
PENDING = "Bearer pending-token"


@schema.auth()
class PlannerToken:
    """Credentials on every case that does not leave `Authorization` out on purpose."""

    def get(self, case, context):
        return PENDING

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": data}


def test_live_server_serves_the_fuzzed_document(server, http):
    assert http.get(f"{server.base}/api/openapi.json", timeout=10).json() == DOCUMENT


def create(server, http, path: str, body: dict) -> dict:
    response = http.post(f"{server.base}{path}", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def existing_job(server, http) -> str:
    return create(server, http, "/api/jobs", {"name": "FUZZ", "goalQuantity": 5})["id"]


def existing_path(server, http) -> str:
    body = {"jobId": existing_job(server, http), "name": "FUZZ", "goalQuantity": 5,
            "steps": [{"name": "Cut"}, {"name": "Inspect"}]}
    return create(server, http, "/api/paths", body)["id"]


def existing_serial(server, http) -> str:
    path = http.get(f"{server.base}/api/paths/{existing_path(server, http)}", timeout=10).json()
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 1}
    return create(server, http, "/api/serials", body)[0]["id"]


def existing_step(server, http) -> str:
    path = http.get(f"{server.base}/api/paths/{existing_path(server, http)}", timeout=10).json()
    return path["steps"][0]["id"]


def existing_webhook(server, http) -> str:
    return create(server, http, "/api/webhooks", {"url": "http://93.184.215.14/hook"})["id"]


# Path parameter -> a function that creates such an object and returns its id.
EXISTING = {"job_id": existing_job, "path_id": existing_path, "serial_id": existing_serial,
            "step_id": existing_step, "webhook_id": existing_webhook}


def real_cursor(server, http, path: str, query: dict) -> str | None:
    """The cursor a `next` link gives for `query`'s filters, or None when there is no next page.

    Any other cursor is a 400 (docs/api.md, Lists: pages and filters), which the
    document cannot express as a schema, so schema-valid cases get a real one.
    """
    filters = {key: value for key, value in query.items() if key not in ("cursor", "limit")}
    response = http.get(f"{server.base}{path}", params={**filters, "limit": 1}, timeout=10)
    return response.links.get("next", {}).get("url", "").partition("&cursor=")[2] or None


def stateful_headers(case, positive: bool) -> None:
    """Make a case's state-dependent headers valid for the state too.

    An Idempotency-Key already used on another request (422) and an If-Match
    that is not the current version (412, answered before the body is read)
    are refused by design, whatever their shape: a schema-valid case gets a
    key of its own, and every case `If-Match: *` (any string is schema-valid,
    so it is never what makes a case invalid).
    """
    headers = case.headers or {}
    if positive and "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    if "If-Match" in headers:
        headers["If-Match"] = "*"


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_the_contract(case, server, http, planner):
    for name, value in (case.path_parameters or {}).items():
        # Deterministic in the generated value, so hypothesis can replay and shrink.
        if name in EXISTING and isinstance(value, str) and len(value) % 2:
            case.path_parameters[name] = EXISTING[name](server, planner)
    target = requests.Request(case.method, server.base + case.formatted_path, params=case.query)
    assume(len(f"{case.method} {target.prepare().path_url} HTTP/1.1") <= REQUEST_LINE_LIMIT)
    if "cursor" in (case.query or {}) and case.meta.generation.mode.is_positive:
        cursor = real_cursor(server, planner, case.formatted_path, case.query)
        if cursor is None:
            del case.query["cursor"]
        else:
            case.query["cursor"] = cursor
    stateful_headers(case, case.meta.generation.mode.is_positive)
    authorized = (case.headers or {}).get("Authorization") == PENDING
    if authorized:
        case.headers["Authorization"] = f"Bearer {CREDENTIALS['token']}"
    checks = [check for check in CHECKS_OF.get(case.operation.label, CHECKS)
              if check is not positive_data_acceptance or case.path not in STATE_RULES]
    response = case.call_and_validate(base_url=server.base, session=http, checks=checks,
                                      timeout=10)
    if authorized:
        assert response.status_code != 401, response.text
