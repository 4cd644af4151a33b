"""Real processes for live tests: gunicorn on a free loopback port, stopped by PID."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, process: subprocess.Popen, seconds: float = 30,
                 statuses: tuple = (200,)) -> None:
    """Wait for `base`/api/health to answer one of `statuses`; RuntimeError if `process` exits
    or time is up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(f"{base}/api/health", timeout=1).status_code in statuses:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not become healthy")


def stop_process(process: subprocess.Popen, graceful: int, seconds: float = 30) -> None:
    """Send `graceful` to `process` by PID; SIGKILL it if it has not exited within `seconds`."""
    if process.poll() is None:
        os.kill(process.pid, graceful)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_text(path: Path, text: str, seconds: float = 5) -> bool:
    """Whether `text` shows up in file `path` within `seconds` (access logs trail the response)."""
    deadline = time.monotonic() + seconds
    while text not in path.read_text(errors="replace"):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py <app>` with `workers` processes on a temp SQLite database.

    `workers=None` keeps the config's default; `env` adds environment variables
    (e.g. `GUNICORN_WORKER_CLASS`, `LOG_FORMAT`), `extra_args` command-line
    options; `database_url` replaces the SQLite file `db_path` (PostgreSQL);
    `root` the checkout to serve. The log (access and error) goes to
    `log_path`, by default `db_path` with a `.log` suffix (give each of
    several gunicorns on one database its own), the metrics files to
    `metrics_dir` beside `db_path`. `health` is the statuses of `/api/health`
    that count as started (503 for a service started unhealthy on purpose).
    """

    def __init__(self, db_path: Path, workers: int | None = 2, app: str = "wsgi:app",
                 env: dict | None = None, extra_args: tuple = (),
                 database_url: str | None = None, root: Path = ROOT,
                 log_path: Path | None = None, health: tuple = (200,)):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db_path = db_path
        self.log_path = log_path or db_path.with_suffix(".log")
        self.metrics_dir = db_path.with_name(f"{db_path.stem}-metrics")
        env = {**os.environ, "DATABASE_URL": database_url or f"sqlite:///{db_path}",
               "GUNICORN_BIND": f"127.0.0.1:{self.port}",
               "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir), **(env or {})}
        self.database_url = env["DATABASE_URL"]
        if workers is not None:
            env["GUNICORN_WORKERS"] = str(workers)
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *extra_args, app],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(self.base, self.process, statuses=health)
            self._wait_for_workers(workers)
        except RuntimeError:
            self.stop()
            raise

    def _wait_for_workers(self, count: int | None, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while count and len(self.worker_pids()) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start {count} workers")
            time.sleep(0.05)

    def worker_pids(self) -> set[int]:
        """The PIDs of the master's child processes (its workers), read from /proc."""
        pids = set()
        for entry in os.scandir("/proc"):
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            if stat.rsplit(")", 1)[1].split()[1] == str(self.process.pid):
                pids.add(int(entry.name))
        return pids

    def stop(self) -> None:
        stop_process(self.process, signal.SIGTERM)
        self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str) -> bool:
        """Whether `text` shows up in the log within 5 s."""
        return wait_for_text(self.log_path, text)


class Nginx:
    """nginx in the foreground with deploy/'s site config, on a free loopback port.

    The site file is rendered into a temp prefix: its `listen`, upstream and
    access log point at the test's port, the app hosts' `upstream_ports`
    (one: deploy's one-box upstream; two: its several-hosts upstream) and
    the prefix. `edits` replaces more of the site's text (e.g. a shorter
    timeout), each old text asserted present.
    """

    SITE = ROOT / "deploy" / "shop-jobs.nginx.conf"
    ONE_HOST = ROOT / "deploy" / "shop-jobs.upstream.conf"
    HOSTS = ROOT / "deploy" / "shop-jobs.hosts.upstream.conf"

    def __init__(self, prefix: Path, *upstream_ports: int, edits: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.prefix = prefix
        (prefix / "upstream.conf").write_text(self._upstream(upstream_ports))
        site = (self.SITE.read_text()
                .replace("listen 80;", f"listen 127.0.0.1:{self.port};")
                .replace("/etc/nginx/shop-jobs.upstream.conf", str(prefix / "upstream.conf"))
                .replace("/var/log/nginx/shop-jobs.access.log", str(prefix / "access.log")))
        for old, new in (edits or {}).items():
            assert old in site, old
            site = site.replace(old, new)
        temp_paths = "".join(f"    {kind}_temp_path {prefix}/{kind};\n"
                             for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        # As root, nginx's workers run as `nobody`, who cannot enter pytest's folders (0700):
        # a body it buffers to client_body/ (over 16 KiB) was a 500. The tests' own user.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(
            f"{user}worker_processes 1;\nerror_log {prefix}/error.log;\npid {prefix}/nginx.pid;\n"
            f"events {{ worker_connections 128; }}\nhttp {{\n{temp_paths}{site}}}\n")
        output = prefix / "nginx.out"
        with open(output, "wb") as out:
            self.process = subprocess.Popen(
                ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not self._listening():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(output.read_text(errors="replace"))
            time.sleep(0.05)

    def _upstream(self, ports: tuple[int, ...]) -> str:
        if len(ports) == 1:
            return self.ONE_HOST.read_text().replace(":8000;", f":{ports[0]};")
        text = self.HOSTS.read_text()
        for number, port in enumerate(ports, start=1):
            text = text.replace(f"app{number}.shop.internal:8000", f"127.0.0.1:{port}")
        return text

    def _listening(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        stop_process(self.process, signal.SIGQUIT)


def create_job(base: str, **fields) -> dict:
    """Create a job over HTTP at `base` (201 asserted); `fields` override the defaults."""
    body = {"name": "JOB-2024-001", "goalQuantity": 50, "jiraTicketKey": "PI-42", **fields}
    response = requests.post(f"{base}/api/jobs", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def serve_each(names, make):
    """Yield the list of `make(name)` for each of `names` (started servers); stop them all
    after, even when one failed to start, then check that no log holds a traceback."""
    servers = []
    try:
        for name in names:
            servers.append(make(name))
        yield servers
    finally:
        for server in servers:
            server.stop()
    for server in servers:
        assert "Traceback" not in server.log_text()


def serve(directory: Path, workers: int = 2, database_url: str | None = None,
          env: dict | None = None):
    """Yield a `Gunicorn` on `database_url` (default `directory`/live.db), logging in `directory`.

    `env` adds environment variables. Stops it after and checks its log has no traceback.
    """
    for servers in serve_each(["live"], lambda name: Gunicorn(
            directory / f"{name}.db", workers=workers, database_url=database_url, env=env)):
        yield servers[0]


def flask_command(database_url: str, *args: str, root: Path = ROOT) -> str:
    """Run `flask --app app ARGS` of the checkout `root` on `database_url`; assert it succeeded
    silently on stderr.

    Returns its standard output without the final newline (e.g. the token of
    `token create`).
    """
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=root,
                            env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return result.stdout.rstrip("\n")


def all_at_once(count: int, action) -> list:
    """Run `action(i)` in `count` threads released together; return the results in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        barrier.wait(timeout=15)
        results[i] = action(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def run(*command: str) -> str:
    """Run `command` (check=True); return its standard output, stripped."""
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


@contextmanager
def loop_ext4(directory: Path, megabytes: int = 64):
    """Mount a new ext4 (no reserved blocks) of `megabytes` on a loop device, for root only.

    Yields (device, mount point); unmounts and detaches it afterwards, even on failure.
    """
    if os.geteuid() != 0:
        raise RuntimeError("a loop-mounted file system needs root")
    image, mount = directory / "disk.img", directory / "mnt"
    mount.mkdir()
    with open(image, "wb") as file:
        file.truncate(megabytes * 1024 * 1024)
    run("mkfs.ext4", "-q", "-F", "-m", "0", str(image))
    device = run("losetup", "--find", "--show", str(image))
    try:
        run("mount", device, str(mount))
        yield device, mount
    finally:
        if os.path.ismount(mount):
            subprocess.run(["umount", "--lazy", str(mount)], capture_output=True)
        run("losetup", "-d", device)


def unmount(mount: Path) -> None:
    """Unmount `mount`, waiting up to 10 s for killed processes to let go of their files."""
    deadline = time.monotonic() + 10
    while subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
        assert time.monotonic() < deadline, f"{mount} stayed busy"
        time.sleep(0.1)


def two_hosts(postgres, directory: Path, database: str):
    """Yield `(hosts, proxy)`: two gunicorns (2 workers each) on a new PostgreSQL database
    `database` of the `postgres` cluster, behind deploy/'s nginx; stopped after."""
    url = postgres.create_database(database)
    hosts = [Gunicorn(directory / f"host{i}.db", workers=2, database_url=url) for i in (1, 2)]
    (directory / "nginx").mkdir()
    proxy = Nginx(directory / "nginx", *(h.port for h in hosts))
    yield hosts, proxy
    proxy.stop()
    for host in hosts:
        host.stop()

