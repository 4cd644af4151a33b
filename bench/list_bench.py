"""List pages and whole lists as a job's serials grow (docs/benchmarks.md, Lists).

Seeds one SQLite database with one job per N (default 1,000, 100,000 and
1,000,000 serials on one path; rows written straight through the store with
`insert_many`), serves it with `gunicorn wsgi:app` (2 workers, free loopback
port) and measures `GET /api/serials?jobId=<job>`:

- pages of 100 (`limit=100`): the first, a middle one and the last, reached
  through their cursors (found by following `next` links); the median of
  `--rounds` requests, interleaved round by round across N so that
  background load hits every N alike, and each median's ratio to N's first;
  the same for `stepId=<the path's step>` ("what waits at my station"), where
  every tenth serial is scrapped there, so that the filter skips it;
- the whole list (no `limit`): the median time of `--full-rounds` requests
  and the serving worker's peak RSS growth (VmHWM in /proc/<pid>/status of
  every worker, before and after).

With `--baseline COMMIT` (default 4014cc2, main before pages) it also serves
that commit's code (`git archive` into a temp dir, same gunicorn settings)
on its own database with the 100,000-serial job and measures its whole
list the same way, rounds interleaved with this code's. Goals: a page at the
largest N within 1.5x of the page at the smallest; the whole list of
100,000 at least 4x faster than the baseline, peak RSS growing < 30 MB.
`--plans` prints SQLite's plan of a page of each filter on the seeded data.

Run from the repository root: `.venv/bin/python -m bench.list_bench`.
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from peewee import chunked

from app import create_app
from jobs import clock
from jobs.services import jobs as job_service
from jobs.services import paths as path_service
from jobs.services.jobs import job_list
from jobs.services.serials import serial_list
from jobs.store.db import db, make_database
from jobs.store.models import Sequence, Serial
from tests.live import ROOT, Gunicorn

SIZES = (1000, 100_000, 1_000_000)
PAGE = 100
ROWS_PER_INSERT = 1000


def serial_rows(job_id: str, path_id: str, step_id: str, first: int, count: int):
    """Yield `count` serial rows numbered from `first`, all at step 0: every tenth scrapped
    there, the others in progress."""
    stamp = clock.now_ms()
    for number in range(first, first + count):
        yield {"id": f"SN-{number:05d}", "number": number, "job_id": job_id, "path_id": path_id,
               "current_step_index": 0, "current_step_id": step_id,
               "status": "scrapped" if number % 10 == 0 else "in_progress",
               "created_at": stamp, "updated_at": stamp}


def waiting(size: int, first: int) -> int:
    """How many of the serials numbered `first`..`first + size - 1` are in progress."""
    return size - ((first + size - 1) // 10 - (first - 1) // 10)


def seed_job(size: int, first: int) -> tuple[str, str]:
    """Insert a job, a one-step path and `size` serials from number `first`; return the job
    and step ids."""
    job = job_service.create_job({"name": f"BENCH-{size}", "goal_quantity": size})
    path = path_service.create_path({"job_id": job["id"], "name": "Main Route",
                                     "goal_quantity": size, "advancement_mode": "strict",
                                     "steps": [{"name": "Cut", "optional": False,
                                                "dependency_type": "preferred"}]})
    step_id = path["steps"][0]["id"]
    with db.atomic():
        for batch in chunked(serial_rows(job["id"], path["id"], step_id, first, size),
                             ROWS_PER_INSERT):
            Serial.insert_many(batch).execute()
        Sequence.insert(name="serial", value=first + size - 1).on_conflict(
            conflict_target=[Sequence.name], update={Sequence.value: first + size - 1}).execute()
    return job["id"], step_id


def seed(sizes, url: str) -> dict[int, dict]:
    """Seed one job per size into the database at `url` (schema made by this code); return
    per size the filters of its pages (`jobId`, `stepId`) and their item counts."""
    create_app({"DATABASE_URL": url}, upgrade_schema=True)
    jobs, first = {}, 1
    with db.connection_context():
        for size in sizes:
            started = time.perf_counter()
            job_id, step_id = seed_job(size, first)
            jobs[size] = {"jobId": ({"jobId": job_id}, size),
                          "stepId": ({"stepId": step_id}, waiting(size, first))}
            first += size
            print(f"seeded {size:>9,} serials in {time.perf_counter() - started:.1f} s",
                  flush=True)
    db.obj.close_all()
    return jobs


def seed_baseline(path: Path, size: int) -> str:
    """Seed the baseline's database (its own schema, made by its gunicorn) with one job.

    Written with this code's models, whose columns the first release's tables share.
    """
    database = make_database(f"sqlite:///{path}")
    db.initialize(database)
    with db.connection_context():
        job_id, _ = seed_job(size, 1)
    database.close_all()
    return job_id


def cursor_after(session, base: str, where: dict, position: int, cursor=None, seen=0) -> str:
    """The cursor after the first `position` serials `where` lists, following `next` links."""
    while seen < position:
        params = {**where, "limit": min(1000, position - seen)}
        if cursor:
            params["cursor"] = cursor
        response = session.get(f"{base}/api/serials", params=params, timeout=30)
        seen += len(response.json())
        cursor = response.links["next"]["url"].partition("&cursor=")[2]
    return cursor


def timed(session, url: str, params: dict, items: int) -> float:
    """Seconds for one page; fails unless it holds `items` items."""
    started = time.perf_counter()
    response = session.get(url, params=params, timeout=30)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and len(response.json()) == items, response.text[:200]
    return elapsed


def page_medians(base: str, pages: dict[int, tuple[dict, int]],
                 rounds: int) -> dict[int, dict[str, float]]:
    """Median seconds per N of the first, a middle and the last page of 100 of one filter
    (`pages`: per N, the filter and how many serials it lists)."""
    url = f"{base}/api/serials"
    with requests.Session() as session:
        cursors = {}
        for size, (where, count) in pages.items():
            middle = cursor_after(session, base, where, count // 2)
            last = cursor_after(session, base, where, count - PAGE, middle, count // 2)
            cursors[size] = {"first": None, "middle": middle, "last": last}
        samples = {size: {kind: [] for kind in cursors[size]} for size in pages}
        for _ in range(rounds + 3):
            for size, (where, _) in pages.items():
                for kind, cursor in cursors[size].items():
                    params = {**where, "limit": PAGE, **({"cursor": cursor} if cursor else {})}
                    samples[size][kind].append(timed(session, url, params, PAGE))
    return {size: {kind: statistics.median(values[3:]) for kind, values in kinds.items()}
            for size, kinds in samples.items()}


def memory_kb(pid: int, field: str) -> int:
    """`field` (VmRSS, VmHWM) of process `pid` from /proc, in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith(field)))


def reset_peaks(pids) -> None:
    """Set each process's VmHWM back to its current RSS (needs root; else peaks stay)."""
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            return


def full_list(base: str, job_id: str, size: int) -> tuple[float, int]:
    """Seconds to read the whole list of the job, and its bytes; checks the item count."""
    started = time.perf_counter()
    with requests.get(f"{base}/api/serials", params={"jobId": job_id}, stream=True,
                      timeout=60) as response:
        assert response.status_code == 200
        total, items, tail = 0, 0, b""
        for chunk in response.iter_content(1 << 20):
            items += (tail + chunk).count(b'{"id":"SN-')
            tail, total = chunk[-9:], total + len(chunk)
    elapsed = time.perf_counter() - started
    assert items == size, (items, size)
    return elapsed, total


def measured_full_list(server: Gunicorn, job_id: str, size: int) -> tuple[float, int, int]:
    """`full_list`, plus the serving worker's peak RSS growth in kB: VmHWM after the
    request less VmRSS before it (peaks reset first), the largest over the workers."""
    pids = server.worker_pids()
    reset_peaks(pids)
    before = {pid: memory_kb(pid, "VmRSS:") for pid in pids}
    seconds, sent = full_list(server.base, job_id, size)
    return seconds, sent, max(memory_kb(pid, "VmHWM:") - before[pid] for pid in pids)


def full_medians(targets: dict[str, tuple[Gunicorn, str, int]], rounds: int) -> dict[str, dict]:
    """Per target, rounds interleaved: median seconds of the whole list, MB sent, and the
    largest peak RSS growth of the serving worker, MB."""
    samples = {name: [] for name in targets}
    for _ in range(rounds):
        for name, (server, job_id, size) in targets.items():
            samples[name].append(measured_full_list(server, job_id, size))
    return {name: {"seconds": statistics.median(s for s, _, _ in runs), "mb": runs[0][1] / 1e6,
                   "rss_growth_mb": max(g for _, _, g in runs) / 1024}
            for name, runs in samples.items()}


def warm_up(server: Gunicorn) -> None:
    """A few small requests, so every worker has imported and connected before measuring."""
    for _ in range(8):
        requests.get(f"{server.base}/api/serials?limit=1", timeout=10).raise_for_status()


def baseline_server(commit: str, directory: Path) -> Gunicorn:
    """gunicorn serving `commit`'s code (`git archive` into `directory`), same settings."""
    code = directory / "code"
    code.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
    return Gunicorn(directory / "baseline.db", workers=2, root=code)


def print_plans() -> None:
    """SQLite's plan of a page after a cursor, for each filter of both lists."""
    cases = [("jobs", job_list(), (0, "")), ("jobs q", job_list(q="x"), (0, "")),
             ("jobs jiraTicketKey", job_list(jira_ticket_key="PI-1"), (0, "")),
             ("jobs updatedAfter", job_list(updated_after=0), (0, "")),
             ("serials", serial_list(), (0,)), ("serials jobId", serial_list(job_id="j"), (0,)),
             ("serials pathId", serial_list(path_id="p"), (0,)),
             ("serials status", serial_list(status="completed"), (0,)),
             ("serials stepId", serial_list(step_id="s"), (0,)),
             ("serials updatedAfter", serial_list(updated_after=0), (0,))]
    with db.connection_context():
        for name, keyset, after in cases:
            for label, key in (("first page", None), ("after a cursor", after)):
                sql, params = keyset.page_query(key, PAGE + 1).sql()
                plan = " / ".join(row[-1] for row in
                                  db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
                print(f"{name:<22} {label:<15} {plan}")


def report_pages(name: str, pages: dict) -> None:
    """Print one filter's page medians, their ratios to the smallest N, and the goal."""
    smallest = min(pages)
    print(f"\n{name:>10} {'first ms':>9} {'middle ms':>9} {'last ms':>8}"
          f"  ratios to N={smallest:,}")
    for size, kinds in pages.items():
        ratios = " / ".join(f"{kinds[k] / pages[smallest][k]:.2f}" for k in kinds)
        print(f"{size:>10,} {kinds['first'] * 1e3:>9.2f} {kinds['middle'] * 1e3:>9.2f} "
              f"{kinds['last'] * 1e3:>8.2f}  {ratios}")
    worst = max(pages[max(pages)][k] / pages[smallest][k] for k in pages[smallest])
    print(f"{name} page at N={max(pages):,} vs N={smallest:,}: worst ratio {worst:.2f} "
          "(goal <= 1.5)")


def report(pages: dict, full: dict, baseline_size: int) -> None:
    """Print the page medians and ratios of each filter, the whole-list figures and the goals."""
    for name, by_size in pages.items():
        report_pages(name, by_size)
    print(f"\n{'whole list':>20} {'seconds':>8} {'MB':>7} {'RSS growth MB':>13}")
    for name, figures in full.items():
        print(f"{name:>20} {figures['seconds']:>8.3f} {figures['mb']:>7.1f} "
              f"{figures['rss_growth_mb']:>13.1f}")
    if "baseline" in full:
        ours = full[f"this code {baseline_size:,}"]
        speedup = full["baseline"]["seconds"] / ours["seconds"]
        print(f"whole list of {baseline_size:,}: {speedup:.1f}x faster than the baseline "
              f"(goal >= 4), RSS growth {ours['rss_growth_mb']:.1f} MB (goal < 30), baseline's "
              f"{full['baseline']['rss_growth_mb']:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--full-rounds", type=int, default=3)
    parser.add_argument("--baseline", default="4014cc2", help="commit to compare; '' for none")
    parser.add_argument("--plans", action="store_true")
    args = parser.parse_args()
    baseline_size = 100_000
    with tempfile.TemporaryDirectory(prefix="list-bench-") as temp:
        directory = Path(temp)
        jobs = seed(args.sizes, f"sqlite:///{directory / 'bench.db'}")
        if args.plans:
            print_plans()
        server = Gunicorn(directory / "bench.db", workers=2)
        servers = [server]
        try:
            targets = {f"this code {size:,}": (server, filters["jobId"][0]["jobId"], size)
                       for size, filters in jobs.items()}
            if args.baseline and baseline_size in jobs:
                old = baseline_server(args.baseline, directory)
                servers.append(old)
                targets["baseline"] = (old, seed_baseline(old.db_path, baseline_size),
                                       baseline_size)
            for target in servers:
                warm_up(target)
            full = full_medians(targets, args.full_rounds)
            pages = {name: page_medians(server.base, {size: filters[name]
                                                      for size, filters in jobs.items()},
                                        args.rounds) for name in ("jobId", "stepId")}
        finally:
            for target in servers:
                target.stop()
    report(pages, full, baseline_size)


if __name__ == "__main__":
    sys.exit(main())
