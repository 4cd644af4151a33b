"""The floor's real day against its budgets (docs/benchmarks.md, The floor's real day).

In-process (Flask's test client, one SQLite file), so that the same script
measures this code and an older checkout alike: run it from the repository
root of either (`PYTHONDONTWRITEBYTECODE=1 .venv/bin/python path/to/floor_bench.py`).
Times, as medians in ms: Create Serials of 10,000; Get Job of a job with
100,000 serials (half completed); Advance of a fresh serial; and, where the
code has it, Void of 10,000 serials (wall and CPU time).
"""
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.getcwd())

from app import create_app  # noqa: E402
from jobs.store.db import db  # noqa: E402

STEPS = [{"name": f"Step {i}"} for i in range(5)]


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response


def main() -> None:
    folder = tempfile.mkdtemp()
    client = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.db"}).test_client()
    job = ok(client.post("/api/jobs", json={"name": "B", "goalQuantity": 100000}), 201).json
    path = ok(client.post("/api/paths", json={"jobId": job["id"], "name": "P",
                                              "goalQuantity": 100000, "steps": STEPS}), 201).json
    body = {"jobId": job["id"], "pathId": path["id"], "quantity": 10000}
    creates = [timed(lambda: ok(client.post("/api/serials", json=body), 201)) for _ in range(10)]
    with db.connection_context():
        db.execute_sql("UPDATE serial SET status = 'completed', current_step_index = -1"
                       " WHERE number % 2 = 0")
    for _ in range(5):
        client.get(f"/api/jobs/{job['id']}")
    gets = [timed(lambda: ok(client.get(f"/api/jobs/{job['id']}"))) for _ in range(40)]
    advances = [timed(lambda n=n: ok(client.post(f"/api/serials/SN-{n:05d}/advance")))
                for n in range(1, 600, 2)]
    print(f"create 10000: {statistics.median(creates):.1f} ms")
    print(f"get job 100000: {statistics.median(gets):.2f} ms")
    print(f"advance: {statistics.median(advances):.3f} ms")
    ids = [f"SN-{n:05d}" for n in range(80001, 100001, 2)]
    cpu, start = time.process_time(), time.perf_counter()
    response = client.post("/api/serials/void", json={"serialIds": ids, "reason": "bench"})
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    if response.status_code == 200:
        print(f"void 10000: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")


if __name__ == "__main__":
    main()
