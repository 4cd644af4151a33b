"""Scans on real processes (docs/api.md, Scans): the same batch from several clients at once
applies each item once, on one host and on two PostgreSQL hosts behind nginx, and under one
Idempotency-Key runs once while its retries wait; a worker killed
(SIGKILL) in the middle of a batch leaves every applied item applied, the rest replayable."""
import os
import signal
import threading
import time

import pytest
import requests

from tests.live import all_at_once, create_job

pytestmark = pytest.mark.live

CLIENTS = 6
ITEMS = 40


def make_serials(base: str, quantity: int, steps: int = 3) -> list[str]:
    job = create_job(base, name="SCANS")
    path = requests.post(f"{base}/api/paths", timeout=10, json={
        "jobId": job["id"], "name": "P", "goalQuantity": 1,
        "steps": [{"name": f"S{i}"} for i in range(steps)]}).json()
    made = requests.post(f"{base}/api/serials", timeout=30, json={
        "jobId": job["id"], "pathId": path["id"], "quantity": quantity}).json()
    return [serial["id"] for serial in made]


def batch(prefix: str, serial_ids: list[str]) -> dict:
    return {"scans": [{"key": f"{prefix}-{serial_id}", "serialId": serial_id,
                       "action": "advance"} for serial_id in serial_ids]}


def advanced_events(base: str, serial_id: str) -> int:
    events = requests.get(f"{base}/api/events", params={"serialId": serial_id},
                          timeout=10).json()
    return sum(event["type"] == "serial.advanced" for event in events)


def test_the_same_batch_from_several_clients_applies_each_item_once(target):
    serial_ids = make_serials(target.base, ITEMS)
    body = batch("cart", serial_ids)

    def post(_):
        response = requests.post(f"{target.base}/api/scans", json=body, timeout=120)
        assert response.status_code == 200, response.text
        return [result["outcome"] for result in response.json()["results"]]

    answers = all_at_once(CLIENTS, post)
    for index in range(ITEMS):
        outcomes = sorted(answer[index] for answer in answers)
        assert outcomes == ["applied"] + ["replayed"] * (CLIENTS - 1), index
    for serial_id in serial_ids:
        current = requests.get(f"{target.base}/api/serials/{serial_id}", timeout=10).json()
        assert current["currentStepIndex"] == 1
        assert advanced_events(target.base, serial_id) == 1


def test_the_same_batch_under_one_idempotency_key_runs_once_the_retries_wait(target):
    """Sent at once with the header's key, one batch runs and every retry waits for it and
    is answered its answer, replayed: no retry runs items beside it (docs/api.md, Retries)."""
    serial_ids = make_serials(target.base, 300)
    body = batch("keyed", serial_ids)

    def post(i):
        time.sleep(0.05 * i)
        return requests.post(f"{target.base}/api/scans", json=body, timeout=120,
                             headers={"Idempotency-Key": "one-cart"})

    answers = all_at_once(3, post)
    assert [answer.status_code for answer in answers] == [200] * 3
    ran = [a for a in answers if a.headers.get("Idempotent-Replayed") is None]
    assert len(ran) == 1
    assert {result["outcome"] for result in ran[0].json()["results"]} == {"applied"}
    assert all(answer.content == ran[0].content for answer in answers)
    for serial_id in (serial_ids[0], serial_ids[150], serial_ids[-1]):
        assert advanced_events(target.base, serial_id) == 1


def kill_workers_once_moving(server, first_id: str) -> None:
    """SIGKILL every worker as soon as the batch's first item is applied."""
    deadline = time.monotonic() + 60
    while advanced_events(server.base, first_id) == 0:
        assert time.monotonic() < deadline, "the batch never started"
        time.sleep(0.01)
    for pid in server.worker_pids():
        os.kill(pid, signal.SIGKILL)


def test_a_worker_killed_mid_batch_leaves_applied_items_applied_the_rest_replayable(server):
    serial_ids = make_serials(server.base, 1000)
    body = batch("kill", serial_ids)
    cut = []

    def post():
        try:
            cut.append(requests.post(f"{server.base}/api/scans", json=body, timeout=120))
        except requests.ConnectionError as error:
            cut.append(error)

    sender = threading.Thread(target=post)
    sender.start()
    kill_workers_once_moving(server, serial_ids[0])
    sender.join(timeout=120)
    assert isinstance(cut[0], requests.ConnectionError), "the batch finished before the kill"
    deadline = time.monotonic() + 30
    while len(server.worker_pids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    listed = requests.get(f"{server.base}/api/serials", timeout=30).json()
    moved = {s["id"] for s in listed if s["id"] in serial_ids and s["currentStepIndex"] == 1}
    assert 0 < len(moved) < len(serial_ids)
    assert {s["currentStepIndex"] for s in listed if s["id"] in serial_ids} == {0, 1}
    again = requests.post(f"{server.base}/api/scans", json=body, timeout=120)
    outcomes = [result["outcome"] for result in again.json()["results"]]
    assert outcomes == ["replayed" if serial_id in moved else "applied"
                        for serial_id in serial_ids]
    for serial_id in (serial_ids[0], *list(moved)[-3:], serial_ids[-1]):
        assert advanced_events(server.base, serial_id) == 1
    final = requests.get(f"{server.base}/api/serials", timeout=30).json()
    assert {s["currentStepIndex"] for s in final if s["id"] in serial_ids} == {1}
