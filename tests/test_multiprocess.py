"""The metrics directory under gunicorn: a dead worker's values folded, never lost or doubled."""
import runpy
from types import SimpleNamespace

from prometheus_client.mmap_dict import MmapedDict, mmap_key

from jobs.http.multiprocess import LockedCollector, clear, worker_exited
from tests.live import ROOT

REQUESTS = ("jobs_http_requests", "jobs_http_requests_total", {"route": "/api/jobs"})
BUCKET = ("jobs_db_write_lock_wait_seconds", "jobs_db_write_lock_wait_seconds_bucket",
          {"le": "0.001"})
SUM = ("jobs_db_write_lock_wait_seconds", "jobs_db_write_lock_wait_seconds_sum", {})
WORKERS = ("jobs_workers", "jobs_workers", {})


def write(directory, kind: str, pid: int, *values) -> None:
    """Write `(metric, sample, labels, value)` entries as worker `pid`'s `kind` file would."""
    file = MmapedDict(str(directory / f"{kind}_{pid}.db"))
    for metric, sample, labels, number in values:
        file.write_value(mmap_key(metric, sample, list(labels), list(labels.values()), "help"),
                         number, 0.0)
    file.close()


def totals(directory) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in LockedCollector(str(directory)).collect() for s in family.samples}


def start_workers(directory, *pids: int) -> None:
    for number, pid in enumerate(pids, start=1):
        write(directory, "counter", pid, (*REQUESTS, 10 * number))
        write(directory, "histogram", pid, (*BUCKET, number), (*SUM, 0.0005 * number))
        write(directory, "gauge_livesum", pid, (*WORKERS, 1))


def test_a_dead_workers_counts_stay_and_its_files_go(tmp_path):
    start_workers(tmp_path, 101, 102)
    before = totals(tmp_path)
    worker_exited(str(tmp_path), 101)
    after = totals(tmp_path)
    assert after.pop(("jobs_workers", ())) == 1
    assert before.pop(("jobs_workers", ())) == 2
    assert after == before
    assert not list(tmp_path.glob("*_101.db"))


def test_folding_again_accumulates_in_the_archive(tmp_path):
    start_workers(tmp_path, 101, 102)
    before = totals(tmp_path)
    worker_exited(str(tmp_path), 101)
    worker_exited(str(tmp_path), 102)
    assert totals(tmp_path) == {key: v for key, v in before.items() if key[0] != "jobs_workers"}
    assert sorted(p.name for p in tmp_path.glob("*.db")) == [
        "counter_archive.db", "histogram_archive.db"]


def test_clear_removes_only_metric_files(tmp_path):
    start_workers(tmp_path, 101)
    worker_exited(str(tmp_path), 101)
    (tmp_path / "shop.db").write_text("not ours")
    clear(str(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["shop.db"]


def test_a_failed_fold_is_logged_and_never_stops_the_master(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    child_exit = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["child_exit"]
    # 64 bytes used, of which the first entry claims 1000: a corrupt file.
    (tmp_path / "counter_101.db").write_bytes((64).to_bytes(4, "little") + bytes(4)
                                               + (1000).to_bytes(4, "little") + bytes(52))
    logged = []
    server = SimpleNamespace(log=SimpleNamespace(exception=lambda *args: logged.append(args)))
    child_exit(server, SimpleNamespace(pid=101))
    assert logged == [("metrics of worker %s not folded", 101)]
