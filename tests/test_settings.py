"""Environment settings (docs/operations.md, Configuration): every bad value is one line, exit 1.

Each setting of `jobs.settings` is checked by its parser; the app, gunicorn,
wsgi.py and `flask` commands stop on a bad one with `NAME must be …, not
'value'` and no traceback.
"""
import os
import subprocess
import sys

import pytest

from jobs import settings
from jobs.settings import ConfigError
from tests.live import ROOT, free_port

FLAG = "must be true or false (or 1/0, yes/no)"
BAD_APP_VALUES = [
    ("DATABASE_URL", "mysql://localhost/shop", "must start with sqlite:/// or postgresql://"),
    ("TRUSTED_PROXIES", "two", "must be a whole number, 0 or more"),
    ("TRUSTED_PROXIES", "-1", "must be a whole number, 0 or more"),
    ("LOG_FORMAT", "xml", "must be text or json"),
    ("AUTH_REQUIRED", "maybe", FLAG),
    ("IDEMPOTENCY_KEY_HOURS", "0", "must be a number greater than 0"),
    ("IDEMPOTENCY_KEY_HOURS", "a day", "must be a number greater than 0"),
    ("IDEMPOTENCY_KEY_HOURS", "inf", "must be a number greater than 0"),
]
BAD_GUNICORN_VALUES = [
    ("GUNICORN_WORKERS", "0", "must be a whole number, 1 or more"),
    ("GUNICORN_THREADS", "many", "must be a whole number, 1 or more"),
    ("GUNICORN_TIMEOUT", "30s", "must be a whole number, 0 or more"),
    ("GUNICORN_GRACEFUL_TIMEOUT", "-5", "must be a whole number, 0 or more"),
    ("LOG_FORMAT", "JSON", "must be text or json"),
]


@pytest.mark.parametrize("name, value, must", BAD_APP_VALUES)
def test_a_bad_app_setting_stops_the_factory_with_one_line(make_app, monkeypatch, name, value,
                                                           must):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as stopped:
        make_app(os.environ["DATABASE_URL"] if name == "DATABASE_URL" else None)
    assert stopped.value.code == f"{name} {must}, not {value!r}"


@pytest.mark.parametrize("name, value, must", BAD_GUNICORN_VALUES)
def test_a_bad_gunicorn_setting_is_one_line(name, value, must):
    with pytest.raises(ConfigError) as stopped:
        settings.read(settings.GUNICORN, {name: value})
    assert stopped.value.code == f"{name} {must}, not {value!r}"


def test_good_values_and_defaults():
    read = settings.read(settings.APP, {"TRUSTED_PROXIES": "2", "AUTH_REQUIRED": " Yes ",
                                        "IDEMPOTENCY_KEY_HOURS": "0.5"})
    assert read == {"DATABASE_URL": None, "TRUSTED_PROXIES": 2, "LOG_FORMAT": "text",
                    "SECRET_KEY": None, "AUTH_REQUIRED": True, "IDEMPOTENCY_KEY_HOURS": 0.5,
                    "SQLITE_SYNCHRONOUS": "full", "UNDO_MINUTES": 15.0,
                    "WEBHOOK_ALLOW_PRIVATE": False, "WEBHOOK_BACKOFF_SECONDS": 5.0,
                    "WEBHOOK_POLL_SECONDS": 1.0}
    assert settings.read(settings.APP, {"LOG_FORMAT": "xml"}, {"LOG_FORMAT": "json"})[
        "LOG_FORMAT"] == "json"
    assert settings.read(settings.GUNICORN, {"GUNICORN_WORKERS": "3"})["GUNICORN_WORKERS"] == 3


COMMANDS = {
    "gunicorn": [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
    "wsgi": [sys.executable, "-c", "import wsgi"],
    "flask": [sys.executable, "-m", "flask", "--app", "app", "db", "version"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command, name, value, line", [
    ("gunicorn", "LOG_FORMAT", "xml", "LOG_FORMAT must be text or json, not 'xml'"),
    ("gunicorn", "TRUSTED_PROXIES", "two",
     "TRUSTED_PROXIES must be a whole number, 0 or more, not 'two'"),
    ("gunicorn", "GUNICORN_WORKERS", "0", "GUNICORN_WORKERS must be a whole number, 1 or more, "
                                          "not '0'"),
    ("wsgi", "TRUSTED_PROXIES", "two",
     "TRUSTED_PROXIES must be a whole number, 0 or more, not 'two'"),
    ("flask", "LOG_FORMAT", "xml", "LOG_FORMAT must be text or json, not 'xml'"),
])
def test_each_entry_point_stops_with_one_line(tmp_path, command, name, value, line):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "AUTH_REQUIRED": "true",
           "GUNICORN_BIND": f"127.0.0.1:{free_port()}", name: value}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if command == "gunicorn":
        # Else a start stopped after gunicorn.conf.py leaves its temporary metrics directory.
        env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    result = subprocess.run(COMMANDS[command], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert (result.returncode, result.stdout + result.stderr) == (1, line + "\n")
