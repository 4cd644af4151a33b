"""Benchmark Create Serials (quantity 100) with an Idempotency-Key against without, same run.

Usage: `python bench/idempotency_bench.py [--database sqlite|postgresql]
[--requests 200] [--rounds 5]`. Starts one gunicorn (gunicorn.conf.py, 2
workers) on a temporary SQLite database (or a throwaway PostgreSQL
cluster), makes one job and path, then alternates rounds of `--requests`
sequential POST /api/serials without a key and with a new key each, and
prints the median and p95 latency of each and the ratio of the medians
(issue 11's budget: within 10%, docs/benchmarks.md).
"""
import argparse
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.live import Gunicorn  # noqa: E402
from tests.postgres import Cluster  # noqa: E402

QUANTITY = 100


def timed_posts(session: requests.Session, url: str, body: dict, count: int,
                keyed: bool) -> list[float]:
    """POST `body` `count` times (a new key each when `keyed`); return the latencies in ms."""
    times = []
    for _ in range(count):
        headers = {"Idempotency-Key": uuid.uuid4().hex} if keyed else {}
        started = time.perf_counter()
        response = session.post(url, json=body, headers=headers, timeout=30)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.text
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = None
        if args.database == "postgresql":
            cluster = Cluster()
            stack.callback(cluster.stop)
            url = cluster.create_database("bench")
        server = Gunicorn(tmp / "bench.db", workers=2, database_url=url)
        stack.callback(server.stop)
        session = requests.Session()
        job = session.post(f"{server.base}/api/jobs", json={"name": "B", "goalQuantity": 1}).json()
        path = session.post(f"{server.base}/api/paths", json={
            "jobId": job["id"], "name": "P", "goalQuantity": 1, "steps": [{"name": "S"}]}).json()
        body = {"jobId": job["id"], "pathId": path["id"], "quantity": QUANTITY}
        target = f"{server.base}/api/serials"
        timed_posts(session, target, body, 20, False)
        timed_posts(session, target, body, 20, True)
        results = {False: [], True: []}
        for _ in range(args.rounds):
            for keyed in (False, True):
                results[keyed] += timed_posts(session, target, body, args.requests, keyed)
        report(args.database, results)


def report(database: str, results: dict[bool, list[float]]) -> None:
    """Print median and p95 per variant and the ratio of the medians."""
    medians = {}
    count = len(results[False])
    print(f"Create Serials (quantity {QUANTITY}) on {database}, {count} requests each")
    for keyed, label in ((False, "without key"), (True, "with key")):
        times = sorted(results[keyed])
        medians[keyed] = statistics.median(times)
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"  {label:12} median {medians[keyed]:.2f} ms  p95 {p95:.2f} ms")
    print(f"  ratio (with / without, medians): {medians[True] / medians[False]:.3f}")


if __name__ == "__main__":
    main()
