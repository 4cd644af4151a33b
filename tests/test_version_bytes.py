"""The ETag's bytes (docs/api.md, Retries and concurrency: ETag and If-Match; docs/benchmarks.md).

A version is the SHA-256 of its row's stored columns written as JSON; orjson writes them
(`jobs.services.versions`), and every ETag must stay what `json.dumps` made of them, so that no
client's If-Match fails across the change.
"""
import hashlib
import json
from decimal import Decimal

from jobs.services.versions import version
from jobs.store.db import db
from jobs.store.models import Job, Path, ProcessStep
from jobs.store.statements import query_rows

CHECKS = [{"name": "bore", "kind": "measurement", "unit": "mm", "lower": 25.000,
           "upper": 25.015}, {"name": "finish", "kind": "pass_fail"}]


def as_json_dumps_made_it(*rows) -> str:
    """The version as `json.dumps(ensure_ascii=False, separators=(",", ":"), default=str)`."""
    text = json.dumps([[row.get(field.column_name) for field in model._meta.sorted_fields]
                       for model, row in rows], ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def test_a_jobs_etag_is_the_json_dumps_version_of_its_columns(client):
    created = client.post("/api/jobs", json={
        "name": "Gehäuse \u2028 \"7075\" \\ ✓", "goalQuantity": 3, "jiraLabels": ["Q1", "é"],
        "jiraTicketKey": "PI-42"})
    assert created.status_code == 201
    with db.connection_context():
        row, = query_rows(Job.select().where(Job.id == created.json["id"]))
    assert created.headers["ETag"] == f'"{as_json_dumps_made_it((Job, row))}"'
    assert client.get(f"/api/jobs/{row['id']}").headers["ETag"] == created.headers["ETag"]


def test_a_paths_etag_with_decimal_checks_is_the_json_dumps_version(client, job):
    steps = [{"name": "Cut", "location": "Säge 1"}, {"name": "Bore", "checks": CHECKS},
             {"name": "Inspect", "optional": True}]
    created = client.post("/api/paths", json={"jobId": job["id"], "name": "Main",
                                              "goalQuantity": 4, "steps": steps})
    assert created.status_code == 201
    with db.connection_context():
        path, = query_rows(Path.select().where(Path.id == created.json["id"]))
        stored = query_rows(ProcessStep.select().where(ProcessStep.path == path["id"])
                            .order_by(ProcessStep.order))
    assert any(isinstance(check["upper"], Decimal) for check in stored[1]["checks"])
    expected = as_json_dumps_made_it((Path, path), *[(ProcessStep, step) for step in stored])
    assert client.get(f"/api/paths/{path['id']}").headers["ETag"] == f'"{expected}"'


def test_beyond_64_bit_integers_the_version_is_still_json_dumps_made():
    row = {"id": "job_x", "name": "X", "goal_quantity": 2**70, "created_at": 1, "updated_at": 1}
    assert version(Job, row) == as_json_dumps_made_it((Job, row))
