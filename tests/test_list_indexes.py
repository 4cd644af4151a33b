"""Migration 0003 (docs/operations.md, Schema upgrades) and the plans of list pages
(docs/benchmarks.md, Lists): an upgraded database keeps every row, has the models' indexes,
and a page of each filter is an index range on SQLite."""

import pytest
from peewee import chunked
from playhouse.migrations import Migration

from jobs.services.jobs import job_list
from jobs.services.serials import serial_list
from jobs.store.db import db, is_postgres
from jobs.store.models import MODELS, Secret
from jobs.store.schema import MIGRATIONS, code_version, schema_version
from tests.helpers import at_step, postgres_plan


def version_1_database(url: str, serials: int) -> dict:
    """Make the first release's schema at `url` with three jobs, a path and `serials` serials,
    written with that release's frozen models; return the ids."""
    baseline = next(m for m in Migration.load_directory(str(MIGRATIONS)) if m.idx == 1).load()
    with at_step(url, "0001_baseline") as database:
        job, path, step, serial, sequence = baseline.baseline_models(database)
        jobs = [f"job_{n:012d}" for n in range(3)]
        job.insert_many([{"id": i, "name": i, "goal_quantity": 1, "created_at": n,
                          "updated_at": n} for n, i in enumerate(jobs)]).execute()
        path.insert(id="path_000000000000", job=jobs[0], name="P", goal_quantity=1,
                    advancement_mode="strict", created_at=0, updated_at=0).execute()
        step.insert(id="step_000000000000", path="path_000000000000", name="S", order=0,
                    optional=False, dependency_type="preferred").execute()
        for chunk in chunked(range(1, serials + 1), 90):
            serial.insert_many([{"id": f"SN-{n:05d}", "number": n, "job": jobs[0],
                                 "path": "path_000000000000", "current_step_index": 0,
                                 "status": "in_progress", "created_at": n, "updated_at": n}
                                for n in chunk]).execute()
        sequence.insert(name="serial", value=serials).execute()
    return {"jobs": jobs, "serials": [f"SN-{n:05d}" for n in range(1, serials + 1)]}


def test_an_upgraded_version_1_database_lists_every_row(new_url, make_app):
    made = version_1_database(new_url, 2500)
    app = make_app(new_url, upgrade_schema=True, TESTING=False)
    try:
        client = app.test_client()
        assert [job["id"] for job in client.get("/api/jobs").json] == made["jobs"]
        assert [s["id"] for s in client.get("/api/serials").json] == made["serials"]
        page = client.get(f"/api/serials?jobId={made['jobs'][0]}&limit=1000")
        assert len(page.json) == 1000 and "Link" in page.headers
        assert client.get("/api/paths/path_000000000000").json["steps"][0]["name"] == "S"
        assert client.get("/api/serials/SN-02500").json["jobId"] == made["jobs"][0]
        with db.connection_context():
            assert schema_version(db.obj) == code_version()
            assert len(bytes.fromhex(Secret.get_by_id("cursor").value)) == 32
    finally:
        db.obj.close_all()


def declared_indexes(model) -> set[tuple]:
    return {(tuple(field.column_name for field in index._expressions), index._unique)
            for index in model._meta.fields_to_index()}


def primary_key_columns(model) -> list[str]:
    key = model._meta.primary_key
    names = getattr(key, "field_names", None) or (key.name,)
    return [model._meta.fields[name].column_name for name in names]


def migrated_indexes(table: str, primary_key: list[str]) -> set[tuple]:
    return {(tuple(index.columns), index.unique) for index in db.get_indexes(table)
            if index.columns != primary_key}


def test_migrations_make_exactly_the_indexes_the_models_declare(app):
    with db.connection_context():
        for model in [*MODELS, Secret]:
            table, key = model._meta.table_name, primary_key_columns(model)
            assert migrated_indexes(table, key) == declared_indexes(model), table


PAGES = [
    (job_list(), (0, "job_a"), "job_created_at_id ((created_at,id)>(?,?))"),
    (job_list(q="x"), (0, "job_a"), "job_created_at_id ((created_at,id)>(?,?))"),
    (job_list(jira_ticket_key="PI-1"), (0, "job_a"),
     "job_jira_ticket_key_created_at_id (jira_ticket_key=? AND (created_at,id)>(?,?))"),
    (job_list(updated_after=5), (0, "job_a"), "job_created_at_id ((created_at,id)>(?,?))"),
    (serial_list(), (5,), "serial_number (number>?)"),
    (serial_list(job_id="job_a"), (5,), "serial_job_id_number (job_id=? AND number>?)"),
    (serial_list(path_id="path_a"), (5,), "serial_path_id_number (path_id=? AND number>?)"),
    (serial_list(status="completed"), (5,), "serial_status_number (status=? AND number>?)"),
    (serial_list(updated_after=5), (5,), "serial_number (number>?)"),
]


@pytest.mark.parametrize("keyset,after,index", PAGES)
def test_a_page_after_a_cursor_is_one_index_range_without_a_sort(app, keyset, after, index):
    """The plan of a page (docs/benchmarks.md, Lists): an index range, never a table scan.

    `q` and `updatedAfter` walk the order's index. PostgreSQL's planner reads
    a table this small whole (or by bitmap, then sorts), so those plans are
    ruled out to see the index it would walk on a large one.
    """
    with db.connection_context():
        sql, params = keyset.page_query(after, 101).sql()
        if is_postgres():
            plan = postgres_plan(sql, params)
            # updatedAfter may be read through its own index and then sorted.
            assert "Index Scan using " in plan and "Seq Scan" not in plan
            assert f"Index Scan using {index.split()[0]} on " in plan or "updated_at" in plan
        else:
            plan = [row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
            assert plan == [f"SEARCH t1 USING INDEX {index}"]
