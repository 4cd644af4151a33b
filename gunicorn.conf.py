"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (or the command line).
Measured on 2 cores (docs/benchmarks.md): the service is CPU-bound, so one sync
worker per CPU beat CPUs + 1, 2 x CPUs + 1 and gthread on both req/s and p99
(a worker waiting for the SQLite write lock sleeps rather than spins); nginx
in front buffers slow clients.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# The app is built once in the master (tables created there, no connection
# kept), so a crashed worker is replaced without re-importing anything.
preload_app = True
# A request may wait up to the 10 s SQLite busy timeout; 30 s leaves room.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM workers finish the requests they hold for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
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

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s rid=%({x-request-id}o)s "%(r)s" %(s)s %(b)s %(M)sms'


def on_starting(server):
    """Log the app's records (with their request id) to stderr beside gunicorn's own."""
    from jobs.http.request_id import log_to_stderr

    log_to_stderr()

