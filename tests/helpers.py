"""Shared test helpers: request bodies, tokens, expected error bodies, and the test databases.

Test modules import them from here (or, as before, from tests.conftest).
`migrate` makes a database the newest schema once (the session's
templates); `copy_sqlite` and `empty_postgres` give each test a fresh one
cheaply (docs/testing.md, How the tests get their databases).
"""
import json
import shutil
from contextlib import contextmanager
from pathlib import Path

import psycopg
from playhouse.migrations import Runner
from werkzeug.routing import Rule

from jobs.services import tokens
from jobs.store.db import db, make_database
from jobs.store.schema import MIGRATIONS, upgrade
from schemas.fields import format_timestamp

FIXTURES = Path(__file__).resolve().parent / "fixtures"

JIRA = {
    "jiraTicketKey": "PI-42",
    "jiraTicketSummary": "Build 50 aluminum housings",
    "jiraPartNumber": "ALU-HOUSING-7075",
    "jiraPriority": "High",
    "jiraEpicLink": "PI-10",
    "jiraLabels": ["Q1-2024", "rush"],
}
STEPS = [
    {"name": "Cut", "location": "Saw 1"},
    {"name": "Mill", "optional": False, "dependencyType": "physical"},
    {"name": "Inspect", "optional": True, "dependencyType": "completion_gate"},
]


def make_token(name: str, role: str) -> str:
    """Create a token in the bound database, as `flask token create` does; return it."""
    with db.connection_context():
        return tokens.create_token(name, role)


def bearer(token: str) -> dict:
    """The `Authorization` header that carries `token`."""
    return {"Authorization": f"Bearer {token}"}


def stored(client, collection: str, ident: str) -> dict:
    """GET `/api/{collection}/{ident}` (200 asserted); a job without its `paths` and `progress`."""
    response = client.get(f"/api/{collection}/{ident}")
    assert response.status_code == 200, response.json
    return {k: v for k, v in response.json.items() if k not in ("paths", "progress")}


def error_body(status: int, reason: str, message: str, errors: dict | None = None) -> dict:
    """The error envelope docs/api.md promises, for exact comparison."""
    body = {"statusCode": status, "statusMessage": reason, "message": message}
    if errors is not None:
        body["data"] = {"errors": errors}
    return body


@contextmanager
def at_step(url: str, step: str):
    """Open the database at `url` brought up to migration `step` (as an older release left
    it) and yield it, connected, for the rows that release would have written."""
    database = make_database(url)
    with database.connection_context():
        Runner(database, directory=str(MIGRATIONS)).up(target=step)
        yield database
    database.close_all()


def migrate(url: str) -> str:
    """Bring the database at `url` to the newest schema, as serving does; return `url`."""
    database = make_database(url)
    with database.connection_context():
        upgrade(database)
    database.close_all()
    return url


def copy_sqlite(template: Path, target: Path) -> str:
    """Copy the SQLite file `template` (no WAL left: it is closed) to `target`; return its URL."""
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


# One connection per PostgreSQL database emptied, kept for the session: a fresh
# connection and TRUNCATE cost about 30 ms a test, these DELETEs under 2 ms.
_cleaners: dict[str, tuple[psycopg.Connection, str]] = {}


def empty_postgres(url: str) -> None:
    """Remove every row of every table of `url`'s database but the schema history; restart its ids.

    Foreign keys are not checked while it runs (`session_replication_role`),
    so the order of the tables does not matter. A cleaning connection that
    a test terminated is replaced once.
    """
    for attempt in (1, 2):
        try:
            connection, sql = _cleaners.get(url) or _cleaner(url)
            with connection.transaction():
                connection.execute(sql)
            return
        except psycopg.OperationalError:
            _cleaners.pop(url, None)
            if attempt == 2:
                raise


def _cleaner(url: str) -> tuple[psycopg.Connection, str]:
    connection = psycopg.connect(url, autocommit=True)
    connection.execute("SET session_replication_role = replica")
    tables = connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'schema_migration'").fetchall()
    sequences = connection.execute(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
        "AND sequencename <> 'schema_migration_id_seq'").fetchall()
    sql = "; ".join([f'DELETE FROM "{name}"' for (name,) in tables]
                    + [f'ALTER SEQUENCE "{name}" RESTART' for (name,) in sequences])
    _cleaners[url] = (connection, sql)
    return _cleaners[url]


def close_cleaners() -> None:
    """Close the cleaning connections (before the cluster stops)."""
    while _cleaners:
        _cleaners.popitem()[1][0].close()


def postgres_plan(sql: str, params) -> str:
    """PostgreSQL's plan of `sql` on the bound database as it would be on large job and
    serial tables, sequential and bitmap scans ruled out, to see the index it walks.

    10,000 jobs and serials (100 jobs, paths and steps; 1 % completed, so that a
    filter by any of them is worth its index) are made in a transaction rolled back
    once the plan is read: ANALYZE counts its own transaction's rows. On empty tables
    every index costs the same, and the planner's pick among equals turned on what
    earlier tests left (an index's height). VACUUM ANALYZE then takes the dead rows.
    """
    with db.atomic() as transaction:
        for statement in _LARGE_TABLES:
            db.execute_sql(statement)
        db.execute_sql("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        plan = "\n".join(row[0] for row in db.execute_sql("EXPLAIN " + sql, params))
        transaction.rollback()
    db.execute_sql("VACUUM ANALYZE job, serial")
    return plan


_LARGE_TABLES = (
    "INSERT INTO job (id, name, goal_quantity, jira_ticket_key, created_at, updated_at) "
    "SELECT 'job_' || g, 'job ' || g, 1, 'PI-' || g, g, g FROM generate_series(1, 10000) g",
    "INSERT INTO serial (id, number, job_id, path_id, current_step_index, current_step_id,"
    " status, rework_count, hold_count, created_at, updated_at) "
    "SELECT 'SN-' || g, g, 'job_' || g %% 100, 'path_' || g %% 100, 0, 'step_' || g %% 100,"
    " CASE WHEN g %% 100 = 0 THEN 'completed' ELSE 'in_progress' END,"
    " 0, 0, g, g FROM generate_series(1, 10000) g",
    "ANALYZE job, serial",
)


def load_release(release: int, database_kind: str, url: str) -> str:
    """Load tests/fixtures/release{release}.{database_kind}.sql into the new database `url`."""
    script = (FIXTURES / f"release{release}.{database_kind}.sql").read_text()
    database = make_database(url)
    with database.connection_context():
        if database_kind == "sqlite":
            database.connection().executescript(script)
        else:
            database.execute_sql(script)
    database.close_all()
    return url


def table_rows(url: str, table: str) -> list[dict]:
    """Every row of `table` read with plain SQL (no model), as dicts."""
    database = make_database(url)
    with database.connection_context():
        cursor = database.execute_sql(f'SELECT * FROM "{table}"')
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    database.close_all()
    return rows


def camel(name: str) -> str:
    """`snake_case` -> `snakeCase`."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def wire(row: dict, drop=("number",)) -> dict:
    """A stored row as the API shows it: camelCase, timestamps formatted, nulls omitted."""
    shown = {}
    for name, value in row.items():
        if value is None or name in drop:
            continue
        if name.endswith("_at"):
            value = format_timestamp(value)
        elif name == "jira_labels" and isinstance(value, str):
            value = json.loads(value)
        elif name == "optional":
            value = bool(value)
        shown[camel(name)] = value
    return shown


def reuse_compiled_rules() -> None:
    """Compile each route's URL rule once per test session instead of once per app."""
    # Every create_app compiles each rule (werkzeug's Rule.compile: the parts the
    # matcher is built of, the converters, and two URL builders compiled from an AST):
    # about half of the cost of an app, apps being made per test. What compile makes is
    # a function of the key alone and holds no state of its own (a converter keeps its
    # first map but never reads it), so a rule seen before gets copies of its lists and
    # the same builder functions, bound to the new rule.
    compile_rule, compiled = Rule.compile, {}

    def reused(rule: Rule) -> None:
        key = (rule.rule, rule.host if rule.map.host_matching else rule.subdomain,
               rule.merge_slashes, repr(sorted((rule.defaults or {}).items())),
               tuple(rule.map.converters.items()))
        if key not in compiled:
            arguments = set(rule.arguments)
            compile_rule(rule)
            compiled[key] = (rule._parts, rule._trace, rule._converters,
                             rule.arguments - arguments, rule._build.__func__,
                             rule._build_unknown.__func__)
        parts, trace, converters, arguments, build, build_unknown = compiled[key]
        rule._parts, rule._trace, rule._converters = list(parts), list(trace), dict(converters)
        rule.arguments |= arguments
        rule._build, rule._build_unknown = build.__get__(rule), build_unknown.__get__(rule)

    Rule.compile = reused


def upgraded_serial(serial: dict, all_steps: list[dict]) -> dict:
    """An old serial as the API shows it after migration 0006: as before, plus the new fields."""
    steps = sorted((s for s in all_steps if s["path_id"] == serial["path_id"]),
                   key=lambda s: s["order"])
    at = serial["current_step_index"]
    shown = {**wire(serial), "reworkCount": 0}
    if at >= 0:
        shown["currentStepId"] = steps[at]["id"]
    plan = [("done", 1) if at == -1 or i < at else ("current", 1) if i == at else ("pending", 0)
            for i in range(len(steps))]
    shown["steps"] = [{"stepId": s["id"], "name": s["name"], "state": state, "visits": visits}
                      for s, (state, visits) in zip(steps, plan, strict=True)]
    return shown
