"""Benchmark the webhook deliverer (docs/benchmarks.md, Webhooks).

Usage: `python bench/webhooks_bench.py [--part keep-up|put|both] [--rate 500]
[--seconds 20] [--backlog 5000] [--database sqlite|postgresql]
[--rounds 3] [--wrk-seconds 5]` (`put` needs wrk: `apt-get install wrk`).

`keep-up`: one subscription to a local receiver (a threaded http.server in
this process, answering 200), a real `flask webhooks deliver` process, and
a writer that makes `--rate` events a second for `--seconds` through the
service's own code (Update Job, one event each, the write lock taken as the
API takes it). Prints the rate achieved, the lag (events made but not yet
received) sampled every 0.5 s, the end-to-end latency (event `at` to its
arrival) and how long the last event took; then the rate at which a backlog
of `--backlog` events is drained. `put`: the service under gunicorn (SQLite,
authentication off), PUT /api/jobs/<id> with wrk, alternating without and
with a running deliverer that has no subscriptions, `--rounds` times; the
median req/s of each and their ratio.
"""
import argparse
import bisect
import calendar
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import create_app  # noqa: E402
from bench.load_bench import PUT_SCRIPT, run_wrk  # noqa: E402
from jobs.services import jobs  # noqa: E402
from jobs.store.db import db  # noqa: E402
from tests.live import ROOT, Gunicorn, create_job, stop_process  # noqa: E402
from tests.postgres import Cluster  # noqa: E402
from tests.receiver import Receiver  # noqa: E402

FAST = {"WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_POLL_SECONDS": "0.1"}


def deliverer(url: str, log: Path, env: dict | None = None) -> subprocess.Popen:
    """Start `flask --app app webhooks deliver` on `url`."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "webhooks",
                             "deliver"], cwd=ROOT, env={**os.environ, **(env or FAST),
                                                        "DATABASE_URL": url},
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def write_events(url: str, job_id: str, rate: float, seconds: float) -> None:
    """Update job `job_id` on `url` `rate` times a second for `seconds` (run as its own
    process, `--write`, so that it shares no interpreter lock with the receiver)."""
    create_app({"DATABASE_URL": url})
    start, made = time.monotonic(), 0
    with db.connection_context():
        while (elapsed := time.monotonic() - start) < seconds:
            while made < int(elapsed * rate) + 1:
                made += 1
                jobs.update_job(job_id, {"goal_quantity": made})
            time.sleep(max(0.0, made / rate - (time.monotonic() - start)))
    print(made, time.monotonic() - start)


def writer(url: str, job_id: str, rate: float, seconds: float) -> subprocess.Popen:
    """Start `write_events` in a process of its own; it prints the count made and the seconds."""
    return subprocess.Popen([sys.executable, __file__, "--write", url, job_id, str(rate),
                             str(seconds)], stdout=subprocess.PIPE, text=True)


def arrival_stats(receiver: Receiver, arrivals: list[float]) -> dict:
    """Latencies in ms from each event's `at` to its arrival, and the largest lag: events
    made (by `at`) but not yet received, at any arrival."""
    made = []
    for got in receiver.received:
        at = json.loads(got.body)["at"]
        made.append(calendar.timegm(time.strptime(at[:19], "%Y-%m-%dT%H:%M:%S"))
                    + int(at[20:23]) / 1000)
    latencies = sorted((arrived - at) * 1000 for at, arrived in zip(made, arrivals, strict=True))
    lag = max(bisect.bisect_right(made, arrived) - number
              for number, arrived in enumerate(arrivals, start=1))
    return {"p50": latencies[len(latencies) // 2], "p99": latencies[int(len(latencies) * .99)],
            "max": latencies[-1], "lag": lag}


def keep_up(url: str, args, tmp: Path) -> None:
    """The `keep-up` part on database `url`."""
    app = create_app({"DATABASE_URL": url, "WEBHOOK_ALLOW_PRIVATE": True})
    receiver = Receiver()
    arrivals = []
    receiver.received = _Timed(arrivals)
    client = app.test_client()
    job = client.post("/api/jobs", json={"name": "BENCH", "goalQuantity": 1}).json
    client.post("/api/webhooks", json={"url": receiver.url})
    process = deliverer(url, tmp / "deliverer.log")
    made, seconds = writer(url, job["id"], args.rate, args.seconds).communicate()[0].split()
    written = time.monotonic()
    while len(receiver.received) < int(made):
        time.sleep(0.01)
    finished = time.monotonic()
    stats = arrival_stats(receiver, arrivals)
    print(f"keep-up: {made} events made in {float(seconds):.1f} s "
          f"({int(made) / float(seconds):.0f}/s); all received {finished - written:.2f} s "
          f"after the last was made; lag at most {stats['lag']} events; latency p50 "
          f"{stats['p50']:.0f} ms, p99 {stats['p99']:.0f} ms, max {stats['max']:.0f} ms")
    stop_process(process, 15)
    backlog_start = len(receiver.received)
    with db.connection_context():
        for n in range(args.backlog):
            jobs.update_job(job["id"], {"goal_quantity": n + 1})
    process = deliverer(url, tmp / "deliverer2.log")
    begun = time.monotonic()
    while len(receiver.received) < backlog_start + args.backlog:
        time.sleep(0.01)
    took = time.monotonic() - begun
    print(f"drain: {args.backlog} events in {took:.2f} s ({args.backlog / took:.0f}/s, "
          "deliverer start included)")
    stop_process(process, 15)
    receiver.stop()
    db.close_all()


class _Timed(list):
    """The receiver's list, noting the time of every append."""

    def __init__(self, times: list[float]):
        super().__init__()
        self.times = times

    def append(self, item) -> None:
        self.times.append(time.time())
        super().append(item)


def put_speed(args, tmp: Path) -> None:
    """The `put` part: wrk PUTs without and with an idle deliverer (no subscriptions)."""
    server = Gunicorn(tmp / "put.db", workers=None)
    try:
        job = create_job(server.base)
        script = tmp / "put.lua"
        script.write_text(PUT_SCRIPT)
        url = f"{server.base}/api/jobs/{job['id']}"
        wrk = argparse.Namespace(connections=32, seconds=args.wrk_seconds)
        runs = {"without": [], "with": []}
        for _ in range(args.rounds):
            runs["without"].append(run_wrk(url, [server], "none", wrk, script))
            log = tmp / "idle.log"
            process = deliverer(server.database_url, log, env={"WEBHOOK_POLL_SECONDS": "1"})
            while "Delivering" not in log.read_text():
                time.sleep(0.1)
            time.sleep(1)
            before = process_cpu(process.pid)
            runs["with"].append(run_wrk(url, [server], "none", wrk, script))
            idle_cpu = process_cpu(process.pid) - before
            stop_process(process, 15)
    finally:
        server.stop()
    for name, results in runs.items():
        print(f"put {name:7} a deliverer: median {statistics.median(r['rps'] for r in results):.0f}"
              f" req/s, server cpu {statistics.median(r['cpu'] for r in results):.3f} ms/req; "
              f"runs {[round(r['rps']) for r in results]}")
    ratio = (statistics.median(r["rps"] for r in runs["with"])
             / statistics.median(r["rps"] for r in runs["without"]))
    print(f"put ratio with/without {ratio:.3f}; the idle deliverer used {idle_cpu:.3f} s of CPU "
          f"in the last {args.wrk_seconds} s run")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid`."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["keep-up", "put", "both"], default="both")
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--backlog", type=int, default=5000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wrk-seconds", type=int, default=5)
    parser.add_argument("--write", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        url, job_id, rate, seconds = args.write
        write_events(url, job_id, float(rate), float(seconds))
        return
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        if args.part in ("keep-up", "both"):
            if args.database == "sqlite":
                keep_up(f"sqlite:///{tmp}/bench.db", args, tmp)
            else:
                cluster = Cluster()
                try:
                    keep_up(cluster.create_database("bench"), args, tmp)
                finally:
                    cluster.stop()
        if args.part in ("put", "both"):
            put_speed(args, tmp)


if __name__ == "__main__":
    main()
