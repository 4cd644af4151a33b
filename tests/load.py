"""A bounded mixed load on a real server for the live load and fault tests.

Every field of every job has exactly one writing client, and a client sends
its requests one after another, so the last acknowledged write of each field
is well defined: the final state must equal it. Client `i` owns both fields
of its own job (PUTs of name only, goal only, or both) and one field of a job
it shares with client `i ^ 1` (the other client writes the other field), so
concurrent updates of the two fields of one row are exercised throughout.
Values are per-client counters: name `c<i>-<n>`, goalQuantity `n`. A write
that failed (no answer, or 5xx) may or may not have been applied, so it is
also allowed as the final value until a later write of that field succeeds.
"""
import random
import threading
import time
from collections import Counter

import requests


class Load:
    """`clients` threads of mixed PUTs and GETs against `base`, for `run(seconds)`."""

    def __init__(self, base: str, clients: int = 32):
        self.base = base
        self.clients = clients
        self.statuses = Counter()
        self._lock = threading.Lock()
        self.failures: list[str] = []
        self.stale_reads: list[str] = []
        self.allowed: dict[tuple[str, str], set] = {}
        self.own_jobs = [self._create(f"own-{i}") for i in range(clients)]
        self.shared_jobs = [self._create(f"shared-{i}") for i in range(clients // 2)]

    def _create(self, name: str) -> str:
        response = requests.post(f"{self.base}/api/jobs", json={"name": name, "goalQuantity": 1},
                                 timeout=10)
        response.raise_for_status()
        job = response.json()
        self.allowed[(job["id"], "name")] = {name}
        self.allowed[(job["id"], "goalQuantity")] = {1}
        return job["id"]

    def run(self, seconds: float) -> None:
        """Run every client for `seconds`; returns when all have stopped."""
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=self._client, args=(i, deadline))
                   for i in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 60)

    def _client(self, i: int, deadline: float) -> None:
        rng = random.Random(i)
        session = requests.Session()
        shared = (self.shared_jobs[i // 2], "name" if i % 2 == 0 else "goalQuantity")
        own = self.own_jobs[i]
        counter = 0
        while time.monotonic() < deadline:
            counter += 1
            kind = rng.choice(["shared", "name", "goal", "both", "get"])
            if kind == "get":
                self._read(session, rng.choice([own, shared[0]]), i)
                continue
            job_id, fields = {"shared": (shared[0], [shared[1]]), "name": (own, ["name"]),
                              "goal": (own, ["goalQuantity"]),
                              "both": (own, ["name", "goalQuantity"])}[kind]
            body = {f: (f"c{i}-{counter}" if f == "name" else counter) for f in fields}
            self._write(session, job_id, body)

    def _request(self, session, method: str, job_id: str, **kwargs):
        try:
            response = session.request(method, f"{self.base}/api/jobs/{job_id}", timeout=30,
                                       **kwargs)
        except requests.RequestException as error:
            self.failures.append(f"{method} {job_id}: {error!r}")
            return None
        with self._lock:
            self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append(f"{method} {job_id}: {response.status_code}")
        return response if response.status_code == 200 else None

    def _write(self, session, job_id: str, body: dict) -> None:
        for field, value in body.items():
            self.allowed[(job_id, field)].add(value)
        if self._request(session, "PUT", job_id, json=body):
            for field, value in body.items():
                self.allowed[(job_id, field)] = {value}

    def _read(self, session, job_id: str, i: int) -> None:
        """Read-your-writes: a field this client alone writes shows its last write."""
        response = self._request(session, "GET", job_id)
        if response is None:
            return
        owned = ["name", "goalQuantity"] if job_id == self.own_jobs[i] else (
            ["name"] if i % 2 == 0 else ["goalQuantity"])
        for field in owned:
            if response.json()[field] not in self.allowed[(job_id, field)]:
                self.stale_reads.append(f"{job_id} {field}: {response.json()[field]}")

    def lost_writes(self) -> list[str]:
        """Fields whose stored value is not the last acknowledged (or a failed later) write."""
        lost = []
        for job_id in self.own_jobs + self.shared_jobs:
            stored = requests.get(f"{self.base}/api/jobs/{job_id}", timeout=10).json()
            for field in ("name", "goalQuantity"):
                if stored[field] not in self.allowed[(job_id, field)]:
                    lost.append(f"{job_id} {field}: {stored[field]}")
        return lost
