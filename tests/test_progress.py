"""Get Job's `paths` and `progress` (docs/api.md: GET /api/jobs/{id})."""
import logging

import pytest

from jobs.services.progress import percent
from tests.conftest import STEPS


def progress(client, job_id):
    response = client.get(f"/api/jobs/{job_id}")
    assert response.status_code == 200
    return response.json["progress"]


def advance_to_end(client, serial_ids):
    for serial_id in serial_ids:
        for _ in STEPS:
            assert client.post(f"/api/serials/{serial_id}/advance").status_code == 200


def test_progress_counts_per_status_and_path(client, job, path, make_path, make_serials,
                                             make_job):
    rework = make_path(job["id"], name="Rework", goalQuantity=3)
    main = [s["id"] for s in make_serials(path, 6)]
    extra = [s["id"] for s in make_serials(rework, 2)]
    make_serials(make_path(make_job()["id"]), 4)
    advance_to_end(client, main[:2] + extra[:1])
    client.post(f"/api/serials/{main[2]}/advance")
    client.post(f"/api/serials/{main[3]}/scrap", json={"reason": "damaged"})
    def steps(of, waiting):
        return [{"stepId": step["id"], "name": step["name"], "waiting": count, "onHold": 0,
                 "deferred": 0} for step, count in zip(of["steps"], waiting, strict=True)]

    assert progress(client, job["id"]) == {
        "totalGoal": 50, "totalCompleted": 3, "totalInProgress": 4, "totalOnHold": 0,
        "totalScrapped": 1, "totalReworked": 0, "percentComplete": 6, "firstPassYield": 100,
        "pathProgress": [
            {"pathId": path["id"], "pathName": "Main Route", "goal": 10, "completed": 2,
             "onHold": 0, "reworked": 0, "percentComplete": 20, "firstPassYield": 100,
             "steps": steps(path, [2, 1, 0])},
            {"pathId": rework["id"], "pathName": "Rework", "goal": 3, "completed": 1,
             "onHold": 0, "reworked": 0, "percentComplete": 33.33, "firstPassYield": 100,
             "steps": steps(rework, [1, 0, 0])},
        ],
    }


def test_path_without_serials_and_renamed_path(client, job, path):
    client.put(f"/api/paths/{path['id']}", json={"name": "Renamed", "goalQuantity": 7})
    shown = progress(client, job["id"])["pathProgress"]
    assert [{k: v for k, v in p.items() if k != "steps"} for p in shown] == [
        {"pathId": path["id"], "pathName": "Renamed", "goal": 7, "completed": 0, "onHold": 0,
         "reworked": 0, "percentComplete": 0},
    ]


def test_percent_is_rounded_to_two_decimals(client, make_job, make_path, make_serials):
    job = make_job(goalQuantity=3)
    path = make_path(job["id"], goalQuantity=7)
    advance_to_end(client, [s["id"] for s in make_serials(path, 2)])
    result = progress(client, job["id"])
    assert (result["percentComplete"], result["pathProgress"][0]["percentComplete"]) == (
        66.67, 28.57)


@pytest.mark.parametrize("done,goal,expected", [
    (1, 32, 3.13), (1, 800, 0.13), (1, 3, 33.33), (2, 3, 66.67), (1, 8, 12.5), (3, 2, 150),
    (0, 5, 0), (1, 2147483647, 0),
])
def test_percent_rounds_half_up_exactly(done, goal, expected):
    value = percent(done, goal)
    assert value == expected
    assert isinstance(value, int) == float(expected).is_integer()


def test_goal_reduced_below_completed_exceeds_100_and_touches_no_serial(
        client, job, path, make_serials):
    advance_to_end(client, [s["id"] for s in make_serials(path, 3)])
    serials_before = client.get("/api/serials").json
    assert client.put(f"/api/jobs/{job['id']}", json={"goalQuantity": 2}).status_code == 200
    assert client.put(f"/api/paths/{path['id']}", json={"goalQuantity": 1}).status_code == 200
    result = progress(client, job["id"])
    assert (result["totalGoal"], result["totalCompleted"], result["percentComplete"]) == (2, 3, 150)
    assert result["pathProgress"][0]["percentComplete"] == 300
    assert client.get("/api/serials").json == serials_before


def test_progress_counts_in_sql_without_loading_serials(client, job, path, make_serials, caplog):
    make_serials(path, 5)
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        assert progress(client, job["id"])["totalInProgress"] == 5
    serial_queries = [r.getMessage() for r in caplog.records if '"serial' in r.getMessage()]
    assert len(serial_queries) == 4
    assert all("COUNT(*)" in query for query in serial_queries)
