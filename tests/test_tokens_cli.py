"""`flask token create|list|revoke` (docs/api.md, Authentication and roles)."""
import hashlib
import os
import re
import subprocess
import sys

import pytest

from jobs.store.db import db
from jobs.store.models import Token
from tests.helpers import migrate
from tests.live import ROOT

TOKEN = re.compile(r"shop_[A-Za-z0-9_-]{43}")
BAD_NAME = "Error: NAME must be 1 to 64 letters, digits, '.', '_' or '-'\n"
BAD_ROLE = "Error: ROLE must be one of: viewer, operator, planner\n"
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture
def run(app):
    """Invoke `flask token ...` on the app's database; return click's result."""
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["token", *args])


def stored_tokens() -> list[Token]:
    with db.connection_context():
        return list(Token.select().order_by(Token.id))


def test_create_prints_only_the_token_and_stores_only_its_hash(run):
    result = run("create", "saw-1", "--role", "operator")
    assert (result.exit_code, result.stderr) == (0, "")
    assert TOKEN.fullmatch(result.stdout.rstrip("\n"))
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1
    secret = result.stdout.strip()
    (token,) = stored_tokens()
    assert (token.name, token.role, token.revoked_at, token.last_used_at) == (
        "saw-1", "operator", None, None)
    assert token.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()


def test_tokens_are_different_each_time(run):
    made = {run("create", f"t{i}", "--role", "viewer").stdout for i in range(5)}
    assert len(made) == 5


@pytest.mark.parametrize("name", ["a", "A.b_c-9", "x" * 64])
def test_good_names(run, name):
    assert run("create", name, "--role", "planner").exit_code == 0


@pytest.mark.parametrize("args", [
    ("create", "", "--role", "viewer"), ("create", "x" * 65, "--role", "viewer"),
    ("create", "bad name", "--role", "viewer"), ("create", "a/b", "--role", "viewer"),
    ("create", "é", "--role", "viewer"), ("create", "a\n", "--role", "viewer"),
    ("create", "--role", "viewer"), ("revoke",), ("revoke", "bad name"),
], ids=["empty", "65-chars", "space", "slash", "non-ascii", "newline", "missing", "revoke-missing",
        "revoke-space"])
def test_a_bad_name_is_one_line_and_status_1(run, args):
    result = run(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", BAD_NAME)
    assert stored_tokens() == []


@pytest.mark.parametrize("role", ["admin", "Viewer", "", "viewer ", None])
def test_an_unknown_role_is_one_line_and_status_1(run, role):
    result = run("create", "ok", *(() if role is None else ("--role", role)))
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", BAD_ROLE)
    assert stored_tokens() == []


def test_a_duplicate_name_is_one_line_and_status_1(run):
    run("create", "anna", "--role", "planner")
    result = run("create", "anna", "--role", "viewer")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "Error: A token named anna already exists\n")
    assert [(t.name, t.role) for t in stored_tokens()] == [("anna", "planner")]


def test_revoke_then_the_name_can_be_used_again(run):
    run("create", "anna", "--role", "planner")
    result = run("revoke", "anna")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Revoked token anna.\n", "")
    assert run("create", "anna", "--role", "viewer").exit_code == 0
    assert [(t.role, t.revoked_at is None) for t in stored_tokens()] == [
        ("planner", False), ("viewer", True)]


@pytest.mark.parametrize("setup", [(), (("create", "anna", "--role", "viewer"),
                                        ("revoke", "anna"))], ids=["unknown", "already-revoked"])
def test_revoking_an_unknown_name_is_one_line_and_status_1(run, setup):
    for args in setup:
        run(*args)
    result = run("revoke", "anna")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "Error: Token not found: anna\n")


def test_list_one_line_per_token_without_secrets(run, monkeypatch):
    assert (run("list").exit_code, run("list").stdout) == (0, "")
    monkeypatch.setattr("jobs.clock.now_ms", lambda: 1705769100000)
    secret = run("create", "anna", "--role", "planner").stdout.strip()
    run("create", "saw-1", "--role", "operator")
    monkeypatch.setattr("jobs.clock.now_ms", lambda: 1705769160123)
    run("revoke", "saw-1")
    result = run("list")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "anna\tplanner\t2024-01-20T16:45:00.000Z\t-\t-\n"
        "saw-1\toperator\t2024-01-20T16:45:00.000Z\t-\t2024-01-20T16:46:00.123Z\n")
    assert secret not in result.stdout and secret[5:] not in result.stdout


def test_list_shows_last_used(auth_app, monkeypatch):
    runner = auth_app.test_cli_runner()
    secret = runner.invoke(args=["token", "create", "anna", "--role", "viewer"]).stdout.strip()
    monkeypatch.setattr("jobs.clock.now_ms", lambda: 1705769100000)
    auth_app.test_client().get("/api/jobs", headers={"Authorization": f"Bearer {secret}"})
    line = runner.invoke(args=["token", "list"]).stdout
    assert re.fullmatch(rf"anna\tviewer\t{STAMP}\t2024-01-20T16:45:00.000Z\t-\n", line)


def flask(tmp_path, *args, auth_required=None):
    """Run the real `flask --app app ...` in a subprocess on tmp_path/cli.db."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    env.pop("AUTH_REQUIRED", None)
    if auth_required is not None:
        env["AUTH_REQUIRED"] = auth_required
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("auth_required", [None, "false", "true"])
def test_the_real_command_prints_only_the_token_and_errors_in_one_line(tmp_path, auth_required):
    migrate(f"sqlite:///{tmp_path}/cli.db")
    made = flask(tmp_path, "token", "create", "anna", "--role", "planner",
                 auth_required=auth_required)
    assert (made.returncode, made.stderr) == (0, "")
    assert TOKEN.fullmatch(made.stdout.rstrip("\n"))
    again = flask(tmp_path, "token", "create", "anna", "--role", "planner",
                  auth_required=auth_required)
    assert (again.returncode, again.stdout, again.stderr) == (
        1, "", "Error: A token named anna already exists\n")


@pytest.mark.slow
def test_a_bad_auth_required_stops_the_command_with_one_line(tmp_path):
    result = flask(tmp_path, "token", "list", auth_required="maybe")
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", "AUTH_REQUIRED must be true or false (or 1/0, yes/no), not 'maybe'\n")
