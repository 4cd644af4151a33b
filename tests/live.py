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
    """`gunicorn wsgi:app` with `workers` processes on a temp SQLite database."""

    def __init__(self, db_path: Path, workers: int = 2, extra_args: tuple = ()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db_path = db_path
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}"}
        self.log = open(db_path.with_suffix(".log"), "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{self.port}",
             "-w", str(workers), *extra_args, "wsgi:app"],
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
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def log_text(self) -> str:
        return self.db_path.with_suffix(".log").read_text(errors="replace")


def serve(directory: Path, workers: int = 2):
    """Yield a `Gunicorn` on `directory`/live.db; stop it after, check its log has no traceback."""
    server = Gunicorn(directory / "live.db", workers=workers)
    yield server
    server.stop()
    assert "Traceback" not in server.log_text()
