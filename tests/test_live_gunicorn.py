"""The Jobs contract against real `gunicorn wsgi:app` with 2 worker processes."""
import contextlib
import http.client
import json
import socket

import pytest
import requests

from tests.live import create_job

pytestmark = pytest.mark.live


def test_seed_curl_examples(server):
    job = create_job(server.base)
    url = f"{server.base}/api/jobs/{job['id']}"
    both = requests.put(url, json={"name": "JOB-2024-001-REV2", "goalQuantity": 75}, timeout=10)
    assert both.status_code == 200
    assert (both.json()["name"], both.json()["goalQuantity"]) == ("JOB-2024-001-REV2", 75)
    goal = requests.put(url, json={"goalQuantity": 100}, timeout=10).json()
    assert (goal["name"], goal["goalQuantity"], goal["jiraTicketKey"]) == (
        "JOB-2024-001-REV2", 100, "PI-42")


def stored_name(server, job) -> str:
    return requests.get(f"{server.base}/api/jobs/{job['id']}", timeout=10).json()["name"]


def raw_put(server, path, body: bytes, chunked: bool):
    """PUT `body` over a raw socket; the answer is read even if the server closed mid-upload."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    if chunked:
        pieces = (body[i:i + 65536] for i in range(0, len(body), 65536))
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    head = (f"PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"{framing}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as conn:
        # An early 413 closes the connection before the upload ends.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.sendall(head + body)
        response = http.client.HTTPResponse(conn)
        response.begin()
        return response.status, response.read()


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_body_is_json_413(server, chunked):
    job = create_job(server.base)
    body = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    status, data = raw_put(server, f"/api/jobs/{job['id']}", body, chunked)
    assert status == 413
    assert b'"message":"Request body must be at most 1 MiB"' in data
    assert stored_name(server, job) == job["name"]


def test_chunked_body_within_limit_is_read(server):
    job = create_job(server.base)
    status, data = raw_put(server, f"/api/jobs/{job['id']}", b'{"name": "CHUNKED"}', True)
    assert status == 200
    assert b'"name":"CHUNKED"' in data


@pytest.mark.parametrize("chunks", [b"zz\r\n{}\r\n0\r\n\r\n", b"2\r\n{}XX0\r\n\r\n"])
def test_malformed_chunked_body_is_400(server, chunks):
    job = create_job(server.base)
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as conn:
        conn.sendall(
            f"PUT /api/jobs/{job['id']} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode() + chunks
        )
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert json.loads(body) == {
        "statusCode": 400, "statusMessage": "Bad Request",
        "message": "Request body could not be read",
    }
    assert stored_name(server, job) == job["name"]


def test_long_id_within_request_line_limit_is_json_404(server):
    job_id = "a" * 6000
    response = requests.get(f"{server.base}/api/jobs/{job_id}", timeout=10)
    assert (response.status_code, response.json()["message"]) == (404, f"Job not found: {job_id}")


def test_body_cut_short_of_content_length_is_400_and_not_applied(server):
    job = create_job(server.base)
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as conn:
        conn.sendall(
            f"PUT /api/jobs/{job['id']} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 26\r\n\r\n".encode() + b'{"name":"direct"}'
        )
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert json.loads(body)["message"] == "Request body could not be read"
    assert stored_name(server, job) == job["name"]
