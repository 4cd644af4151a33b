"""CPU per request of the metrics, in-process: PUT and GET with and without their hooks.

Usage: `python bench/metrics_cost.py [--requests 20000]`. Runs
prometheus_client in multiprocess mode (a temporary PROMETHEUS_MULTIPROC_DIR,
as under gunicorn) and sends PUT and GET /api/jobs/<id> through Flask's test
client to one app with the metrics hooks and to one without them (the hooks
removed, the write-lock observer unset). Requests alternate one by one, and
so does which app goes first, so that a busy machine slows both alike; each
request's CPU time is measured on its own, and the medians and their
difference are printed.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="metrics-cost-")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import create_app  # noqa: E402
from bench.load_bench import SEED_JOB  # noqa: E402
from bench.profile_put import sender  # noqa: E402
from jobs.http import metrics  # noqa: E402
from jobs.store.db import observe_write_lock_waits  # noqa: E402

OBSERVERS = {"with": metrics.LOCK_WAIT.observe, "without": lambda seconds: None}


def without_metrics(app) -> None:
    """Remove the metrics hooks from `app` (the write-lock observer is set per request)."""
    app.before_request_funcs[None].remove(metrics._start)
    app.after_request_funcs[None].remove(metrics._record)


def timed(name: str, send) -> int:
    """Send one request as app `name`; return its CPU nanoseconds."""
    observe_write_lock_waits(OBSERVERS[name])
    started = time.process_time_ns()
    send()
    return time.process_time_ns() - started


def compare(method: str, apps: dict, count: int) -> None:
    """Alternate `count` requests per app, one by one; print the median CPU time of each."""
    senders = {}
    for name, app in apps.items():
        client = app.test_client()
        job = client.post("/api/jobs", json=SEED_JOB).json
        senders[name] = sender(client, method, f"/api/jobs/{job['id']}")
    times = {name: [] for name in apps}
    for number in range(count + count // 10):
        for name in sorted(senders, reverse=number % 2 == 1):
            spent = timed(name, senders[name])
            if number >= count // 10:  # the first tenth warms up
                times[name].append(spent)
    medians = {name: statistics.median(values) / 1000 for name, values in times.items()}
    print(f"{method} with {medians['with']:.1f} us/req, without {medians['without']:.1f} us/req,"
          f" metrics {medians['with'] - medians['without']:+.1f} us/req")


def main() -> None:
    """Build both apps and compare them for PUT and GET."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        apps = {name: create_app({"DATABASE_URL": f"sqlite:///{tmp}/{name}.db"},
                                 upgrade_schema=True)
                for name in ("with", "without")}
        without_metrics(apps["without"])
        for method in ("PUT", "GET"):
            compare(method, apps, args.requests)


if __name__ == "__main__":
    main()
