"""Benchmark the hash chain: step 0009 and `history verify` on a long history, the hash on a PUT.

Usage: `python bench/chain_bench.py [--database sqlite|postgresql]
[--events 1000000] [--puts 300]`. Makes a schema-version-4 database (the
release before the chain) holding `--events` events, then runs, each as its
own process, `flask db upgrade` (step 0009 chains them), `flask db version`
(the baseline of a `flask` process) and `flask history verify`, printing
the wall time and peak RSS of each. Then it times `--puts` Update Job
requests in process, in rounds, with the hash and with the hash replaced by a
constant (the id is still taken from the last event), and prints the
medians (docs/benchmarks.md, The hash chain).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

from playhouse.migrations import Runner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app import create_app  # noqa: E402
from jobs.store.db import make_database  # noqa: E402
from jobs.store.schema import MIGRATIONS  # noqa: E402
from tests.postgres import Cluster  # noqa: E402

BATCH = 10_000
STAMP = 1705769100000


def old_events(first: int, count: int) -> list[tuple]:
    """Events as release 4 stored them: an advance of one of 1000 serials each."""
    return [(i, STAMP + i, "serial.advanced", "station-1", f"req-{i:08d}", "job_bench0000001",
             "path_bench000001", f"SN-{i % 1000 + 1:05d}",
             json.dumps({"fromStepIndex": i % 5, "toStepIndex": i % 5 + 1,
                         "fromStep": "Fräsen", "toStep": "Prüfen"}, ensure_ascii=False),
             None, None) for i in range(first, first + count)]


def make_release4(url: str, events: int) -> None:
    """Create the schema-4 tables at `url` and insert `events` events in batches."""
    database = make_database(url)
    with database.connection_context():
        Runner(database, directory=str(MIGRATIONS)).up(target="0004_idempotency_keys")
        insert = ('INSERT INTO "event" (id, at, type, actor, request_id, job_id, path_id, '
                  "serial_id, data, first_number, last_number) VALUES ("
                  + ", ".join([database.param] * 11) + ")")
        for first in range(1, events + 1, BATCH):
            rows = old_events(first, min(BATCH, events - first + 1))
            with database.atomic():
                database.cursor().executemany(insert, rows)
    database.close_all()


def flask(url: str, *args: str) -> tuple[float, int, str]:
    """Run `flask --app app ARGS`; return (seconds, peak RSS in MiB, its output's last line)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                               env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    assert status == 0, output
    return time.perf_counter() - started, usage.ru_maxrss // 1024, output.strip()


def put_medians(url: str, puts: int, rounds: int = 5) -> tuple[float, float]:
    """Median Update Job latency (ms) with the hash, and with the hash a constant."""
    client = create_app({"DATABASE_URL": url}).test_client()
    job = client.post("/api/jobs", json={"name": "B", "goalQuantity": 1}).json
    timed = {True: [], False: []}
    for round_ in range(rounds * 2):
        hashed = round_ % 2 == 0
        with ExitStack() as stack:
            if not hashed:
                stack.enter_context(mock.patch("jobs.services.chain.link", lambda p, e: "0" * 64))
                stack.enter_context(mock.patch("jobs.services.chain.served", lambda row: row))
            for i in range(puts):
                started = time.perf_counter()
                response = client.put(f"/api/jobs/{job['id']}", json={"goalQuantity": i + 1})
                timed[hashed].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
    return statistics.median(timed[True]), statistics.median(timed[False])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--puts", type=int, default=300)
    args = parser.parse_args()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = f"sqlite:///{tmp}/bench.db"
        if args.database == "postgresql":
            cluster = Cluster()
            stack.callback(cluster.stop)
            url = cluster.create_database("bench")
        started = time.perf_counter()
        make_release4(url, args.events)
        print(f"{args.events} events at schema 4 in {time.perf_counter() - started:.1f} s")
        # Every `flask` command starts the app, which upgrades: the upgrade runs first.
        for name, command in (("upgrade (0009 chains)", ("db", "upgrade")),
                              ("baseline (db version)", ("db", "version")),
                              ("history verify", ("history", "verify"))):
            seconds, rss, line = flask(url, *command)
            print(f"{name}: {seconds:.1f} s, peak RSS {rss} MiB: {line}")
        hashed, constant = put_medians(url, args.puts)
        print(f"PUT median: {hashed:.3f} ms with the hash, {constant:.3f} ms with a constant "
              f"(+{hashed - constant:.3f} ms)")


if __name__ == "__main__":
    main()
