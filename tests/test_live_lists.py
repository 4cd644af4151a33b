"""Streamed lists under real gunicorn (docs/api.md, Lists: pages and filters)."""
import json
import socket
import sqlite3
import struct
import time

import pytest
import requests

from tests.live import create_job

pytestmark = pytest.mark.live

SERIALS = 30000


@pytest.fixture(scope="module")
def listed(server):
    """A job with one path and 30,000 serials (about 6 MB of JSON): its id."""
    job = create_job(server.base)
    path = requests.post(f"{server.base}/api/paths", json={
        "jobId": job["id"], "name": "Main Route", "goalQuantity": 1, "steps": [{"name": "Cut"}],
    }, timeout=10).json()
    for _ in range(SERIALS // 10000):
        body = {"jobId": job["id"], "pathId": path["id"], "quantity": 10000}
        assert requests.post(f"{server.base}/api/serials", json=body, timeout=30).status_code == 201
    return job["id"]


def pages(base: str, url: str) -> list[dict]:
    items = []
    while url:
        response = requests.get(base + url, timeout=30)
        items += response.json()
        url = response.links.get("next", {}).get("url")
    return items


def test_the_whole_list_is_streamed_in_chunks_and_equals_its_pages(server, listed):
    response = requests.get(f"{server.base}/api/serials?jobId={listed}", timeout=60)
    assert response.status_code == 200
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in response.headers
    items = pages(server.base, f"/api/serials?jobId={listed}&limit=1000")
    assert len(items) == SERIALS
    expected = json.dumps(items, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert response.content == expected.encode()


def cut_short(base: str, path: str, keep: int = 16384) -> None:
    """Send GET `path`, read `keep` bytes of the answer, then reset the connection."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        received = b""
        while len(received) < keep:
            received += sock.recv(65536)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    assert received.startswith(b"HTTP/1.1 200 OK")


def test_a_client_gone_mid_stream_frees_the_worker_and_its_connection(server, listed):
    for _ in range(4):
        cut_short(server.base, f"/api/serials?jobId={listed}")
    deadline = time.monotonic() + 10
    answered = 0
    while answered < 6 and time.monotonic() < deadline:
        created = create_job(server.base, name="AFTER")
        answered += requests.get(f"{server.base}/api/jobs/{created['id']}", timeout=5).ok
    assert answered == 6
    # No worker is left inside a read: a TRUNCATE checkpoint needs every reader gone.
    with sqlite3.connect(server.db_path) as check:
        busy, _, _ = check.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0
