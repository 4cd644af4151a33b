"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (read and checked by
`jobs.settings.GUNICORN`) or the command line.
Measured on 2 cores (docs/benchmarks.md): the service is CPU-bound, so one sync
worker per CPU beat CPUs + 1, 2 x CPUs + 1 and gthread on both req/s and p99
(a worker waiting for the SQLite write lock sleeps rather than spins); nginx
in front buffers slow clients.
"""
import os
import tempfile

from jobs import settings

# A bad value stops gunicorn here with one line (settings.ConfigError), before
# anything is made.
SETTINGS = settings.read(settings.GUNICORN, os.environ)
LOG_FORMAT = SETTINGS["LOG_FORMAT"]

# prometheus_client chooses its multiprocess mode when the app first imports
# it, and with preload_app that is before any hook runs: so the metrics
# directory is chosen and created here, when gunicorn reads this file, and
# on_starting empties it. Without PROMETHEUS_MULTIPROC_DIR, a new temporary
# directory, removed again on exit.
METRICS_TEMP_PREFIX = "shop-jobs-metrics-"
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=METRICS_TEMP_PREFIX)
METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]
os.makedirs(METRICS_DIR, exist_ok=True)

from jobs.http.logs import log_to_stderr  # noqa: E402 (after the environment)

# The app's records (with their request id) go to stderr beside gunicorn's own, from
# the start: with preload_app the app is built, and may log, before any server hook runs.
log_to_stderr(LOG_FORMAT)

bind = SETTINGS["GUNICORN_BIND"]
workers = SETTINGS["GUNICORN_WORKERS"]
worker_class = SETTINGS["GUNICORN_WORKER_CLASS"]
threads = SETTINGS["GUNICORN_THREADS"]

# The app is built once in the master (tables created there, no connection
# kept), so a crashed worker is replaced without re-importing anything.
preload_app = True
# A request may wait up to the 10 s SQLite busy timeout; 30 s leaves room.
timeout = SETTINGS["GUNICORN_TIMEOUT"]
# On SIGTERM workers finish the requests they hold for up to this long.
graceful_timeout = SETTINGS["GUNICORN_GRACEFUL_TIMEOUT"]
# The longest request line gunicorn accepts (its default is 4094): as long as
# nginx's 8 KiB header buffer, so a long id gets the app's JSON 404.
limit_request_line = 8190
# The longest header gunicorn accepts (its default is 8190): a 10 KB
# `Authorization` header gets the app's JSON 401 `Invalid token`, not
# gunicorn's HTML 400. (nginx in front refuses headers over its 8 KiB
# buffers itself, with its JSON 400.)
limit_request_field_size = 16384
# Only used by gthread workers; sync workers close each connection.
keepalive = 5
# gunicornc's control socket is one path per user: several gunicorns on one
# machine (tests, benchmarks) would fight over it, and nothing here uses it.
control_socket_disable = True

accesslog = SETTINGS["GUNICORN_ACCESS_LOG"]
errorlog = "-"
access_log_format = '%(h)s rid=%({x-request-id}o)s "%(r)s" %(s)s %(b)s %(M)sms'
# Credentials in URLs (`?access_token=…`) are hidden from the access log.
logger_class = "jobs.http.logs.RedactingGunicornLogger"
if LOG_FORMAT == "json":
    # Every line of the error and access logs one JSON object (jobs/http/logs.py).
    logger_class = "jobs.http.logs.JsonGunicornLogger"


def on_starting(server):
    """Empty the metrics directory."""
    from jobs.http.multiprocess import clear

    clear(METRICS_DIR)


def post_worker_init(worker):
    """Count the new worker in `jobs_workers`; make gunicorn's own errors JSON."""
    from jobs.http.metrics import worker_started
    from jobs.http.server_errors import answer_in_json

    worker_started()
    answer_in_json()


def worker_exit(server, worker):
    """Close the worker's pooled connections as it exits: SQLite checkpoints and removes its
    -wal and -shm files only when the last connection is closed, which the exit alone does not
    do for a connection kept alive by a reference cycle (its registered functions)."""
    from jobs.store.db import close_idle_connections

    close_idle_connections()


def child_exit(server, worker):
    """Drop the dead worker's live gauges; fold its counters and histograms into the archive.

    A failure is logged: an exception here would stop the master.
    """
    from jobs.http.multiprocess import worker_exited

    try:
        worker_exited(METRICS_DIR, worker.pid)
    except Exception:
        server.log.exception("metrics of worker %s not folded", worker.pid)


def on_exit(server):
    """Remove the metric files, and the metrics directory if it is a temporary one made here."""
    from jobs.http.multiprocess import clear

    clear(METRICS_DIR)
    if os.path.basename(METRICS_DIR).startswith(METRICS_TEMP_PREFIX):
        os.rmdir(METRICS_DIR)

