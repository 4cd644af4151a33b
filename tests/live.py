"""Real processes for live tests: gunicorn on a free loopback port, stopped by PID."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not become healthy")


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py <app>` with `workers` processes on a temp SQLite database.

    `workers=None` keeps the config's default; `env` adds environment variables
    (e.g. `GUNICORN_WORKER_CLASS`); the log (access and error) goes to the
    database path with a `.log` suffix.
    """

    def __init__(self, db_path: Path, workers: int | None = 2, app: str = "wsgi:app",
                 env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db_path = db_path
        self.log_path = db_path.with_suffix(".log")
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}",
               "GUNICORN_BIND": f"127.0.0.1:{self.port}", **(env or {})}
        if workers is not None:
            env["GUNICORN_WORKERS"] = str(workers)
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(self.base, self.process)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")
