"""Profile the service's PUT (or GET) /api/jobs/<id> in-process with pyinstrument, auth on.

Usage: `python bench/profile_put.py [PUT|GET] [--requests 2000]`. Prints the
CPU time per request of the service and of the bare view (bench/bare_app.py)
through Flask's test client (no network, no gunicorn), then the service's
call tree.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

from pyinstrument import Profiler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import create_app  # noqa: E402
from bench.bare_app import app as bare_app  # noqa: E402
from bench.load_bench import SEED_JOB, SEED_PUT  # noqa: E402
from jobs.services.tokens import create_token  # noqa: E402
from jobs.store.db import db  # noqa: E402


def sender(client, method: str, url: str, headers: dict):
    """Return a function that sends one request and checks it succeeded."""
    def send():
        response = client.open(url, method=method, data=SEED_PUT if method == "PUT" else None,
                               content_type="application/json", headers=headers)
        assert response.status_code == 200, response.data

    return send


def cpu_per_request(send, count: int) -> float:
    """Return the CPU microseconds per call of `send`, after a warm-up."""
    for _ in range(count // 10):
        send()
    started = time.process_time()
    for _ in range(count):
        send()
    return (time.process_time() - started) / count * 1e6


def main() -> None:
    """Time the service and the bare view, then print the service's profile."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("method", nargs="?", default="PUT", choices=["PUT", "GET"])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        client = create_app({"DATABASE_URL": f"sqlite:///{tmp}/profile.db",
                             "AUTH_REQUIRED": True}, upgrade_schema=True).test_client()
        with db.connection_context():
            headers = {"Authorization": f"Bearer {create_token('bench', 'planner')}"}
        job = client.post("/api/jobs", json=SEED_JOB, headers=headers).json
        service = sender(client, args.method, f"/api/jobs/{job['id']}", headers)
        bare = sender(bare_app.test_client(), args.method, f"/api/jobs/{job['id']}", headers)
        print(f"{args.method} service {cpu_per_request(service, args.requests):.0f} us/req, "
              f"bare {cpu_per_request(bare, args.requests):.0f} us/req (CPU, in-process)")
        profiler = Profiler(interval=0.0002)
        with profiler:
            for _ in range(args.requests):
                service()
        print(profiler.output_text(color=False))


if __name__ == "__main__":
    main()
