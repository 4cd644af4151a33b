"""Shared fixtures: an app on each database (SQLite, PostgreSQL), its client, and helpers.

`--database=sqlite|postgresql|both` (default both) picks the databases that
every test using `app` (or `database_url`) runs on. PostgreSQL is a
throwaway cluster started once per session (tests/postgres.py). Each test
gets a database already at the newest schema: a copy of a SQLite file
migrated once per session, or the session's PostgreSQL database emptied.
Shared helpers live in tests/helpers.py.

The app, its database layer and the live helpers are imported by the hooks
and fixtures that use them, not at the top: the xdist controller, which
runs no test, then starts its workers about 0.45 s sooner. The helpers
that test modules import from here (`from tests.conftest import
error_body`) come from tests/helpers.py on first use (`__getattr__`).
"""
import os
import shutil
import tempfile
import uuid
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from flask import Flask

# What test modules import from here as well as from tests.helpers.
HELPERS = {"JIRA", "STEPS", "bearer", "empty_postgres", "error_body", "make_token", "stored"}

DATABASES = {"sqlite": ["sqlite"], "postgresql": ["postgresql"],
             "both": ["sqlite", "postgresql"]}
# The `live_setup` of live tests that use `target`: each database with one host, and two
# PostgreSQL hosts behind deploy/'s nginx.
TWO_HOSTS = "postgresql, two hosts behind nginx"
# xdist workers of a run of the whole suite or a folder: the machine's 2 cores.
WORKERS = min(2, os.cpu_count() or 1)
# Live modules whose tests share one resource of the machine run on one worker together.
XDIST_GROUPS = {"test_live_power_cut": "loop-devices", "test_live_full_disk": "loop-devices"}
# The one live module whose tests spread over the workers one by one (each worker starts its
# own module server per database): its ~120 operations are most of the live run's time.
SPREAD = {"test_fuzz_live"}


def __getattr__(name: str):
    if name in HELPERS:
        return getattr(import_module("tests.helpers"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pytest_configure(config):
    # Not in the xdist controller: it makes no app.
    if not getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        from tests.helpers import reuse_compiled_rules

        reuse_compiled_rules()


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    # A run of the suite or of a folder is spread over WORKERS xdist workers
    # (docs/testing.md, In parallel); a run that names test files or tests, an
    # explicit `-n`, `-p no:xdist`, `--pdb` or `--collect-only` stays in one process.
    option = config.option
    if (not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput")
            or WORKERS < 2 or option.numprocesses is not None or option.usepdb
            or option.collectonly
            or all(Path(arg.split("::")[0]).is_file() for arg in config.args)):
        return
    option.numprocesses = WORKERS
    if option.dist == "no":
        option.dist = "loadgroup"


def pytest_addoption(parser):
    parser.addoption("--database", choices=sorted(DATABASES), default="both",
                     help="the databases the contract tests run on (default: both)")
    parser.addoption("--artifacts", default=None,
                     help="a folder for what tests save (screenshots); default: pytest's tmp")


def pytest_generate_tests(metafunc):
    if "database_kind" in metafunc.fixturenames:
        kinds = DATABASES[metafunc.config.getoption("database")]
        if metafunc.definition.get_closest_marker("sqlite_only"):
            kinds = ["sqlite"]
        if metafunc.definition.get_closest_marker("postgres_only"):
            kinds = [kind for kind in kinds if kind == "postgresql"]
        metafunc.parametrize("database_kind", kinds, scope="session")
    if "live_setup" in metafunc.fixturenames:
        kinds = DATABASES[metafunc.config.getoption("database")]
        setups = [f"{kind}, one host" for kind in kinds]
        if "postgresql" in kinds:
            setups.append(TWO_HOSTS)
        metafunc.parametrize("live_setup", setups, scope="module")


def pytest_ignore_collect(collection_path, config):
    # Every live module is named *live* and marked live as a whole: under `-m "not live"`
    # they are not even imported (the fuzz module builds its cases on import, seconds).
    if "live" in collection_path.name and collection_path.suffix == ".py":
        return config.getoption("markexpr").replace(" ", "") == "notlive" or None
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Under `--dist loadgroup` a live module runs whole on one worker (its module
    # fixtures start gunicorn, nginx and browsers once); in-process tests and the fuzz
    # module's operations are handed out one by one. Before xdist reads the marks.
    for item in items if config.pluginmanager.hasplugin("xdist") else ():
        if item.get_closest_marker("live") and item.path.stem not in SPREAD:
            item.add_marker(pytest.mark.xdist_group(
                XDIST_GROUPS.get(item.path.stem, item.path.stem)))
    # With --database=sqlite, what needs PostgreSQL itself is not collected.
    if config.getoption("database") == "sqlite":
        kept = [item for item in items if "postgres" not in getattr(item, "fixturenames", ())
                and not item.get_closest_marker("postgres_only")]
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.hookimpl(specname="pytest_collection_modifyitems", trylast=True)
def pytest_collection_modifyitems_slow_first(config, items):
    # On a worker, the tests marked `slow` come first (a stable sort: the same order on
    # every worker), after pytest grouped the items by fixture: handed out last, one of
    # them kept a worker busy for seconds after the other had finished (docs/testing.md,
    # In parallel).
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for the whole session (one per xdist worker)."""
    from tests.helpers import close_cleaners
    from tests.postgres import Cluster

    cluster = Cluster()
    yield cluster
    close_cleaners()
    cluster.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres):
    """One database in the session's cluster, migrated once, shared (emptied before each test)."""
    from tests.helpers import migrate

    return migrate(postgres.create_database("contract"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to the newest schema once per session; each test gets a copy."""
    from tests.helpers import migrate

    path = tmp_path_factory.mktemp("template") / "template.db"
    return Path(migrate(f"sqlite:///{path}").removeprefix("sqlite:///"))


@pytest.fixture(scope="session")
def memory_root():
    """A session folder in memory (/dev/shm) where the machine has one, else in the temp folder."""
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    root = Path(tempfile.mkdtemp(prefix="shop-jobs-tests-", dir=shm))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def tmp_path(request, memory_root, tmp_path_factory):
    """pytest's `tmp_path`, but in memory for the in-process tests, removed after each.

    SQLite's syncs on this machine's disk were half the in-process tests'
    wall time (docs/testing.md). Live tests keep a folder on disk: `chattr
    +i` needs a real file system.
    """
    if request.node.get_closest_marker("live"):
        yield tmp_path_factory.mktemp(request.node.name[:30], numbered=True)
        return
    path = Path(tempfile.mkdtemp(dir=memory_root))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def database_url(database_kind, tmp_path, request):
    """A `DATABASE_URL` of an empty database at the newest schema, of kind `database_kind`."""
    from tests.helpers import copy_sqlite, empty_postgres

    if database_kind == "sqlite":
        return copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url


@pytest.fixture
def new_url(database_kind, tmp_path, request):
    """The URL of a database that does not exist yet (a fresh file or PostgreSQL database)."""
    if database_kind == "sqlite":
        return f"sqlite:///{tmp_path}/fresh.db"
    return request.getfixturevalue("postgres").create_database(f"t_{uuid.uuid4().hex}")


@pytest.fixture
def make_app(sqlite_template, tmp_path):
    """`make_app(database_url=None, upgrade_schema=False, **config)`: `create_app` with TESTING on.

    Without `database_url`, on a new copy of the migrated SQLite template;
    `upgrade_schema` as serving does. Every database the apps were bound to
    is closed after the test.
    """
    from app import create_app
    from jobs.store.db import db
    from tests.helpers import copy_sqlite

    made = []

    def make(database_url: str | None = None, upgrade_schema: bool = False,
             **config) -> "Flask":
        url = database_url or copy_sqlite(sqlite_template, tmp_path / f"app{len(made)}.db")
        app = create_app({"DATABASE_URL": url, "TESTING": True, **config},
                         upgrade_schema=upgrade_schema)
        made.append(db.obj)
        return app

    yield make
    for database in made:
        database.close_all()


@pytest.fixture
def app(make_app, database_url):
    """The app on an empty database (SQLite file in `tmp_path`, or PostgreSQL)."""
    return make_app(database_url)


@pytest.fixture(scope="module")
def live_database_url(database_kind, tmp_path_factory, request):
    """A new database for one test module's live servers: a SQLite file or a PostgreSQL database."""
    if database_kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('live')}/live.db"
    name = f"live_{request.module.__name__.rsplit('.', 1)[-1]}"
    return request.getfixturevalue("postgres").create_database(name)


@pytest.fixture(scope="module")
def server(tmp_path_factory, live_database_url):
    """Real `gunicorn wsgi:app` with 2 workers on a new database, one per test module.

    Stopped by PID afterwards; a traceback in its log fails the module.
    """
    from tests.live import serve

    yield from serve(tmp_path_factory.mktemp("live"), database_url=live_database_url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth_app(make_app, database_url):
    """The app with AUTH_REQUIRED on, on an empty database of each kind."""
    return make_app(database_url, AUTH_REQUIRED=True)


@pytest.fixture
def auth_client(auth_app):
    return auth_app.test_client()


@pytest.fixture
def role_tokens(auth_app):
    """One token per role, named after its role (`viewer`, `operator`, `planner`)."""
    from jobs.vocabulary import ROLES
    from tests.helpers import make_token

    return {role: make_token(role, role) for role in ROLES}


@pytest.fixture
def make_job(client):
    """Create a job through the API and return its JSON; fields override the defaults."""
    from tests.helpers import JIRA

    def make(**fields):
        body = {"name": "JOB-2024-001", "goalQuantity": 50, **JIRA, **fields}
        response = client.post("/api/jobs", json=body)
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def job(make_job):
    return make_job()


@pytest.fixture
def make_path(client):
    """Create a path through the API for `job_id` and return its JSON."""
    from tests.helpers import STEPS

    def make(job_id, **fields):
        body = {"jobId": job_id, "name": "Main Route", "goalQuantity": 10, "steps": STEPS,
                **fields}
        response = client.post("/api/paths", json=body)
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def path(job, make_path):
    return make_path(job["id"])


@pytest.fixture
def make_serials(client):
    """Create `quantity` serials on `path` through the API and return the JSON array."""

    def make(path, quantity=1):
        body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": quantity}
        response = client.post("/api/serials", json=body)
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture(scope="module")
def target(live_setup, tmp_path_factory, request):
    """What the clients talk to: one gunicorn, or nginx in front of two; `.base` is its URL."""
    from tests.live import Gunicorn, Nginx
    tmp = tmp_path_factory.mktemp("concurrency")
    if live_setup.startswith("sqlite"):
        url = f"sqlite:///{tmp}/shop.db"
    else:
        module = request.module.__name__.rsplit(".", 1)[-1]
        url = request.getfixturevalue("postgres").create_database(
            f"{module}_" + ("two" if live_setup == TWO_HOSTS else "one"))
    count = 2 if live_setup == TWO_HOSTS else 1
    hosts = [Gunicorn(tmp / f"host{i}.db", workers=2, database_url=url) for i in range(count)]
    proxy = Nginx(_mkdir(tmp / "nginx"), *(h.port for h in hosts)) if count == 2 else None
    yield proxy or hosts[0]
    if proxy:
        proxy.stop()
    for host in hosts:
        host.stop()
        assert "Traceback" not in host.log_text()


def _mkdir(path):
    path.mkdir()
    return path
