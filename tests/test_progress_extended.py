"""Progress, extended (docs/api.md): onHold, reworked, firstPassYield, per-step figures."""
import pytest

from jobs.services import progress as service
from jobs.store.db import db
from jobs.store.statements import statement
from tests.test_floor_advance import STEPS, post


@pytest.fixture
def setup(client, job, make_path, make_serials):
    path = make_path(job["id"], advancementMode="flexible", steps=STEPS, goalQuantity=4)
    return path, [s["id"] for s in make_serials(path, 6)]


def progress(client, job_id):
    return client.get(f"/api/jobs/{job_id}").json["progress"]


def finish(client, sid):
    while post(client, sid, "advance").json["status"] != "completed":
        pass


def test_names_and_order(client, job, setup):
    shown = progress(client, job["id"])
    assert list(shown) == ["totalGoal", "totalCompleted", "totalInProgress", "totalOnHold",
                           "totalScrapped", "totalReworked", "percentComplete", "pathProgress"]
    assert list(shown["pathProgress"][0]) == [
        "pathId", "pathName", "goal", "completed", "onHold", "reworked", "percentComplete",
        "steps"]
    assert list(shown["pathProgress"][0]["steps"][0]) == [
        "stepId", "name", "waiting", "onHold", "deferred"]


def test_reworked_first_pass_waiting_and_deferred(client, job, setup):
    path, ids = setup
    for sid in ids[:3]:
        finish(client, sid)
    post(client, ids[0], "rework", {"toStepIndex": 4, "reason": "other"})
    finish(client, ids[0])
    post(client, ids[3], "advance", {"toStepIndex": 3})
    post(client, ids[4], "rework", {"toStepIndex": 0, "reason": "other"})
    post(client, ids[4], "scrap", {"reason": "damaged"})
    client.post("/api/serials/void", json={"serialIds": [ids[5]], "reason": "typo"})
    shown = progress(client, job["id"])
    assert {k: shown[k] for k in ("totalCompleted", "totalInProgress", "totalScrapped",
                                  "totalReworked", "percentComplete", "firstPassYield")} == {
        "totalCompleted": 3, "totalInProgress": 1, "totalScrapped": 1, "totalReworked": 2,
        "percentComplete": 6, "firstPassYield": 66.7}
    entry = shown["pathProgress"][0]
    assert (entry["reworked"], entry["firstPassYield"], entry["percentComplete"]) == (
        2, 66.7, 75)
    assert [(s["waiting"], s["deferred"]) for s in entry["steps"]] == [
        (0, 0), (0, 0), (0, 1), (1, 0), (0, 0)]


def test_an_undone_rework_does_not_count_against_first_pass(client, job, setup):
    _, ids = setup
    finish(client, ids[0])
    post(client, ids[0], "rework", {"toStepIndex": 0, "reason": "other"})
    assert progress(client, job["id"])["totalReworked"] == 1
    post(client, ids[0], "undo", {"reason": "wrong part"})
    shown = progress(client, job["id"])
    assert (shown["totalReworked"], shown["firstPassYield"]) == (0, 100)


def test_first_pass_yield_rounds_half_up_to_one_decimal():
    assert service.percent(5, 8, service.TENTH) == 62.5
    assert service.percent(2, 3, service.TENTH) == 66.7
    assert service.percent(1, 3, service.TENTH) == 33.3
    assert service.percent(3, 3, service.TENTH) == 100


@pytest.mark.sqlite_only  # PostgreSQL's planner reads a table this small whole
@pytest.mark.parametrize("build,index", [
    (service._finished_of_job, "serial_path_id_status_current_step_index"),
    (service._by_status_and_step, "serial_path_id_status_current_step_index"),
    (service._reworked_or_held, "serial_path_id_status"),
    (service._deferred, "serial_step_path_id_state_step_index"),
])
def test_each_figure_is_read_from_an_index(app, build, index):
    with db.connection_context():
        explained = statement(build)
        plan = db.execute_sql("EXPLAIN QUERY PLAN " + explained.sql,
                              ("x",) * len(explained.names)).fetchall()
    assert any(index in row[-1] for row in plan), plan
