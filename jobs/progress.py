"""Live progress of a job (API.md: GET /api/jobs/{id}, `progress`).

Counts come from one SQL statement: per path of the job, one `COUNT(*)` per
status, each answered as a range of the covering index serial(path, status).
The serials themselves are never loaded. (This is 2.5 times faster than one
`GROUP BY path, status` over the job's serials: README, Benchmark.)
"""
from decimal import ROUND_HALF_UP, Decimal

from peewee import SQL, fn

from jobs.models import Job, Path, Serial
from jobs.statements import compile_once, placeholder, tuples

HUNDREDTH = Decimal("0.01")
STATUSES = ("completed", "in_progress", "scrapped")


def percent(done: int, goal: int) -> float | int:
    """Return `done / goal * 100` rounded half up to 2 decimals, uncapped; whole numbers as int.

    Computed exactly: 1 of 32 is 3.125 % and gives 3.13, as a JavaScript
    client's `toFixed(2)` would, not the 3.12 that binary rounding gives.
    """
    if not goal:
        return 0
    value = (Decimal(done * 100) / goal).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else float(value)


def _count_on_path():
    return Serial.select(fn.COUNT(SQL("*"))).where(
        (Serial.path == Path.id) & (Serial.status == placeholder())
    )


def _counts_of_job():
    return Path.select(Path.id, *[_count_on_path() for _ in STATUSES]).where(
        Path.job == placeholder()
    )


def serial_counts(job_id: str) -> dict[str, dict[str, int]]:
    """Return `{path_id: {status: count}}` over the paths of job `job_id`."""
    rows = tuples(compile_once(_counts_of_job), (*STATUSES, job_id))
    return {path_id: dict(zip(STATUSES, counts)) for path_id, *counts in rows}


def job_progress(job: Job, paths: list[dict]) -> dict:
    """Return the progress object of `job`: totals over its serials and one entry per path.

    `paths` are Get Job's path dicts; `pathProgress` follows their order and
    each path's own goal. Every serial of a job is on one of its paths, so
    the job's totals are the sums over its paths. Percentages may exceed 100
    when a goal was reduced below the completed count.
    """
    counts = serial_counts(job.id)
    totals = {status: sum(c[status] for c in counts.values()) for status in STATUSES}
    return {
        "total_goal": job.goal_quantity,
        "total_completed": totals["completed"],
        "total_in_progress": totals["in_progress"],
        "total_scrapped": totals["scrapped"],
        "percent_complete": percent(totals["completed"], job.goal_quantity),
        "path_progress": [_path_progress(path, counts[path["id"]]) for path in paths],
    }


def _path_progress(path: dict, counts: dict[str, int]) -> dict:
    return {
        "path_id": path["id"],
        "path_name": path["name"],
        "goal": path["goal_quantity"],
        "completed": counts["completed"],
        "percent_complete": percent(counts["completed"], path["goal_quantity"]),
    }
