"""Get Job latency as a job's serials grow (docs/api.md: Get Job, `progress`).

Starts `gunicorn wsgi:app` (2 workers) on a temp SQLite file and a free
loopback port, creates one job per N with one 5-step path and N serials
(half of them completed; seeded in-process through the same service and
models), then times GET /api/jobs/<id>. Requests to the jobs are interleaved
round by round, so background load hits every N alike. Prints the median
and 95th percentile per N and the median's ratio to N=0 (goal: <= 1.5 at
N=10000).

Run from the repository root: `.venv/bin/python -m bench.progress_bench`.
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

import requests
from jobs.db import db, open_database
from jobs.models import Serial

from jobs import serial_service
from tests.live import Gunicorn

SIZES = (0, 1000, 10000)
STEPS = [{"name": f"Step {i}"} for i in range(5)]


def make_job(base: str, size: int) -> str:
    """Create a job with one 5-step path through the API; seed `size` serials; return its id."""
    body = {"name": f"BENCH-{size}", "goalQuantity": size or 1}
    job = requests.post(f"{base}/api/jobs", json=body, timeout=10).json()
    path = requests.post(f"{base}/api/paths", json={
        "jobId": job["id"], "name": "Main Route", "goalQuantity": size or 1, "steps": STEPS,
    }, timeout=10).json()
    if size:
        with db.connection_context():
            serial_service.create_serials(job["id"], path["id"], size)
            with db.atomic():
                Serial.update(status="completed", current_step_index=-1).where(
                    (Serial.job_id == job["id"]) & (Serial.number % 2 == 0)).execute()
    return job["id"]


def timed_get(session: requests.Session, url: str) -> float:
    """Return the seconds one GET takes; fail loudly on anything but 200."""
    start = time.perf_counter()
    response = session.get(url, timeout=10)
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return elapsed


def measure(base: str, job_ids: dict[int, str], warmup: int, rounds: int) -> dict[int, list]:
    """Time `rounds` GETs per job after `warmup` untimed rounds, interleaving the jobs."""
    samples = {size: [] for size in job_ids}
    with requests.Session() as session:
        for round_no in range(warmup + rounds):
            for size, job_id in job_ids.items():
                elapsed = timed_get(session, f"{base}/api/jobs/{job_id}")
                if round_no >= warmup:
                    samples[size].append(elapsed)
    return samples


def report(samples: dict[int, list]) -> None:
    """Print median and p95 in ms per N and the median's ratio to N=0."""
    baseline = statistics.median(samples[SIZES[0]])
    print(f"{'serials':>8} {'median ms':>10} {'p95 ms':>8} {'ratio':>6}")
    for size, values in samples.items():
        median = statistics.median(values)
        p95 = statistics.quantiles(values, n=20)[-1]
        print(f"{size:>8} {median * 1000:>10.2f} {p95 * 1000:>8.2f} {median / baseline:>6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        server = Gunicorn(db_path, workers=2)
        try:
            open_database(f"sqlite:///{db_path}")
            job_ids = {size: make_job(server.base, size) for size in SIZES}
            report(measure(server.base, job_ids, args.warmup, args.requests))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
