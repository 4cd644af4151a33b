"""Benchmark the service under the same gunicorn config: against bare Flask, or by database.

Usage: `python bench/load_bench.py [--against bare|databases|synchronous] [--seconds 5] [--rounds 3]
[--connections 32] [--before DIR]` (needs wrk: `apt-get install wrk`;
`databases` also needs Debian's postgresql and nginx). Starts gunicorns from
gunicorn.conf.py on loopback. `bare` (the default): `bench.bare_app:app`, the
service (`wsgi:app`, temp SQLite) with authentication on (a planner token on
every request, an event recorded with every write), the service with it off,
the service and bare Flask each behind deploy/'s nginx, and, with
`--before`, the service from
another checkout (e.g. `git archive` of an older commit unpacked in DIR), so
that a change is measured against its predecessor in the same run.
`synchronous`: the service (authentication on) on SQLite with
`SQLITE_SYNCHRONOUS=full` (the default) and `normal`, each its own file.
`databases`: the service (authentication on) on SQLite, on PostgreSQL (a
throwaway cluster), and two service hosts on that PostgreSQL behind deploy/'s nginx. For PUT (the
Update Job example's body) and GET on /api/jobs/<id> it alternates the
targets `--rounds` times and prints the median req/s, p50 and p99 of each,
the server CPU time per request (the figure least moved by other load on a
shared machine) and each target's ratio to the first.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.live import Gunicorn, Nginx, flask_command  # noqa: E402
from tests.postgres import Cluster  # noqa: E402

SEED_PUT = '{"name": "JOB-2024-001-REV2", "goalQuantity": 75}'
SEED_JOB = {"name": "JOB-2024-001", "goalQuantity": 50, "jiraTicketKey": "PI-42",
            "jiraTicketSummary": "Build 50 aluminum housings", "jiraPartNumber": "ALU-HOUSING-7075",
            "jiraPriority": "High", "jiraEpicLink": "PI-10", "jiraLabels": ["Q1-2024", "rush"]}
PUT_SCRIPT = (f"wrk.method = 'PUT'\nwrk.body = '{SEED_PUT}'\n"
              "wrk.headers['Content-Type'] = 'application/json'\n")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
AUTH_ON = {"AUTH_REQUIRED": "true"}


def cpu_seconds(servers: list[Gunicorn]) -> float:
    """Return the CPU time (user + system) used so far by the gunicorns' masters and workers."""
    total = 0
    for server in servers:
        for pid in {server.process.pid, *server.worker_pids()}:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, servers: list[Gunicorn], token: str, args, script: Path | None,
            script_args: tuple = ()) -> dict:
    """Run wrk once against `url`: req/s, p50/p99 and server CPU per request in ms, errors,
    and the requests done; `script_args` go to the script's `init(args)`."""
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency",
               "-H", f"Authorization: Bearer {token}", url]
    if script:
        command[1:1] = ["-s", str(script)]
    if script_args:
        command += ["--", *map(str, script_args)]
    cpu_before = cpu_seconds(servers)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(servers) - cpu_before
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": to_ms(latency["50"]), "p99": to_ms(latency["99"]), "errors": errors,
            "cpu": cpu * 1000 / max(requests_done, 1), "requests": requests_done}


def to_ms(value: str) -> float:
    """Convert a wrk duration (`812.00us`, `1.20ms`, `2.01s`) to milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return float(number) * UNITS_MS[unit]


def compare(method: str, targets: dict, args, script: Path | None) -> None:
    """Alternate the targets `args.rounds` times; print medians and the ratios to the first.

    `targets` maps a name to (URL, the gunicorns that serve it, the planner token).
    """
    runs = {name: [] for name in targets}
    for _ in range(args.rounds):
        for name, (url, servers, token) in targets.items():
            runs[name].append(run_wrk(url, servers, token, args, script))
    medians = {}
    for name, results in runs.items():
        medians[name] = {key: statistics.median(r[key] for r in results)
                         for key in ("rps", "p50", "p99", "cpu")}
        errors = sum(r["errors"] for r in results)
        m = medians[name]
        print(f"{method:4} {name:10} {m['rps']:7.0f} req/s  p50 {m['p50']:6.2f} ms  "
              f"p99 {m['p99']:6.2f} ms  cpu {m['cpu']:.3f} ms/req  errors {errors}")
    first, *others = targets
    for name in others:
        # Behind nginx, a target is set against bare Flask behind nginx.
        base = "bare+nginx" if name.endswith("+nginx") and name != "bare+nginx" else first
        ratio = medians[name]["rps"] / medians[base]["rps"]
        cpu_ratio = medians[base]["cpu"] / medians[name]["cpu"]
        print(f"{method:4} ratio {name}/{base} = {ratio:.2f} (req/s), {cpu_ratio:.2f} (cpu/req)")


def bare_targets(tmp: Path, stack: ExitStack, before: Path | None) -> dict:
    """Bare Flask first, then the service on SQLite with authentication on (every request
    checks the bench's planner token, every write records its event) and off (and
    `before`'s); name -> (URL, [gunicorns])."""
    servers = {"bare": Gunicorn(tmp / "bare.db", workers=None, app="bench.bare_app:app"),
               "service": Gunicorn(tmp / "service.db", workers=None, env=AUTH_ON),
               "auth off": Gunicorn(tmp / "open.db", workers=None)}
    if before:
        servers["before"] = Gunicorn(tmp / "before.db", workers=None, root=before)
    targets = {name: (stack.enter_context(running(server)).base, [server], name == "service")
               for name, server in servers.items()}
    for name in ("bare", "service"):
        (tmp / name).mkdir()
        proxy = Nginx(tmp / name, servers[name].port)
        stack.callback(proxy.stop)
        targets[f"{name}+nginx"] = (proxy.base, [servers[name]], name == "service")
    return targets


def database_targets(tmp: Path, stack: ExitStack, before: Path | None) -> dict:
    """The service on SQLite, on PostgreSQL, and two hosts on PostgreSQL behind nginx,
    all with authentication on."""
    cluster = Cluster()
    stack.callback(cluster.stop)
    url = cluster.create_database("bench")
    sqlite = stack.enter_context(running(Gunicorn(tmp / "service.db", workers=None, env=AUTH_ON)))
    hosts = [stack.enter_context(running(Gunicorn(tmp / f"pg{i}.db", workers=None, env=AUTH_ON,
                                                  database_url=url))) for i in (1, 2)]
    (tmp / "nginx").mkdir()
    proxy = Nginx(tmp / "nginx", *(h.port for h in hosts))
    stack.callback(proxy.stop)
    return {"sqlite": (sqlite.base, [sqlite], True), "postgresql": (hosts[0].base, hosts[:1], True),
            "2 pg hosts": (proxy.base, hosts, True)}


def synchronous_targets(tmp: Path, stack: ExitStack, before: Path | None) -> dict:
    """The service on SQLite with `synchronous=FULL`, then `NORMAL`, authentication on."""
    targets = {}
    for setting in ("full", "normal"):
        server = Gunicorn(tmp / f"{setting}.db", workers=None,
                          env={**AUTH_ON, "SQLITE_SYNCHRONOUS": setting})
        targets[setting] = (stack.enter_context(running(server)).base, [server], True)
    return targets


TARGETS = {"bare": bare_targets, "databases": database_targets,
           "synchronous": synchronous_targets}


@contextmanager
def running(server: Gunicorn):
    """Stop `server` when the block ends."""
    try:
        yield server
    finally:
        server.stop()


def run_arguments(doc: str) -> argparse.ArgumentParser:
    """Return the parser of a wrk run's options (seconds, rounds, connections, before).

    Exits when wrk is not installed.
    """
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--before", type=Path, help="another checkout of the service to compare")
    return parser


def main() -> None:
    """Start the servers, run the PUT and GET comparisons, stop the servers."""
    parser = run_arguments(__doc__)
    parser.add_argument("--against", choices=sorted(TARGETS), default="bare")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        tmp = Path(tmp)
        make = TARGETS[args.against]
        tokens = {"": ""}
        targets = {}
        for name, (base, servers, authenticated) in make(tmp, stack, args.before).items():
            url = servers[0].database_url if authenticated else ""
            if url not in tokens:
                tokens[url] = flask_command(url, "token", "create", "bench", "--role", "planner")
            targets[name] = (base + job_path(base, tokens[url]), servers, tokens[url])
        script = tmp / "put.lua"
        script.write_text(PUT_SCRIPT)
        print(f"{args.connections} connections, {args.seconds} s x {args.rounds} rounds each, "
              f"load average before: {os.getloadavg()[0]:.2f}")
        compare("PUT", targets, args, script)
        compare("GET", targets, args, None)


def job_path(base: str, token: str) -> str:
    """Create the example job through `base` (bare Flask ignores it); return its URL path."""
    response = requests.post(f"{base}/api/jobs", json=SEED_JOB, timeout=10,
                             headers={"Authorization": f"Bearer {token}"})
    job = response.json() if response.status_code == 201 else {"id": "job_bare"}
    return f"/api/jobs/{job['id']}"


if __name__ == "__main__":
    main()
