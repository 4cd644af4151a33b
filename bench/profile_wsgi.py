"""Profile the service per request, in one worker: the WSGI app called with a prepared environ.

Usage: `python bench/profile_wsgi.py [PUT|GET|ADVANCE] [--requests 3000] [--profile]
[--time MODULE:NAME ...]`. Builds
the app as gunicorn's worker has it (auth on with a planner token, history on, metrics in
multiprocess mode, `synchronous=FULL`, a temporary SQLite file), then calls `app(environ,
start_response)` in a loop with the environ gunicorn would pass for PUT /api/jobs/<id> (the
Update Job example's body), GET /api/jobs/<id> or POST /api/serials/<id>/advance (`{}`, the
next of 3000 serials on a 10-step path each time). Prints the CPU µs per request (median of 5
batches), then the µs each request hook and the view take of it (each timed on its own, the rest
is Flask, Werkzeug and the response; `--time` times more functions, each named where its caller
looks it up, e.g. `jobs.views.jobs:service.job_detail` or `jobs.views.jobs:detail_schema.dump`,
which then counts inside its caller's figure too); with `--profile`, cProfile's top functions
by cumulative and by own time.
"""
import argparse
import cProfile
import importlib
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="profile-wsgi-"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import create_app  # noqa: E402
from bench.load_bench import SEED_JOB, SEED_PUT  # noqa: E402
from jobs.services.tokens import create_token  # noqa: E402
from jobs.store.db import db  # noqa: E402

SERIALS, STEPS = 3000, 10


def environ(method: str, path: str, token: str, body: bytes = b"") -> dict:
    """A fresh WSGI environ, as gunicorn's sync worker builds it (the body in a BytesIO)."""
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "RAW_URI": path,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_AUTHORIZATION": f"Bearer {token}", "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": False,
            "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0)}


def seed(app, token: str) -> tuple[str, list[str]]:
    """Create the example job and a job with SERIALS serials; return the job's and serials' ids."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    job = client.post("/api/jobs", json=SEED_JOB, headers=headers).json
    moving = client.post("/api/jobs", json=SEED_JOB, headers=headers).json
    path = client.post("/api/paths", headers=headers, json={
        "jobId": moving["id"], "name": "Bench", "goalQuantity": SERIALS,
        "steps": [{"name": f"Step {i}"} for i in range(STEPS)]}).json
    serials = client.post("/api/serials", headers=headers, json={
        "jobId": moving["id"], "pathId": path["id"], "quantity": SERIALS}).json
    return job["id"], [serial["id"] for serial in serials]


def requester(app, method: str, token: str, job_id: str, serials: list[str]):
    """Return a function that sends one request of `method` and checks its status."""
    sent = [0]

    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    def send():
        if method == "ADVANCE":
            serial = serials[sent[0] % len(serials)]
            env = environ("POST", f"/api/serials/{serial}/advance", token, b"{}")
        elif method == "PUT":
            env = environ("PUT", f"/api/jobs/{job_id}", token, SEED_PUT.encode())
        else:
            env = environ("GET", f"/api/jobs/{job_id}", token)
        sent[0] += 1
        body = app(env, start_response)
        b"".join(body)
        getattr(body, "close", lambda: None)()

    return send


def cpu_per_request(send, count: int) -> float:
    """The median CPU µs per request over 5 batches of `count // 5`."""
    batches = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(count // 5):
            send()
        batches.append((time.process_time() - started) / (count // 5) * 1e6)
    return statistics.median(batches)


def timed_hooks(app, names: list[str]) -> dict:
    """Wrap every hook of `app`, its views and the functions `names` (`module:attr.attr`) in a
    CPU timer; return name -> total ns (a function of `names` also counts in its caller's)."""
    spent = defaultdict(int)

    def timer(name: str, func):
        def timed(*args, **kwargs):
            started = time.process_time_ns()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] += time.process_time_ns() - started
        return timed

    for kind in ("before_request_funcs", "after_request_funcs", "teardown_request_funcs"):
        for funcs in getattr(app, kind).values():
            funcs[:] = [timer(f"{kind.split('_')[0]} {f.__module__}.{f.__qualname__}", f)
                        for f in funcs]
    for endpoint, view in app.view_functions.items():
        wrapped = timer(f"view {endpoint}", view)
        wrapped.__dict__.update(view.__dict__)
        app.view_functions[endpoint] = wrapped
    for name in names:
        module, _, path = name.partition(":")
        *parents, attr = path.split(".")
        owner = importlib.import_module(module)
        for parent in parents:
            owner = getattr(owner, parent)
        setattr(owner, attr, timer(name, getattr(owner, attr)))
    return spent


def main() -> None:
    """Time the requests; with --profile print where the time goes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("method", nargs="?", default="PUT", choices=["PUT", "GET", "ADVANCE"])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--limit", type=int, default=45)
    parser.add_argument("--time", nargs="*", default=[], metavar="MODULE:NAME")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/profile.db", "AUTH_REQUIRED": True},
                         upgrade_schema=True)
        with db.connection_context():
            token = create_token("bench", "planner")
        send = requester(app, args.method, token, *seed(app, token))
        for _ in range(200):
            send()
        print(f"{args.method} {cpu_per_request(send, args.requests):.0f} µs/request (CPU)")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(lambda: [send() for _ in range(args.requests)])
            for order in ("cumulative", "tottime"):
                pstats.Stats(profiler).strip_dirs().sort_stats(order).print_stats(args.limit)
        print_parts(app, send, args.requests, args.time)


def print_parts(app, send, count: int, names: list[str]) -> None:
    """Send `count` requests with the hooks, views and `names` timed; print µs per request each."""
    spent = timed_hooks(app, names)
    started = time.process_time_ns()
    for _ in range(count):
        send()
    total = time.process_time_ns() - started
    for name, ns in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"  {ns / count / 1000:6.1f} µs  {name}")
    rest = total - sum(ns for name, ns in spent.items() if name not in names)
    print(f"  {rest / count / 1000:6.1f} µs  the rest (Flask, Werkzeug, the loop)")

if __name__ == "__main__":
    main()
