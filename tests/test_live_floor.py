"""The floor's real day on real processes (docs/api.md, Undo; Inspections): concurrent moves of
one serial on SQLite and PostgreSQL (2 workers), and on two hosts behind nginx."""
import pytest
import requests

from tests.live import all_at_once, create_job

pytestmark = pytest.mark.live

STEPS = [{"name": f"S{i}"} for i in range(12)]
STEPS[1] = {"name": "Bore", "checks": [{"name": "bore", "kind": "measurement", "upper": 25}]}


@pytest.fixture(scope="module")
def path(target):
    job = create_job(target.base, name="FLOOR")
    body = {"jobId": job["id"], "name": "Floor", "goalQuantity": 5, "steps": STEPS,
            "advancementMode": "flexible"}
    return requests.post(f"{target.base}/api/paths", json=body, timeout=10).json()


def new_serial(target, path) -> str:
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 1}
    return requests.post(f"{target.base}/api/serials", json=body, timeout=10).json()[0]["id"]


def move(target, sid, action, body=None):
    response = requests.post(f"{target.base}/api/serials/{sid}/{action}", json=body or {},
                             timeout=30)
    return response.status_code, response.json()


def history(target, sid):
    return requests.get(f"{target.base}/api/serials/{sid}/history", timeout=10).json()


def test_two_concurrent_undos_revert_two_moves(target, path):
    sid = new_serial(target, path)
    move(target, sid, "advance", {"toStepIndex": 2})
    for _ in range(3):
        move(target, sid, "advance")
    moves = [e["id"] for e in history(target, sid)[1:]]
    answers = all_at_once(2, lambda i: move(target, sid, "undo", {"reason": f"u{i}"}))
    assert [status for status, _ in answers] == [200, 200]
    undone = sorted(e["data"]["undoneEventId"] for e in history(target, sid)
                    if e["type"] == "serial.undone")
    assert undone == moves[-2:]
    current = requests.get(f"{target.base}/api/serials/{sid}", timeout=10).json()
    assert current["currentStepIndex"] == 3


def test_concurrent_advance_rework_and_undo_of_one_serial_stay_consistent(target, path):
    sid = new_serial(target, path)
    move(target, sid, "advance", {"toStepIndex": 2})
    for _ in range(3):
        move(target, sid, "advance")
    actions = [("advance", {})] * 6 + [("rework", {"toStepIndex": 2, "reason": "other"})] * 3 \
        + [("undo", {"reason": "race"})] * 3
    answers = all_at_once(len(actions), lambda i: move(target, sid, *actions[i]))
    assert all(status == 200 for status, _ in answers), answers
    events = history(target, sid)
    assert len(events) == 5 + len(actions)
    undone = [e["data"]["undoneEventId"] for e in events if e["type"] == "serial.undone"]
    assert len(undone) == len(set(undone)) == 3
    standing = [e for e in events[1:] if e["type"] != "serial.undone" and e["id"] not in undone]
    final = requests.get(f"{target.base}/api/serials/{sid}", timeout=10).json()
    assert final["reworkCount"] == sum(e["type"] == "serial.reworked" for e in standing)
    assert final["steps"][final["currentStepIndex"]]["state"] == "current"
    assert [s["state"] for s in final["steps"]].count("current") == 1


def test_a_failing_result_and_a_concurrent_advance_exactly_one_wins(target, path):
    for _ in range(5):
        sid = new_serial(target, path)
        move(target, sid, "advance")
        bodies = [{"expectedStepIndex": 1, "results": {"bore": 26}},
                  {"expectedStepIndex": 1, "results": {"bore": 24}}]
        answers = all_at_once(2, lambda i, b=bodies, s=sid: move(target, s, "advance", b[i]))
        held, advanced = answers
        final = requests.get(f"{target.base}/api/serials/{sid}", timeout=10).json()
        if held[0] == 200:
            assert held[1]["status"] == "on_hold" and final["status"] == "on_hold"
            assert advanced == (409, advanced[1])
            assert advanced[1]["message"] == f"Serial {sid} is on hold"
        else:
            assert advanced[0] == 200 and final["currentStepIndex"] == 2
            assert held[1]["message"] == f"Serial {sid} is at step 2, not 1"
        assert len(history(target, sid)) == 3


def test_a_bypass_racing_a_path_update_follows_one_mode_or_the_other(target):
    job = create_job(target.base, name="RACE-MODE")
    for round_no in range(5):
        body = {"jobId": job["id"], "name": f"M{round_no}", "goalQuantity": 1,
                "steps": [{"name": "A"}, {"name": "B"}, {"name": "C"}]}
        path = requests.post(f"{target.base}/api/paths", json=body, timeout=10).json()
        sid = new_serial(target, path)

        def act(i, p=path, s=sid):
            if i == 0:
                return requests.put(f"{target.base}/api/paths/{p['id']}", timeout=30,
                                    json={"advancementMode": "flexible"}).status_code, {}
            return move(target, s, "advance", {"toStepIndex": 2})

        (updated, _), (status, answer) = all_at_once(2, act)
        assert updated == 200
        if status == 200:
            assert answer["steps"][1]["state"] == "deferred"
        else:
            assert (status, answer["message"]) == (
                409, "Step B is required and cannot be bypassed on this path")
