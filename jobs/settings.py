"""Every environment setting, read and checked the same way (docs/operations.md, Configuration).

A setting is one `Setting(name, parser, default)` line in `APP` (read by
`create_app`) or `GUNICORN` (read by gunicorn.conf.py). A parser turns the
variable's text into its value or raises ValueError with what the value
must be; `read` turns that into a `ConfigError`: one line, `NAME must be
…, not 'value'`. ConfigError is a SystemExit, so gunicorn, wsgi.py and
the `flask` command print only that line and exit with status 1.
"""
import multiprocessing
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
DATABASE_SCHEMES = ("sqlite:///", "sqlite+pool:///", "postgresql://", "postgres://",
                    "postgresql+pool://", "postgres+pool://")


class ConfigError(SystemExit):
    """A setting the service cannot run with: the process stops, printing this one line."""


class Setting(NamedTuple):
    """One environment variable: its name, its parser (text -> value), its default text."""

    name: str
    parse: Callable[[str], Any]
    default: str | None = None


def text(value: str) -> str:
    """Any text, as it is."""
    return value


def flag(value: str) -> bool:
    """true/1/yes or false/0/no, any case, white space around ignored."""
    try:
        return FLAGS[value.strip().lower()]
    except KeyError:
        raise ValueError("must be true or false (or 1/0, yes/no)") from None


def whole(minimum: int) -> Callable[[str], int]:
    """A parser of whole numbers of at least `minimum`."""
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or number < minimum:
            raise ValueError(f"must be a whole number, {minimum} or more")
        return number
    return parse


def positive(value: str) -> float:
    """A number greater than 0 (a fraction allowed)."""
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 0 < number < float("inf"):
        raise ValueError("must be a number greater than 0")
    return number


def one_of(*choices: str) -> Callable[[str], str]:
    """A parser of exactly one of `choices`."""
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"must be {' or '.join(choices)}")
        return value
    return parse


def lowered(parse: Callable[[str], str]) -> Callable[[str], str]:
    """`parse` of the value trimmed and in lower case (`" NORMAL "` is `normal`)."""
    return lambda value: parse(value.strip().lower())


def database_url(value: str) -> str:
    """A SQLite or PostgreSQL URL in peewee's db_url form."""
    if not value.startswith(DATABASE_SCHEMES):
        raise ValueError("must start with sqlite:/// or postgresql://")
    return value


APP = [
    Setting("DATABASE_URL", database_url),
    Setting("TRUSTED_PROXIES", whole(0), "0"),
    Setting("LOG_FORMAT", one_of("text", "json"), "text"),
    Setting("SECRET_KEY", text),
    Setting("AUTH_REQUIRED", flag, "false"),
    Setting("IDEMPOTENCY_KEY_HOURS", positive, "24"),
    Setting("SQLITE_SYNCHRONOUS", lowered(one_of("full", "normal")), "full"),
    Setting("UNDO_MINUTES", positive, "15"),
    Setting("WEBHOOK_ALLOW_PRIVATE", flag, "false"),
    Setting("WEBHOOK_BACKOFF_SECONDS", positive, "5"),
    Setting("WEBHOOK_POLL_SECONDS", positive, "1"),
]
GUNICORN = [
    Setting("LOG_FORMAT", one_of("text", "json"), "text"),
    Setting("GUNICORN_BIND", text, "0.0.0.0:8000"),
    Setting("GUNICORN_WORKERS", whole(1), str(multiprocessing.cpu_count())),
    Setting("GUNICORN_WORKER_CLASS", text, "sync"),
    Setting("GUNICORN_THREADS", whole(1), "1"),
    Setting("GUNICORN_TIMEOUT", whole(0), "30"),
    Setting("GUNICORN_GRACEFUL_TIMEOUT", whole(0), "20"),
    Setting("GUNICORN_ACCESS_LOG", text, "-"),
]


def read(settings: list[Setting], environ: Mapping[str, str],
         given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return {name: value} of `settings`: from `given` (values as they are), else `environ`.

    A setting in neither has its default (None when it has none). Raises
    ConfigError for the first text its parser refuses.
    """
    values = {}
    for setting in settings:
        raw = (given or {}).get(setting.name, environ.get(setting.name, setting.default))
        values[setting.name] = _parsed(setting, raw) if isinstance(raw, str) else raw
    return values


def _parsed(setting: Setting, raw: str) -> Any:
    try:
        return setting.parse(raw)
    except ValueError as error:
        raise ConfigError(f"{setting.name} {error}, not {raw!r}") from None
