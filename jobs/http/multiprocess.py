"""prometheus_client's multiprocess directory under gunicorn (docs/operations.md, Metrics).

Each worker writes its values to files named by its pid. When a worker
dies, `worker_exited` (gunicorn's `child_exit`) removes its live gauges
(`mark_process_dead`) and folds its counters and histograms into one
archive file per kind, so that totals never go backwards and the directory
holds no file of a dead pid. Folding and scraping exclude each other
through a lock file, so a scrape never counts a dead worker twice or
misses a file removed under it.
"""
import fcntl
import glob
import os
from collections.abc import Iterable
from contextlib import contextmanager

from prometheus_client.metrics_core import Metric
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

FOLDED_KINDS = ("counter", "histogram")
LOCK_FILE = "scrape.lock"
OWN_FILES = ("counter_*.db", "histogram_*.db", "gauge_*.db", "summary_*.db", LOCK_FILE)


@contextmanager
def _locked(path: str, mode: int):
    with open(os.path.join(path, LOCK_FILE), "a") as lock:
        fcntl.flock(lock, mode)
        yield


class LockedCollector(MultiProcessCollector):
    """Every worker's values merged from `path`, read while no dead worker is being folded."""

    def __init__(self, path: str):
        super().__init__(None, path)

    def collect(self) -> Iterable[Metric]:
        """Merge the value files of `path` under the shared lock."""
        with _locked(self._path, fcntl.LOCK_SH):
            return super().collect()


def clear(path: str) -> None:
    """Remove the value files and the lock file from `path` (created if missing); keep the rest."""
    os.makedirs(path, exist_ok=True)
    for pattern in OWN_FILES:
        for name in glob.glob(os.path.join(path, pattern)):
            os.remove(name)


def worker_exited(path: str, pid: int) -> None:
    """Drop dead worker `pid`'s live gauges and fold its counters and histograms into archives."""
    with _locked(path, fcntl.LOCK_EX):
        mark_process_dead(pid, path)
        for kind in FOLDED_KINDS:
            _fold(path, kind, pid)


def _fold(path: str, kind: str, pid: int) -> None:
    dead = os.path.join(path, f"{kind}_{pid}.db")
    if not os.path.exists(dead):
        return
    archive = os.path.join(path, f"{kind}_archive.db")
    sources = [name for name in (archive, dead) if os.path.exists(name)]
    partial = f"{archive}.partial"
    merged = MmapedDict(partial)
    try:
        for metric in MultiProcessCollector.merge(sources, accumulate=False):
            for sample in metric.samples:
                key = mmap_key(metric.name, sample.name, list(sample.labels),
                               list(sample.labels.values()), metric.documentation)
                merged.write_value(key, sample.value, 0.0)
    finally:
        merged.close()
    os.replace(partial, archive)
    os.remove(dead)
