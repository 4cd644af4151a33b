"""Authentication and roles (docs/api.md, Authentication and roles), in-process."""
import logging
import re

import pytest
from peewee import OperationalError

from app import ConfigError, create_app
from jobs.http.contract import contract_of
from jobs.store import statements
from jobs.store.db import db
from jobs.store.models import Token
from jobs.store.statements import run
from jobs.vocabulary import ROLES
from tests.conftest import bearer, error_body, make_token

REQUIRED = error_body(401, "Unauthorized", "Authentication required")
INVALID = error_body(401, "Unauthorized", "Invalid token")
CHALLENGE = 'Bearer realm="shop-jobs"'
INVALID_CHALLENGE = 'Bearer realm="shop-jobs", error="invalid_token"'
OPEN_WARNING = ("AUTH_REQUIRED is off: every request is allowed, and every write is "
                "recorded as made by 'anonymous'")


def declared_routes() -> list[tuple[str, str, str | None]]:
    """(method, URL with `missing` for each parameter, declared role) of every rule."""
    app = create_app({"DATABASE_URL": "sqlite:///:memory:"})
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = re.sub(r"<[^>]+>", "missing", rule.rule)
        role = contract_of(app.view_functions[rule.endpoint]).role
        routes += [(method, url, role) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


ROUTES = declared_routes()
PROTECTED = [(m, u, r) for m, u, r in ROUTES if r is not None]
# The printable record is opened by a signed link instead (tests/test_record.py).
OPEN = [(m, u) for m, u, r in ROUTES if r is None and u != "/serials/missing/record"]


# The floor's real day (docs/api.md): each move and the role it needs.
FLOOR_ROUTES = {
    ("POST", "/api/serials/missing/steps/missing/complete"): "operator",
    ("POST", "/api/serials/missing/steps/missing/waive"): "planner",
    ("POST", "/api/serials/missing/rework"): "operator",
    ("POST", "/api/serials/missing/undo"): "operator",
    ("POST", "/api/serials/void"): "planner",
    ("POST", "/api/serials/missing/hold"): "operator",
    ("POST", "/api/serials/missing/release"): "planner",
}
# Scans (docs/api.md, Scans: many parts at once, and offline replay).
SCANS_ROUTES = {("GET", "/api/lookup"): "viewer", ("POST", "/api/scans"): "operator"}


def test_every_route_declares_the_documented_role():
    roles = {(method, url): role for method, url, role in ROUTES}
    assert roles == {
        ("GET", "/api/health"): None, ("GET", "/api/openapi.json"): None,
        ("GET", "/api/docs"): None, ("GET", "/metrics"): "viewer", ("GET", "/board"): None,
        ("GET", "/api/jobs"): "viewer", ("GET", "/api/jobs/missing"): "viewer",
        ("GET", "/api/paths/missing"): "viewer", ("GET", "/api/serials"): "viewer",
        ("GET", "/api/serials/missing"): "viewer", ("GET", "/api/events"): "viewer",
            ("GET", "/api/events/head"): "viewer",
            ("GET", "/api/serials/missing/record"): "viewer",
            ("GET", "/api/serials/missing/record-link"): "viewer",
            ("GET", "/serials/missing/record"): None,
        ("GET", "/api/jobs/missing/history"): "viewer",
        ("GET", "/api/serials/missing/history"): "viewer",
        ("POST", "/api/serials"): "operator", ("POST", "/api/serials/missing/advance"): "operator",
        ("POST", "/api/serials/missing/scrap"): "operator",
        **FLOOR_ROUTES, **SCANS_ROUTES,
        ("POST", "/api/jobs"): "planner", ("PUT", "/api/jobs/missing"): "planner",
        ("PATCH", "/api/jobs/missing"): "planner", ("DELETE", "/api/jobs/missing"): "planner",
        ("POST", "/api/paths"): "planner", ("PUT", "/api/paths/missing"): "planner",
        ("PATCH", "/api/paths/missing"): "planner", ("DELETE", "/api/paths/missing"): "planner",
        ("POST", "/api/webhooks"): "planner", ("GET", "/api/webhooks"): "planner",
        ("GET", "/api/webhooks/missing"): "planner", ("DELETE", "/api/webhooks/missing"): "planner",
        ("POST", "/api/webhooks/missing/resume"): "planner",
        ("GET", "/api/webhooks/missing/deliveries"): "planner",
    }


def assert_401(response, body=REQUIRED, challenge=CHALLENGE):
    assert (response.status_code, response.json) == (401, body)
    assert response.headers["WWW-Authenticate"] == challenge


@pytest.mark.parametrize("method,url,role", PROTECTED)
def test_protected_route_without_token_is_401(auth_client, method, url, role):
    assert_401(auth_client.open(url, method=method))


@pytest.mark.parametrize("method,url,role", PROTECTED)
def test_protected_route_with_too_low_a_role_is_403(auth_client, role_tokens, method, url, role):
    for lower in ROLES[:ROLES.index(role)]:
        response = auth_client.open(url, method=method, headers=bearer(role_tokens[lower]))
        assert (response.status_code, response.json) == (
            403, error_body(403, "Forbidden", f"This action requires the {role} role"))
        assert "WWW-Authenticate" not in response.headers


@pytest.mark.parametrize("method,url,role", PROTECTED)
def test_protected_route_passes_with_its_role_or_higher(auth_client, role_tokens, method, url,
                                                        role):
    for enough in ROLES[ROLES.index(role):]:
        response = auth_client.open(url, method=method, headers=bearer(role_tokens[enough]))
        assert response.status_code not in (401, 403), (enough, response.json)


@pytest.mark.parametrize("method,url", OPEN)
def test_open_routes_need_no_token_and_ignore_a_bad_one(auth_client, method, url):
    assert auth_client.open(url, method=method).status_code == 200
    headers = {"Authorization": "Bearer shop_not-a-token"}
    assert auth_client.open(url, method=method, headers=headers).status_code == 200


@pytest.mark.parametrize("method,url,role", ROUTES)
def test_with_auth_off_no_route_asks_for_a_token(client, method, url, role):
    assert client.open(url, method=method).status_code not in (401, 403)


@pytest.mark.parametrize("header", [
    "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer    ", "Token abc", "Bearerabc",
])
def test_missing_empty_or_non_bearer_authorization_is_authentication_required(
        auth_client, role_tokens, header):
    assert_401(auth_client.get("/api/jobs", headers={"Authorization": header}))


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_scheme_is_matched_without_regard_to_case(auth_client, role_tokens, scheme):
    headers = {"Authorization": f"{scheme} {role_tokens['viewer']}"}
    assert (auth_client.get("/api/jobs", headers=headers).status_code) == 200


@pytest.mark.parametrize("spoil", [
    lambda t: f" {t}", lambda t: f"{t} ", lambda t: f"  {t}  ", lambda t: t[:-1],
    lambda t: t + "x", lambda t: t.upper(), lambda t: t[5:],
], ids=["space-before", "space-after", "spaces-around", "truncated", "extra-character",
        "upper-case", "without-prefix"])
def test_a_token_not_exactly_as_issued_is_invalid(auth_client, role_tokens, spoil):
    headers = {"Authorization": f"Bearer {spoil(role_tokens['planner'])}"}
    assert_401(auth_client.get("/api/jobs", headers=headers), INVALID, INVALID_CHALLENGE)


def test_a_10_kb_header_is_a_clean_401(auth_client, role_tokens):
    headers = {"Authorization": "Bearer " + "a" * 10240}
    assert_401(auth_client.get("/api/jobs", headers=headers), INVALID, INVALID_CHALLENGE)


def test_an_unknown_token_is_invalid(auth_client, role_tokens):
    headers = bearer("shop_" + "A" * 43)
    assert_401(auth_client.get("/api/jobs", headers=headers), INVALID, INVALID_CHALLENGE)


def test_a_revoked_token_is_invalid_from_the_next_request(auth_app, auth_client, role_tokens):
    headers = bearer(role_tokens["planner"])
    assert auth_client.get("/api/jobs", headers=headers).status_code == 200
    result = auth_app.test_cli_runner().invoke(args=["token", "revoke", "planner"])
    assert result.exit_code == 0
    assert_401(auth_client.get("/api/jobs", headers=headers), INVALID, INVALID_CHALLENGE)


def test_a_recreated_name_gets_a_new_token_and_the_old_one_stays_invalid(auth_app, auth_client):
    old = make_token("station-1", "operator")
    runner = auth_app.test_cli_runner()
    assert runner.invoke(args=["token", "revoke", "station-1"]).exit_code == 0
    new = make_token("station-1", "planner")
    assert_401(auth_client.get("/api/jobs", headers=bearer(old)), INVALID, INVALID_CHALLENGE)
    response = auth_client.post("/api/jobs", json={"name": "J", "goalQuantity": 1},
                                headers=bearer(new))
    assert response.status_code == 201


def test_missing_job_without_token_is_401_not_404(auth_client, role_tokens):
    assert_401(auth_client.get("/api/jobs/job_missing"))
    assert_401(auth_client.put("/api/jobs/job_missing", json={"name": "x"}))


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_missing_job_with_too_low_a_role_is_403_not_404(auth_client, role_tokens, method, role):
    response = auth_client.open("/api/jobs/job_missing", method=method, json={"name": "x"},
                                headers=bearer(role_tokens[role]))
    assert (response.status_code, response.json) == (
        403, error_body(403, "Forbidden", "This action requires the planner role"))


def test_missing_job_with_the_role_is_404(auth_client, role_tokens):
    response = auth_client.put("/api/jobs/job_missing", json={"name": "x"},
                               headers=bearer(role_tokens["planner"]))
    assert (response.status_code, response.json["message"]) == (
        404, "Job not found: job_missing")


@pytest.mark.parametrize("method,url,answer", [
    ("GET", "/api/nowhere", 404), ("GET", "/api", 404), ("GET", "/api/jobs/", 404),
    ("DELETE", "/api/jobs", 405), ("POST", "/api/health", 405),
])
def test_unknown_api_urls_and_wrong_methods_need_a_token_of_any_role(
        auth_client, role_tokens, method, url, answer):
    assert_401(auth_client.open(url, method=method))
    response = auth_client.open(url, method=method, headers=bearer(role_tokens["viewer"]))
    assert response.status_code == answer


def test_outside_api_nothing_is_checked(auth_client):
    assert auth_client.get("/favicon.ico").status_code == 404


def test_options_needs_a_token_of_any_role(auth_client, role_tokens):
    assert_401(auth_client.options("/api/jobs/job_missing"))
    response = auth_client.options("/api/jobs/job_missing", headers=bearer(role_tokens["viewer"]))
    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PUT", "PATCH", "DELETE"}
    assert auth_client.options("/api/health").status_code == 200


@pytest.mark.parametrize("body,content_type", [
    (b"{not json", "application/json"), (b"x" * (1024 * 1024 + 1), "application/json"),
    (b"name=x", "text/plain"),
])
def test_the_token_is_checked_before_the_body_is_read(auth_client, body, content_type):
    assert_401(auth_client.post("/api/jobs", data=body, content_type=content_type))


def test_last_used_is_written_at_most_once_a_minute(auth_client, role_tokens, monkeypatch):
    def last_used():
        with db.connection_context():
            return Token.get(Token.name == "viewer").last_used_at

    assert last_used() is None
    for now, expected in [(1_000_000, 1_000_000), (1_059_999, 1_000_000),
                          (1_060_000, 1_060_000), (1_070_000, 1_060_000)]:
        monkeypatch.setattr("jobs.clock.now_ms", lambda now=now: now)
        auth_client.get("/api/jobs", headers=bearer(role_tokens["viewer"]))
        assert last_used() == expected


def test_a_refused_request_writes_no_last_used(auth_client, role_tokens):
    auth_client.get("/api/jobs", headers={"Authorization": "Bearer shop_nope"})
    auth_client.get("/api/jobs")
    with db.connection_context():
        assert [t.last_used_at for t in Token.select()] == [None, None, None]


def test_a_read_is_answered_when_last_used_cannot_be_written(auth_client, role_tokens,
                                                             monkeypatch, caplog):
    def read_only(stmt, values, defer=False):
        if stmt.sql.startswith('UPDATE "token"'):
            raise OperationalError("attempt to write a readonly database")
        return run(stmt, values, defer)

    monkeypatch.setattr(statements, "run", read_only)
    response = auth_client.get("/api/jobs", headers=bearer(role_tokens["viewer"]))
    assert (response.status_code, response.json) == (200, [])
    assert "could not record the use of token viewer" in caplog.text


def test_writes_are_recorded_under_the_token_name(auth_client, role_tokens):
    auth_client.post("/api/jobs", json={"name": "J", "goalQuantity": 1},
                     headers=bearer(role_tokens["planner"]))
    events = auth_client.get("/api/events", headers=bearer(role_tokens["viewer"])).json
    assert [e["actor"] for e in events] == ["planner"]


def test_writes_are_anonymous_when_auth_is_off(client, job):
    assert [e["actor"] for e in client.get("/api/events").json] == ["anonymous"]


def test_a_warning_at_start_when_auth_is_off(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="jobs.http.auth"):
        make_app()
        make_app(AUTH_REQUIRED=True)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [("WARNING", OPEN_WARNING)]


@pytest.mark.parametrize("value,required", [
    ("true", True), ("TRUE", True), (" yes ", True), ("1", True), ("Yes", True),
    ("false", False), ("False", False), ("0", False), ("no", False),
])
def test_auth_required_from_the_environment(make_app, monkeypatch, value, required):
    monkeypatch.setenv("AUTH_REQUIRED", value)
    app = make_app()
    assert app.config["AUTH_REQUIRED"] is required
    assert app.test_client().get("/api/jobs").status_code == (401 if required else 200)


@pytest.mark.parametrize("value", ["maybe", "", "2", "on", "truee"])
def test_any_other_auth_required_stops_the_start_with_one_line(make_app, monkeypatch, value):
    monkeypatch.setenv("AUTH_REQUIRED", value)
    with pytest.raises(ConfigError) as stopped:
        make_app()
    assert stopped.value.code == (
        f"AUTH_REQUIRED must be true or false (or 1/0, yes/no), not {value!r}")
