"""nginx (deploy/shop-jobs.nginx.conf) in front of gunicorn, end to end on loopback."""
import http.client
import json
import socket

import pytest
import requests
from werkzeug.http import HTTP_STATUS_CODES

from tests.live import Gunicorn, Nginx, create_job, free_port, wait_for_text

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nginx")
    app = Gunicorn(tmp / "shop.db", workers=2, env={"TRUSTED_PROXIES": "1"})
    (tmp / "nginx").mkdir()
    try:
        proxy = Nginx(tmp / "nginx", app.port)
    except RuntimeError:
        app.stop()
        raise
    yield app, proxy
    proxy.stop()
    app.stop()
    assert "Traceback" not in app.log_text()


def send(port, method, path, body=b"", headers=None, source="127.0.0.1"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15,
                                      source_address=(source, 0))
    conn.request(method, path, body=body, headers={"Content-Type": "application/json",
                                                    **(headers or {})})
    response = conn.getresponse()
    result = response.status, response.headers, response.read()
    conn.close()
    return result


def test_seed_put_through_nginx(stack):
    app, proxy = stack
    job = create_job(proxy.base)
    url = f"{proxy.base}/api/jobs/{job['id']}"
    both = requests.put(url, json={"name": "JOB-2024-001-REV2", "goalQuantity": 75}, timeout=10)
    assert both.status_code == 200
    assert (both.json()["name"], both.json()["goalQuantity"]) == ("JOB-2024-001-REV2", 75)
    goal = requests.put(url, json={"goalQuantity": 100}, timeout=10)
    assert (goal.json()["name"], goal.json()["goalQuantity"]) == ("JOB-2024-001-REV2", 100)
    direct = requests.get(f"{app.base}/api/jobs/{job['id']}", timeout=10)
    assert direct.json()["goalQuantity"] == 100


def test_body_over_1_mib_is_nginx_json_413(stack):
    app, proxy = stack
    job = create_job(proxy.base)
    body = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    status, headers, data = send(proxy.port, "PUT", f"/api/jobs/{job['id']}", body,
                                 {"X-Request-ID": "big-1"})
    assert (status, headers["Content-Type"], headers["X-Request-ID"]) == (
        413, "application/json", "big-1")
    assert json.loads(data) == {"statusCode": 413, "statusMessage": "Request Entity Too Large",
                                "message": "Request body must be at most 1 MiB"}
    stored = requests.get(f"{app.base}/api/jobs/{job['id']}", timeout=10).json()
    assert stored["name"] == job["name"]
    assert "big-1" not in app.log_text()


def test_app_sees_the_client_address_and_request_id(stack):
    """The client connects from 127.0.0.2; nginx from 127.0.0.1 adds it to X-Forwarded-For."""
    app, proxy = stack
    job = create_job(proxy.base)
    status, headers, _ = send(proxy.port, "PUT", f"/api/jobs/{job['id']}", b'{"name": "XFF"}',
                              {"X-Forwarded-For": "203.0.113.66"}, source="127.0.0.2")
    assert status == 200
    rid = headers["X-Request-ID"]
    assert app.wait_for_log(f'127.0.0.2 rid={rid} "PUT /api/jobs/{job["id"]} HTTP/1.0" 200')
    assert wait_for_text(proxy.prefix / "access.log", f"127.0.0.2 rid={rid} ")


@pytest.mark.parametrize("incoming", [None, "a b", "x" * 129])
def test_nginx_id_is_used_when_the_client_sends_none_or_an_unsafe_one(stack, incoming):
    app, proxy = stack
    headers = {"X-Request-ID": incoming} if incoming else {}
    status, answered, _ = send(proxy.port, "GET", "/api/health", headers=headers)
    rid = answered["X-Request-ID"]
    assert status == 200 and rid != incoming
    assert app.wait_for_log(f'rid={rid} "GET /api/health')
    assert wait_for_text(proxy.prefix / "access.log", f"rid={rid} ")


def test_upstream_down_is_json_502(tmp_path):
    proxy = Nginx(tmp_path, free_port())
    try:
        status, headers, data = send(proxy.port, "GET", "/api/health",
                                     headers={"X-Request-ID": "down-1"})
    finally:
        proxy.stop()
    assert (status, headers["Content-Type"], headers["X-Request-ID"]) == (
        502, "application/json", "down-1")
    assert json.loads(data) == {"statusCode": 502, "statusMessage": "Bad Gateway",
                                "message": "Bad Gateway"}


@pytest.mark.parametrize("path,headers,status,reason", [
    ("/api/jobs/" + "a" * 9000, {}, 414, "Request URI Too Long"),
    ("/api/jobs", {"X-Big": "b" * 9000}, 400, "Bad Request"),
])
def test_nginx_limits_answer_json(stack, path, headers, status, reason):
    _, proxy = stack
    code, response_headers, body = send(proxy.port, "GET", path, headers=headers)
    assert (code, response_headers["Content-Type"]) == (status, "application/json")
    assert json.loads(body) == {"statusCode": status, "statusMessage": reason, "message": reason}


def test_credentials_in_the_query_are_in_neither_access_log(stack):
    app, proxy = stack
    query = ("access_token=sekrit1&limit=5&API_KEY=sekrit2&client_secret=sekrit3"
             "&password=sekrit4&x-auth=sekrit5")
    status, headers, _ = send(proxy.port, "GET", f"/api/jobs?{query}")
    assert status == 200
    rid = headers["X-Request-ID"]
    assert app.wait_for_log(f"rid={rid} ")
    assert wait_for_text(proxy.prefix / "access.log", f"rid={rid} ")
    assert "access_token=REDACTED&limit=5&API_KEY=REDACTED" in app.log_text()
    for log in (app.log_text(), (proxy.prefix / "access.log").read_text()):
        assert "sekrit" not in log


MALFORMED = {
    "control byte": (b"GET /api/jobs HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n", 400),
    "101 headers": (b"GET /api/jobs HTTP/1.1\r\nHost: x\r\n"
                    + b"".join(b"X-H%d: v\r\n" % i for i in range(101)), 431),
    "Content-Type twice": (b"POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                           b"Content-Type: application/json\r\nContent-Type: text/plain\r\n",
                           400),
    "TRACE": (b"TRACE /api/jobs HTTP/1.1\r\nHost: x\r\n", 405),
    "gzip transfer coding": (b"POST /api/jobs HTTP/1.1\r\nHost: x\r\n"
                             b"Transfer-Encoding: gzip\r\n", None),
    "HTTP/2.0 request line": (b"GET /api/jobs HTTP/2.0\r\nHost: x\r\n", None),
    "an internal location": (b"GET /.shop-read HTTP/1.1\r\nHost: x\r\n", 404),
}


def raw_request(port: int, head: bytes) -> tuple[int, dict, bytes]:
    """Send `head` (request line and headers) as is; return the status, headers and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(head + b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head_text, _, body = answer.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_every_error_of_nginx_and_gunicorn_is_the_json_envelope(stack, case):
    app, proxy = stack
    head, status = MALFORMED[case]
    for port in (proxy.port, app.port):
        code, headers, body = raw_request(port, head)
        assert code >= 400 and (status is None or code == status)
        assert headers["Content-Type"] == "application/json"
        assert len(headers["X-Request-ID"]) >= 16
        phrase = HTTP_STATUS_CODES[code]
        assert json.loads(body) == {"statusCode": code, "statusMessage": phrase,
                                    "message": phrase}
        # No version in the Server header (server_tokens off).
        assert "/" not in headers.get("Server", "")


def test_a_page_whose_link_repeats_a_long_query_passes_nginx(stack):
    app, proxy = stack
    key = "K" * 6000
    for _ in range(2):
        create_job(proxy.base, jiraTicketKey=key)
    response = requests.get(f"{proxy.base}/api/jobs", timeout=10,
                            params={"jiraTicketKey": key, "limit": 1, "unknown": "u" * 1000})
    assert response.status_code == 200 and len(response.json()) == 1
    link = response.headers["Link"]
    assert len(link) > 6000 and "unknown" not in link
    following = requests.get(proxy.base + link[1:link.index(">")], timeout=10)
    assert following.status_code == 200 and len(following.json()) == 1
