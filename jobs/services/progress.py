"""Live progress of a job (docs/api.md: Get Job, `progress`; Progress, extended).

Four statements over indexes; the serials themselves are never loaded:
- per path, the completed and the scrapped serials, each a `COUNT(*)` of a
  range of the covering index serial(path_id, status, current_step_index);
- per step of the job's paths, the `in_progress` and the `on_hold`
  serials at it, each a `COUNT(*)` of a range of the same index: the
  waiting and held per step, and their totals;
- the few serials ever reworked or held, from a partial index: `reworked`
  and the completed serials that are not first pass;
- per path and step the `deferred` states, from serial_step(path_id, state,
  step_index).
Voided serials count nowhere.
"""
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from peewee import SQL, fn

from jobs.store.models import Path, ProcessStep, Serial, SerialStep
from jobs.store.statements import param, statement, tuples
from jobs.vocabulary import COMPLETED, DEFERRED, IN_PROGRESS, ON_HOLD, SCRAPPED, VOIDED

HUNDREDTH = Decimal("0.01")
TENTH = Decimal("0.1")


def percent(done: int, goal: int, places: Decimal = HUNDREDTH) -> float | int:
    """Return `done / goal * 100` rounded half up to `places`, uncapped; whole numbers as int.

    Computed exactly: 1 of 32 is 3.125 % and gives 3.13, as a JavaScript
    client's `toFixed(2)` would, not the 3.12 that binary rounding gives.
    """
    if not goal:
        return 0
    value = (Decimal(done * 100) / goal).quantize(places, rounding=ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else float(value)


def _paths_of_job():
    return Path.select(Path.id).where(Path.job == param("job_id"))


def _count_on_path(status: str):
    return Serial.select(fn.COUNT(SQL("*"))).where(
        (Serial.path_id == Path.id) & (Serial.status == param(status)))


def _finished_of_job():
    return Path.select(Path.id, _count_on_path("completed"), _count_on_path("scrapped")).where(
        Path.job == param("job_id"))


def _count_at_step(status: str):
    return Serial.select(fn.COUNT(SQL("*"))).where(
        (Serial.path_id == ProcessStep.path) & (Serial.status == param(status)) &
        (Serial.current_step_index == ProcessStep.order))


def _by_status_and_step():
    # One index range per step and status, as for the totals: a GROUP BY over
    # the same rows took half as long again (docs/benchmarks.md).
    return ProcessStep.select(ProcessStep.path, ProcessStep.order, _count_at_step("waiting"),
                              _count_at_step("held")).where(ProcessStep.path.in_(_paths_of_job()))


def _reworked_or_held():
    # The WHERE repeats the partial index's own condition, so both databases use it.
    return (Serial.select(Serial.path_id, Serial.status, Serial.rework_count > SQL("0"),
                          fn.COUNT(SQL("*")))
            .where(Serial.path_id.in_(_paths_of_job()) &
                   ((Serial.rework_count > SQL("0")) | (Serial.hold_count > SQL("0"))))
            .group_by(Serial.path_id, Serial.status, Serial.rework_count > SQL("0")))


def _deferred():
    return (SerialStep.select(SerialStep.path_id, SerialStep.step_index, fn.COUNT(SQL("*")))
            .where(SerialStep.path_id.in_(_paths_of_job()) & (SerialStep.state == param("state")))
            .group_by(SerialStep.path_id, SerialStep.step_index))


def _zero() -> dict:
    return {"statuses": defaultdict(int), "waiting": defaultdict(int), "held": defaultdict(int),
            "deferred": defaultdict(int), "reworked": 0, "not_first_pass": 0}


def serial_counts(job_id: str) -> dict[str, dict]:
    """Return per path of job `job_id` its counts (statuses; per step waiting, held, deferred)."""
    counts = defaultdict(_zero)
    finished = tuples(statement(_finished_of_job), {
        "completed": COMPLETED, "scrapped": SCRAPPED, "job_id": job_id})
    for path_id, completed, scrapped in finished:
        counts[path_id]["statuses"].update({COMPLETED: completed, SCRAPPED: scrapped})
    at_a_step = tuples(statement(_by_status_and_step), {
        "waiting": IN_PROGRESS, "held": ON_HOLD, "job_id": job_id})
    for path_id, at, waiting, held in at_a_step:
        path = counts[path_id]
        path["statuses"][IN_PROGRESS] += waiting
        path["statuses"][ON_HOLD] += held
        path["waiting"][at], path["held"][at] = waiting, held
    reworked_or_held = tuples(statement(_reworked_or_held), {"job_id": job_id})
    for path_id, status, reworked, count in reworked_or_held:
        if status != VOIDED and reworked:
            counts[path_id]["reworked"] += count
        if status == COMPLETED:
            counts[path_id]["not_first_pass"] += count
    deferred = tuples(statement(_deferred), {"job_id": job_id, "state": DEFERRED})
    for path_id, index, count in deferred:
        counts[path_id]["deferred"][index] += count
    return counts


def _first_pass(completed: int, not_first_pass: int) -> float | int | None:
    return percent(completed - not_first_pass, completed, TENTH) if completed else None


def job_progress(job: dict, paths: list[dict]) -> dict:
    """Return the progress object of `job` (a job row): totals over its serials, one entry per path.

    `paths` are Get Job's path dicts; `pathProgress` follows their order and
    each path's own goal. Every serial of a job is on one of its paths, so
    the job's totals are the sums over its paths. Percentages may exceed 100
    when a goal was reduced below the completed count.
    """
    # A job without paths has no serials: nothing to count.
    counts = serial_counts(job["id"]) if paths else {}
    of_paths = [counts[path["id"]] for path in paths]

    def total(key: str) -> int:
        return sum(c[key] for c in of_paths)

    def of_status(status: str) -> int:
        return sum(c["statuses"][status] for c in of_paths)

    completed = of_status(COMPLETED)
    return {
        "total_goal": job["goal_quantity"],
        "total_completed": completed,
        "total_in_progress": of_status(IN_PROGRESS),
        "total_on_hold": of_status(ON_HOLD),
        "total_scrapped": of_status(SCRAPPED),
        "total_reworked": total("reworked"),
        "percent_complete": percent(completed, job["goal_quantity"]),
        "first_pass_yield": _first_pass(completed, total("not_first_pass")),
        "path_progress": [_path_progress(path, c) for path, c in zip(paths, of_paths,
                                                                     strict=True)],
    }


def _path_progress(path: dict, counts: dict) -> dict:
    completed = counts["statuses"][COMPLETED]
    return {
        "path_id": path["id"],
        "path_name": path["name"],
        "goal": path["goal_quantity"],
        "completed": completed,
        "on_hold": counts["statuses"][ON_HOLD],
        "reworked": counts["reworked"],
        "percent_complete": percent(completed, path["goal_quantity"]),
        "first_pass_yield": _first_pass(completed, counts["not_first_pass"]),
        "steps": [{"step_id": step["id"], "name": step["name"],
                   "waiting": counts["waiting"][index], "on_hold": counts["held"][index],
                   "deferred": counts["deferred"][index]}
                  for index, step in enumerate(path["steps"])],
    }
