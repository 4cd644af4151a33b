"""Benchmark a batch of 100 advances (POST /api/scans) against 100 single Advance requests.

Usage: `python bench/scans_bench.py [--database sqlite|postgresql] [--rounds 7]
[--items 100]`. Starts one gunicorn (gunicorn.conf.py, 2 workers) on a
temporary SQLite database (or a throwaway PostgreSQL cluster) twice, in
one run: bare (authentication off, clients straight to gunicorn) and as
deploy/ runs it (AUTH_REQUIRED=true, a token, deploy/'s nginx site in
front). On each it makes one job and a 3-step path, then, round by round
(interleaved, so that background load hits each alike), on new serials
each time: `--items` sequential `POST /api/serials/{id}/advance` without a key, the same with a new
Idempotency-Key each, and one `POST /api/scans` of `--items` advance items
(each with its key, as a station sends them). Prints the median time end to
end of each and the ratios (issue 21's goal: the batch at least 5x faster
than the single requests, docs/benchmarks.md), then the serving workers'
CPU seconds (utime + stime from /proc) for one batch of 1000 advances.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.live import Gunicorn, Nginx, flask_command  # noqa: E402
from tests.postgres import Cluster  # noqa: E402


def new_serials(session, base: str, path: dict, quantity: int) -> list[str]:
    """Create `quantity` serials at step 0 of `path`; return their ids."""
    made = session.post(f"{base}/api/serials", timeout=30, json={
        "jobId": path["jobId"], "pathId": path["id"], "quantity": quantity})
    assert made.status_code == 201, made.text
    return [serial["id"] for serial in made.json()]


def singles(session, base: str, serial_ids: list[str], keyed: bool) -> float:
    """Seconds for one Advance per serial, one after the other."""
    started = time.perf_counter()
    for serial_id in serial_ids:
        headers = {"Idempotency-Key": uuid.uuid4().hex} if keyed else {}
        response = session.post(f"{base}/api/serials/{serial_id}/advance", headers=headers,
                                timeout=30)
        assert response.status_code == 200, response.text
    return time.perf_counter() - started


def one_batch(session, base: str, serial_ids: list[str]) -> float:
    """Seconds for one POST /api/scans advancing every serial (all applied)."""
    body = {"scans": [{"key": uuid.uuid4().hex, "serialId": serial_id, "action": "advance"}
                      for serial_id in serial_ids]}
    started = time.perf_counter()
    response = session.post(f"{base}/api/scans", json=body, timeout=120)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    assert {r["outcome"] for r in response.json()["results"]} == {"applied"}
    return elapsed


def cpu_seconds(pids) -> float:
    """utime + stime of the processes `pids`, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def measure(server: Gunicorn, base: str, token: str | None, rounds: int, items: int) -> None:
    """Print the medians, the ratios and the CPU of one batch of 1000, through `base`."""
    session = requests.Session()
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    job = session.post(f"{base}/api/jobs", json={"name": "B", "goalQuantity": 1}).json()
    path = session.post(f"{base}/api/paths", json={
        "jobId": job["id"], "name": "P", "goalQuantity": 1,
        "steps": [{"name": "A"}, {"name": "B"}, {"name": "C"}]}).json()
    samples = {"single": [], "single, keyed": [], "batch": []}
    for _ in range(rounds + 1):
        samples["single"].append(singles(session, base, new_serials(session, base, path, items),
                                         keyed=False))
        samples["single, keyed"].append(singles(
            session, base, new_serials(session, base, path, items), keyed=True))
        samples["batch"].append(one_batch(session, base, new_serials(session, base, path,
                                                                     items)))
    medians = {name: statistics.median(values[1:]) for name, values in samples.items()}
    for name, seconds in medians.items():
        print(f"{name:>14}: {items} advances in {seconds * 1000:8.1f} ms "
              f"({seconds * 1000 / items:.2f} ms each)")
    for name in ("single", "single, keyed"):
        print(f"batch vs {name}: {medians[name] / medians['batch']:.1f}x faster (goal >= 5)")
    big = new_serials(session, base, path, 1000)
    before = cpu_seconds(server.worker_pids())
    wall = one_batch(session, base, big)
    print(f"one batch of 1000: {wall:.2f} s end to end, "
          f"{cpu_seconds(server.worker_pids()) - before:.2f} s of the workers' CPU")


def deployed(stack: ExitStack, tmp: Path, url: str | None) -> tuple[Gunicorn, str, str]:
    """gunicorn with AUTH_REQUIRED=true behind deploy/'s nginx; return it, nginx's base URL
    and a planner token (the bench makes the job and path too)."""
    path = tmp / "deployed.db"
    url = url or f"sqlite:///{path}"
    server = Gunicorn(path, workers=2, database_url=url, env={"AUTH_REQUIRED": "true"})
    stack.callback(server.stop)
    token = flask_command(url, "token", "create", "bench", "--role", "planner")
    # nginx's workers (nobody) buffer large bodies under the prefix: let them reach it.
    tmp.chmod(0o755)
    (tmp / "nginx").mkdir()
    proxy = Nginx(tmp / "nginx", server.port)
    stack.callback(proxy.stop)
    return server, proxy.base, token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--items", type=int, default=100)
    args = parser.parse_args()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        urls = [None, None]
        if args.database == "postgresql":
            cluster = Cluster()
            stack.callback(cluster.stop)
            urls = [cluster.create_database("bare"), cluster.create_database("deployed")]
        server = Gunicorn(tmp / "bench.db", workers=2, database_url=urls[0])
        stack.callback(server.stop)
        print("bare: no authentication, straight to gunicorn")
        measure(server, server.base, None, args.rounds, args.items)
        print("as deployed: AUTH_REQUIRED=true, a token, deploy/'s nginx in front")
        measure(*deployed(stack, tmp, urls[1]), args.rounds, args.items)


if __name__ == "__main__":
    main()
