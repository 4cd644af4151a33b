"""A scan batch's commits reach the disk by one flush before it answers (jobs.store.flush;
docs/operations.md, What a 2xx promises). That the answered items survive a power cut is
tests/test_live_power_cut.py's."""
import os

import pytest

from app import create_app
from jobs.http.scan_items import Items
from jobs.store.db import db, is_postgres
from tests.test_hardening import SYNCHRONOUS_LEVELS, synchronous_level


@pytest.fixture
def synced(monkeypatch):
    """The files our code fsyncs (SQLite's own syncs are not Python's)."""
    paths = []
    real = os.fsync

    def spy(descriptor):
        paths.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real(descriptor)

    monkeypatch.setattr(os, "fsync", spy)
    return paths


@pytest.fixture
def levels(monkeypatch):
    """The connection's `synchronous` as each scan item starts."""
    seen = []
    run = Items.run

    def spy(self, item):
        seen.append(db.execute_sql("PRAGMA synchronous").fetchone()[0])
        return run(self, item)

    monkeypatch.setattr(Items, "run", spy)
    return seen


def advances(serials, prefix="k") -> dict:
    return {"scans": [{"key": f"{prefix}{n}", "serialId": serial["id"], "action": "advance"}
                      for n, serial in enumerate(serials)]}


def test_items_commit_unsynced_and_the_wal_is_synced_once_before_the_answer(
        app, client, path, make_serials, synced):
    response = client.post("/api/scans", json=advances(make_serials(path, 3)))
    assert [result["outcome"] for result in response.json["results"]] == ["applied"] * 3
    if is_postgres():
        assert synced == []
        return
    assert synced == [os.path.realpath(f"{db.obj.path}-wal")]
    assert synchronous_level() == SYNCHRONOUS_LEVELS["full"]


@pytest.mark.sqlite_only
def test_each_item_runs_at_normal_and_full_is_back_after_the_batch(
        client, path, make_serials, levels):
    client.post("/api/scans", json=advances(make_serials(path, 2)))
    assert levels == [SYNCHRONOUS_LEVELS["normal"]] * 2
    assert synchronous_level() == SYNCHRONOUS_LEVELS["full"]


@pytest.mark.sqlite_only
def test_a_batch_that_changed_nothing_syncs_nothing(client, synced):
    response = client.post("/api/scans", json={"scans": [
        {"key": "k1", "serialId": "SN-99999", "action": "advance"}]})
    assert response.json["results"][0]["outcome"] == "rejected"
    assert synced == []
    assert synchronous_level() == SYNCHRONOUS_LEVELS["full"]


@pytest.mark.sqlite_only
def test_at_synchronous_normal_a_batch_syncs_nothing_more(tmp_path, monkeypatch, synced, levels):
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", "normal")
    client = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/shop.db"},
                        upgrade_schema=True).test_client()
    job = client.post("/api/jobs", json={"name": "J", "goalQuantity": 2}).json
    path = client.post("/api/paths", json={"jobId": job["id"], "name": "P", "goalQuantity": 2,
                                           "steps": [{"name": "a"}, {"name": "b"}]}).json
    serials = client.post("/api/serials", json={"jobId": job["id"], "pathId": path["id"],
                                                "quantity": 2}).json
    response = client.post("/api/scans", json=advances(serials))
    assert [result["outcome"] for result in response.json["results"]] == ["applied"] * 2
    assert (synced, levels) == ([], [SYNCHRONOUS_LEVELS["normal"]] * 2)
    db.close_all()
