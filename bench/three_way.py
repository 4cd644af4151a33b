"""The three-way run of issue 24: the service, the same work by hand, bare Flask, interleaved.

Usage: `python bench/three_way.py [--rounds 3] [--seconds 5] [--connections 32]
[--same-work DIR] [--before DIR]` (needs wrk). Starts, each under gunicorn.conf.py with its
default workers, on loopback and its own temporary SQLite file:

- `service`: `wsgi:app` with AUTH_REQUIRED=true and a planner token on every request, history
  and metrics on, `synchronous=FULL` (the default);
- `same-work`: `bench/same_work_advance.py`, which is `same_work_wsgi.py` from `--same-work`
  (default `/work/shared/bench`) with `SAME_WORK_SYNC=full` plus a same-work Advance;
- `bare`: `bare_wsgi.py` from the same folder (no database; no Advance route);
- with `--before DIR`, the service from another checkout (`git archive` unpacked in DIR).

For `PUT /api/jobs/<id>` (the Update Job example's body), `GET /api/jobs/<id>` and
`POST /api/serials/<id>/advance` (body `{}`, each request the next of 3000 serials on a 10-step
path, so that none completes within a run) it runs wrk against every target in turn,
`--rounds` times (interleaved: background load hits each alike), printing each run with the
load average before it, then the medians (req/s, p50, p99, server CPU per request) and the
ratios service/same-work and same-work/bare (and service/before), by req/s and by CPU per request.
"""
import os
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.load_bench import AUTH_ON, PUT_SCRIPT, SEED_JOB, run_arguments, run_wrk, running  # noqa: E402
from tests.live import ROOT, Gunicorn, flask_command  # noqa: E402

SERIALS, STEPS = 3000, 10
ADVANCE_SCRIPT = """wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
ids = {%s}
local started = 0
function setup(thread) thread:set("id", started); started = started + 1 end
function init(args) offset = tonumber(args[1]) or 0; sent = 0 end
function request()
  local i = (offset + sent * 2 + id) %% #ids + 1
  sent = sent + 1
  return wrk.format(nil, "/api/serials/" .. ids[i] .. "/advance")
end
"""


def start_targets(tmp: Path, stack: ExitStack, same_work: Path, before: Path | None) -> dict:
    """Start the gunicorns; return name -> (server, base URL of its job, its serial ids)."""
    token = "shop_bench-same-work"
    shared = {"PYTHONPATH": f"{same_work}{os.pathsep}{ROOT}", "SAME_WORK_DIR": str(same_work)}
    servers = {"service": Gunicorn(tmp / "service.db", workers=None, env=AUTH_ON)}
    if before:
        servers["before"] = Gunicorn(tmp / "before.db", workers=None, env=AUTH_ON, root=before)
    servers["same-work"] = Gunicorn(
        tmp / "same.db", workers=None, app="bench.same_work_advance:app",
        env={**shared, "SAME_WORK_DB": str(tmp / "same.db"), "SAME_WORK_TOKEN": token,
             "SAME_WORK_SYNC": "full", "SAME_WORK_SERIALS": str(SERIALS),
             "SAME_WORK_STEPS": str(STEPS)})
    servers["bare"] = Gunicorn(tmp / "bare.db", workers=None, app="bare_wsgi:app", env=shared)
    targets = {}
    for name, server in servers.items():
        stack.enter_context(running(server))
        if name in ("service", "before"):
            secret = flask_command(server.database_url, "token", "create", "bench",
                                   "--role", "planner", root=before if name == "before" else ROOT)
            targets[name] = (server, secret, *seed_service(server.base, secret))
        else:
            ids = [f"SN-{n:05d}" for n in range(1, SERIALS + 1)] if name == "same-work" else []
            targets[name] = (server, token, "job_abc123def456", ids)
    return targets


def seed_service(base: str, secret: str) -> tuple[str, list[str]]:
    """Create the example job, and another with a path of STEPS steps and SERIALS serials;
    return the example job's id and the serials' ids."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secret}"
    job = session.post(f"{base}/api/jobs", json=SEED_JOB, timeout=10).json()
    # The serials go on a job of their own: the example job stays without paths, as the
    # same-work app's (its GET counts no serials).
    moving = session.post(f"{base}/api/jobs", json=SEED_JOB, timeout=10).json()
    path = session.post(f"{base}/api/paths", timeout=10, json={
        "jobId": moving["id"], "name": "Bench", "goalQuantity": SERIALS,
        "steps": [{"name": f"Step {i}"} for i in range(STEPS)]}).json()
    made = session.post(f"{base}/api/serials", timeout=120, json={
        "jobId": moving["id"], "pathId": path["id"], "quantity": SERIALS})
    assert made.status_code == 201, made.text
    return job["id"], [serial["id"] for serial in made.json()]


def measure(method: str, targets: dict, args, tmp: Path) -> dict:
    """Run `method` against every target that serves it, round by round; return the medians."""
    runs = {name: [] for name, target in targets.items() if method != "ADVANCE" or target[3]}
    for _ in range(args.rounds):
        for name in runs:
            server, secret, job_id, ids = targets[name]
            load = os.getloadavg()[0]
            if method == "ADVANCE":
                script = tmp / f"advance-{name}.lua"
                script.write_text(ADVANCE_SCRIPT % ", ".join(f'"{i}"' for i in ids))
                done = sum(r["requests"] for r in runs[name])
                result = run_wrk(server.base + "/", [server], secret, args, script, (done,))
            else:
                script = tmp / "put.lua" if method == "PUT" else None
                result = run_wrk(f"{server.base}/api/jobs/{job_id}", [server], secret, args,
                                 script)
            runs[name].append(result)
            print(f"  {method:7} {name:9} {result['rps']:7.0f} req/s  cpu {result['cpu']:.3f} "
                  f"ms/req  errors {result['errors']}  load {load:.2f}", flush=True)
    medians = {}
    for name, results in runs.items():
        medians[name] = {key: statistics.median(r[key] for r in results)
                         for key in ("rps", "p50", "p99", "cpu")}
    return medians


def report(method: str, medians: dict) -> None:
    """Print the medians and the ratios of one method."""
    for name, m in medians.items():
        print(f"{method:7} {name:9} {m['rps']:7.0f} req/s  p50 {m['p50']:6.2f} ms  "
              f"p99 {m['p99']:6.2f} ms  cpu {m['cpu']:.3f} ms/req")
    for upper, lower in (("service", "same-work"), ("same-work", "bare"), ("service", "before")):
        if upper in medians and lower in medians:
            rps = medians[upper]["rps"] / medians[lower]["rps"]
            cpu = medians[lower]["cpu"] / medians[upper]["cpu"]
            print(f"{method:7} {upper}/{lower} = {rps:.2f} (req/s), {cpu:.2f} (cpu/req)")


def main() -> None:
    """Start the targets, run PUT, GET and Advance interleaved, print the figures."""
    parser = run_arguments(__doc__)
    parser.add_argument("--same-work", type=Path, default=Path("/work/shared/bench"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        tmp = Path(tmp)
        targets = start_targets(tmp, stack, args.same_work.resolve(), args.before)
        (tmp / "put.lua").write_text(PUT_SCRIPT)
        print(f"{args.connections} connections, {args.seconds} s x {args.rounds} rounds each, "
              f"load average before: {os.getloadavg()[0]:.2f}")
        results = {method: measure(method, targets, args, tmp)
                   for method in ("PUT", "GET", "ADVANCE")}
        for method, medians in results.items():
            report(method, medians)


if __name__ == "__main__":
    main()
