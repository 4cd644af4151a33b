"""GET /api/lookup (docs/api.md, Scans: Lookup), on both databases: every kind answered as its
own GET answers it, the code trimmed, serial ids without regard to case, the errors."""
import pytest

from tests.conftest import error_body


def lookup(client, code):
    return client.get("/api/lookup", query_string={"code": code})


@pytest.fixture
def made(job, path, make_serials):
    return {"job": job, "path": path, "serial": make_serials(path, 10)[9]}


def test_a_serial_is_get_serial_with_steps(client, made):
    serial_id = made["serial"]["id"]
    response = lookup(client, serial_id)
    assert response.status_code == 200
    assert list(response.json) == ["kind", "serial"]
    assert response.json == {"kind": "serial",
                             "serial": client.get(f"/api/serials/{serial_id}").json}
    assert "steps" in response.json["serial"]


@pytest.mark.parametrize("scanned", ["sn-00010", "Sn-00010", " SN-00010\r\n", "\tsn-00010\n"])
def test_white_space_is_trimmed_and_serial_ids_match_without_regard_to_case(client, made,
                                                                            scanned):
    assert made["serial"]["id"] == "SN-00010"
    response = lookup(client, scanned)
    assert (response.status_code, response.json["serial"]["id"]) == (200, "SN-00010")


def test_a_job_by_id_and_by_its_exact_jira_ticket_key(client, made):
    job_id = made["job"]["id"]
    expected = {"kind": "job", "job": client.get(f"/api/jobs/{job_id}").json}
    assert "paths" in expected["job"] and "progress" in expected["job"]
    assert lookup(client, job_id).json == expected
    assert lookup(client, " PI-42\r\n").json == expected
    assert lookup(client, "pi-42").status_code == 404


def test_two_jobs_with_the_ticket_key_are_409(client, made, make_job):
    make_job(name="second")
    response = lookup(client, "PI-42 ")
    assert (response.status_code, response.json) == (409, error_body(
        409, "Conflict", "Code PI-42 matches more than one job"))


def test_a_path_is_get_path(client, made):
    path_id = made["path"]["id"]
    assert lookup(client, f"\n{path_id}").json == {
        "kind": "path", "path": client.get(f"/api/paths/{path_id}").json}


def test_a_step_is_the_step_object_with_its_path_and_job(client, made):
    step = made["path"]["steps"][1]
    response = lookup(client, step["id"])
    assert response.status_code == 200
    assert response.json == {"kind": "step", "step": {
        **step, "pathId": made["path"]["id"], "jobId": made["job"]["id"]}}
    assert list(response.json["step"])[-2:] == ["pathId", "jobId"]


@pytest.mark.parametrize("code", ["SN-99999", "  nothing-here \r\n", "job_missing00000",
                                  "sn-1x"])
def test_nothing_matches_names_the_trimmed_code(client, made, code):
    response = lookup(client, code)
    assert (response.status_code, response.json) == (404, error_body(
        404, "Not Found", f"Nothing matches {code.strip()}"))


@pytest.mark.parametrize("query", ["", "?code=", "?code=%20%0D%0A", "?other=1"])
def test_an_empty_code_is_400(client, query):
    response = client.get(f"/api/lookup{query}")
    assert (response.status_code, response.json["message"]) == (400, "code is required")


def test_a_code_given_twice_or_with_nul_is_400(client):
    twice = client.get("/api/lookup?code=a&code=b")
    assert (twice.status_code, twice.json["message"]) == (400, "code must be given at most once")
    nul = client.get("/api/lookup?code=a%00b")
    assert (nul.status_code, nul.json["message"]) == (400, "code must not contain NUL characters")


def test_lookup_needs_the_viewer_role(auth_client, role_tokens):
    from tests.conftest import bearer
    assert auth_client.get("/api/lookup?code=x").status_code == 401
    answer = auth_client.get("/api/lookup?code=x", headers=bearer(role_tokens["viewer"]))
    assert answer.status_code == 404
