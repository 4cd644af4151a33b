"""docs/api.md, Conventions: request bodies, the error envelope, odd URLs."""
import logging

import pytest

from jobs.services import jobs as job_service


def put_raw(client, job_id, raw, content_type="application/json", **kwargs):
    return client.put(f"/api/jobs/{job_id}", data=raw, content_type=content_type, **kwargs)


def assert_error(response, status, reason, message):
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json == {"statusCode": status, "statusMessage": reason, "message": message}


@pytest.mark.parametrize("raw,message", [
    (b"{bad", "Request body must be valid JSON"),
    (b'{"name": "a",}', "Request body must be valid JSON"),
    (b'{"goalQuantity": NaN}', "Request body must be valid JSON"),
    (b'{"goalQuantity": Infinity}', "Request body must be valid JSON"),
    (b'{"goalQuantity": -Infinity}', "Request body must be valid JSON"),
    (b'{"name": "\\ud800"}', "Request body must be valid JSON"),
    (b'{"name": "ok", "x": ["\\udfff"]}', "Request body must be valid JSON"),
    (b'{"name": "\xff"}', "Request body must be valid JSON"),
    (b"[" * 100000, "Request body must be valid JSON"),
    (b"   ", "Request body must be valid JSON"),
    (b"[]", "Request body must be a JSON object"),
    (b'"JOB-1"', "Request body must be a JSON object"),
    (b"75", "Request body must be a JSON object"),
    (b"null", "Request body must be a JSON object"),
])
def test_unreadable_bodies_are_400(client, job, raw, message):
    assert_error(put_raw(client, job["id"], raw), 400, "Bad Request", message)
    assert client.get(f"/api/jobs/{job['id']}").json["name"] == job["name"]


def test_surrogate_pair_escape_is_valid(client, job):
    response = put_raw(client, job["id"], b'{"name": "gear \\ud83d\\ude00"}')
    assert (response.status_code, response.json["name"]) == (200, "gear \U0001F600")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_non_json_media_type_is_415(client, job, content_type):
    response = client.put(
        f"/api/jobs/{job['id']}", data=b'{"name": "x"}',
        headers={"Content-Type": content_type} if content_type else {},
    )
    assert_error(response, 415, "Unsupported Media Type", "Content-Type must be application/json")
    assert client.get(f"/api/jobs/{job['id']}").json["name"] == job["name"]


def test_json_with_charset_is_accepted(client, job):
    response = put_raw(client, job["id"], b'{"name": "x"}', "application/json; charset=utf-8")
    assert response.status_code == 200


def test_body_over_1_mib_is_413(client, job):
    raw = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
    assert_error(put_raw(client, job["id"], raw), 413, "Request Entity Too Large",
                 "Request body must be at most 1 MiB")
    assert client.get(f"/api/jobs/{job['id']}").json["name"] == job["name"]


def test_unknown_route_is_json_404(client):
    assert_error(client.get("/api/nothing"), 404, "Not Found", "Not Found")
    assert_error(client.get("/"), 404, "Not Found", "Not Found")


def test_wrong_method_is_json_405_with_allow(client, job):
    response = client.post(f"/api/jobs/{job['id']}")
    assert_error(response, 405, "Method Not Allowed", "Method Not Allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize("path", ["/api/jobs/", "/api/health/"])
def test_trailing_slash_is_json_not_redirect(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json["statusCode"] == 404


@pytest.mark.parametrize("job_id,shown", [
    ("job_%22quoted%22", 'job_"quoted"'),
    ("a%00b", "a\x00b"),
    ("x" * 2000, "x" * 2000),
    ("%E2%9C%93", "\u2713"),
    ("'; DROP TABLE job; --", "'; DROP TABLE job; --"),
])
def test_odd_ids_are_clean_404(client, job, job_id, shown):
    for method in ("get", "put", "delete"):
        response = getattr(client, method)(f"/api/jobs/{job_id}", json={"name": "x"})
        assert_error(response, 404, "Not Found", f"Job not found: {shown}")
    assert client.get("/api/jobs").json == [job]


def test_encoded_slash_in_id_is_clean_404(client):
    assert_error(client.get("/api/jobs/a%2Fb"), 404, "Not Found", "Not Found")


def test_crash_is_bare_500_and_logged(client, monkeypatch, caplog):
    def explode():
        raise RuntimeError("SELECT secret FROM /var/lib/shop.db")

    monkeypatch.setattr(job_service, "job_list", explode)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/jobs")
    assert_error(response, 500, "Internal Server Error", "Internal Server Error")
    assert b"secret" not in response.data
    assert "SELECT secret" in caplog.text


def test_json_keys_are_not_sorted(client, job):
    assert list(client.get(f"/api/jobs/{job['id']}").json)[:3] == ["id", "name", "goalQuantity"]


def test_doubled_slash_is_json_404_not_redirect(client, job):
    for path in ("/api//jobs", f"/api//jobs/{job['id']}"):
        assert_error(client.get(path), 404, "Not Found", "Not Found")


def test_empty_responses_have_no_content_type(client, job):
    deleted = client.delete(f"/api/jobs/{job['id']}")
    options = client.options("/api/jobs")
    assert (deleted.status_code, options.status_code) == (204, 200)
    assert "Content-Type" not in deleted.headers
    assert "Content-Type" not in options.headers


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate"])
def test_compressed_body_is_415(client, job, encoding):
    response = put_raw(client, job["id"], b'{"name": "x"}', headers={"Content-Encoding": encoding})
    assert_error(response, 415, "Unsupported Media Type", "Content-Encoding is not supported")
    assert client.get(f"/api/jobs/{job['id']}").json["name"] == job["name"]
