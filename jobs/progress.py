"""Live progress of a job (API.md: GET /api/jobs/{id}, `progress`).

Counts come from one grouped aggregate (`COUNT(*) ... GROUP BY path, status`)
answered from the covering index on serial(job, path, status): the serials
themselves are never loaded, so Get Job stays flat as a job's serials grow.
"""
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from peewee import SQL, fn

from jobs.models import Job, Serial

HUNDREDTH = Decimal("0.01")


def percent(done: int, goal: int) -> float | int:
    """Return `done / goal * 100` rounded half up to 2 decimals, uncapped; whole numbers as int.

    Computed exactly: 1 of 32 is 3.125 % and gives 3.13, as a JavaScript
    client's `toFixed(2)` would, not the 3.12 that binary rounding gives.
    """
    if not goal:
        return 0
    value = (Decimal(done * 100) / goal).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else float(value)


def serial_counts(job_id: str) -> dict[tuple[str, str], int]:
    """Return `{(path_id, status): count}` over the serials of job `job_id`."""
    query = (
        Serial.select(Serial.path, Serial.status, fn.COUNT(SQL("*")))
        .where(Serial.job == job_id)
        .group_by(Serial.path, Serial.status)
        .tuples()
    )
    return {(path_id, status): count for path_id, status, count in query}


def job_progress(job: Job, paths: list[dict]) -> dict:
    """Return the progress object of `job`: totals over its serials and one entry per path.

    `paths` are Get Job's path dicts; `pathProgress` follows their order and
    each path's own goal. Percentages may exceed 100 when a goal was reduced
    below the completed count.
    """
    counts = serial_counts(job.id)
    totals = Counter()
    for (_, status), count in counts.items():
        totals[status] += count
    return {
        "total_goal": job.goal_quantity,
        "total_completed": totals["completed"],
        "total_in_progress": totals["in_progress"],
        "total_scrapped": totals["scrapped"],
        "percent_complete": percent(totals["completed"], job.goal_quantity),
        "path_progress": [_path_progress(path, counts) for path in paths],
    }


def _path_progress(path: dict, counts: dict) -> dict:
    completed = counts.get((path["id"], "completed"), 0)
    return {
        "path_id": path["id"],
        "path_name": path["name"],
        "goal": path["goal_quantity"],
        "completed": completed,
        "percent_complete": percent(completed, path["goal_quantity"]),
    }
