"""Benchmark a batch of 100 advances (POST /api/scans) against 100 single Advance requests.

Usage: `python bench/scans_bench.py [--database sqlite|postgresql] [--rounds 7]
[--items 100] [--before DIR]`. Starts gunicorn (gunicorn.conf.py, 2 workers)
on a temporary SQLite database (or a throwaway PostgreSQL cluster) twice, in
one run: bare (authentication off, clients straight to gunicorn) and as
deploy/ runs it (AUTH_REQUIRED=true, a token, deploy/'s nginx site in
front); with `--before`, the same two again serving another checkout (`git
archive <commit> | tar -x -C DIR`). On each it makes one job and a 3-step
path, then, round by round (interleaved over every server, so that
background load hits each alike), on new serials each time: `--items`
sequential `POST /api/serials/{id}/advance` without a key, the same with a
new Idempotency-Key each, and one `POST /api/scans` of `--items` advance
items (each with its key, as a station sends them). Prints the load average,
the median time end to end of each and the ratios (issue 21's goal: the
batch at least 5x faster than the single requests, docs/benchmarks.md), then
the serving workers' CPU seconds (utime + stime from /proc) for one batch of
1000 advances.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.live import ROOT, Gunicorn, Nginx, flask_command  # noqa: E402
from tests.postgres import Cluster  # noqa: E402

KINDS = ("single", "single, keyed", "batch")


@dataclass
class Target:
    """One server measured: its name, gunicorn, base URL, client session and path."""

    name: str
    server: Gunicorn
    base: str
    session: requests.Session
    path: dict = field(default_factory=dict)
    samples: dict = field(default_factory=lambda: {kind: [] for kind in KINDS})


def new_serials(target: Target, quantity: int) -> list[str]:
    """Create `quantity` serials at step 0 of the target's path; return their ids."""
    made = target.session.post(f"{target.base}/api/serials", timeout=30, json={
        "jobId": target.path["jobId"], "pathId": target.path["id"], "quantity": quantity})
    assert made.status_code == 201, made.text
    return [serial["id"] for serial in made.json()]


def singles(target: Target, serial_ids: list[str], keyed: bool) -> float:
    """Seconds for one Advance per serial, one after the other."""
    started = time.perf_counter()
    for serial_id in serial_ids:
        headers = {"Idempotency-Key": uuid.uuid4().hex} if keyed else {}
        response = target.session.post(f"{target.base}/api/serials/{serial_id}/advance",
                                       headers=headers, timeout=30)
        assert response.status_code == 200, response.text
    return time.perf_counter() - started


def one_batch(target: Target, serial_ids: list[str]) -> float:
    """Seconds for one POST /api/scans advancing every serial (all applied)."""
    body = {"scans": [{"key": uuid.uuid4().hex, "serialId": serial_id, "action": "advance"}
                      for serial_id in serial_ids]}
    started = time.perf_counter()
    response = target.session.post(f"{target.base}/api/scans", json=body, timeout=120)
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


def prepare(target: Target) -> None:
    """Make the target's job and 3-step path."""
    job = target.session.post(f"{target.base}/api/jobs", json={"name": "B", "goalQuantity": 1})
    target.path = target.session.post(f"{target.base}/api/paths", json={
        "jobId": job.json()["id"], "name": "P", "goalQuantity": 1,
        "steps": [{"name": "A"}, {"name": "B"}, {"name": "C"}]}).json()


def one_round(target: Target, items: int) -> None:
    """Time each kind once on `items` new serials."""
    target.samples["single"].append(singles(target, new_serials(target, items), keyed=False))
    target.samples["single, keyed"].append(singles(target, new_serials(target, items),
                                                   keyed=True))
    target.samples["batch"].append(one_batch(target, new_serials(target, items)))


def report(target: Target, items: int) -> None:
    """Print the target's medians (the first, untimed round left out), ratios and the CPU of
    one batch of 1000."""
    medians = {kind: statistics.median(values[1:]) for kind, values in target.samples.items()}
    print(target.name)
    for kind, seconds in medians.items():
        print(f"{kind:>14}: {items} advances in {seconds * 1000:8.1f} ms "
              f"({seconds * 1000 / items:.2f} ms each)")
    for kind in ("single", "single, keyed"):
        print(f"batch vs {kind}: {medians[kind] / medians['batch']:.1f}x faster (goal >= 5)")
    big = new_serials(target, 1000)
    before = cpu_seconds(target.server.worker_pids())
    wall = one_batch(target, big)
    print(f"one batch of 1000: {wall:.2f} s end to end, "
          f"{cpu_seconds(target.server.worker_pids()) - before:.2f} s of the workers' CPU")


def stem(name: str) -> str:
    """A target's name as a file name (`as deployed, before` -> `as-deployed-before`)."""
    return name.replace(",", "").replace(" ", "-")


def bare(stack: ExitStack, tmp: Path, url: str | None, root: Path, name: str) -> Target:
    """gunicorn serving `root`, authentication off, the client straight to it."""
    server = Gunicorn(tmp / f"{stem(name)}.db", workers=2, database_url=url, root=root)
    stack.callback(server.stop)
    return Target(f"{name}: no authentication, straight to gunicorn", server, server.base,
                  requests.Session())


def deployed(stack: ExitStack, tmp: Path, url: str | None, root: Path, name: str) -> Target:
    """gunicorn serving `root` with AUTH_REQUIRED=true behind deploy/'s nginx, a planner
    token on every request (the bench makes the job and path too)."""
    url = url or f"sqlite:///{tmp / stem(name)}.db"
    server = Gunicorn(tmp / f"{stem(name)}.db", workers=2, database_url=url, root=root,
                      env={"AUTH_REQUIRED": "true"})
    stack.callback(server.stop)
    session = requests.Session()
    session.headers["Authorization"] = \
        f"Bearer {flask_command(url, 'token', 'create', 'bench', '--role', 'planner', root=root)}"
    # nginx's workers (nobody) buffer large bodies under the prefix: let them reach it.
    tmp.chmod(0o755)
    (tmp / f"{stem(name)}-nginx").mkdir()
    proxy = Nginx(tmp / f"{stem(name)}-nginx", server.port)
    stack.callback(proxy.stop)
    return Target(f"{name}: AUTH_REQUIRED=true, a token, deploy/'s nginx in front", server,
                  proxy.base, session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--before", type=Path, help="another checkout of the service to compare")
    args = parser.parse_args()
    roots = {"bare": ROOT, "as deployed": ROOT}
    if args.before:
        roots.update({"bare, before": args.before, "as deployed, before": args.before})
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        cluster = None
        if args.database == "postgresql":
            cluster = Cluster()
            stack.callback(cluster.stop)
        targets = []
        for number, (name, root) in enumerate(roots.items()):
            url = cluster.create_database(f"bench{number}") if cluster else None
            make = deployed if name.startswith("as deployed") else bare
            targets.append(make(stack, tmp, url, root, name))
        for target in targets:
            prepare(target)
        print(f"load average at the start: {os.getloadavg()[0]:.2f}")
        for _ in range(args.rounds + 1):
            for target in targets:
                one_round(target, args.items)
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
        for target in targets:
            report(target, args.items)


if __name__ == "__main__":
    main()
