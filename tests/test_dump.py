"""The fast dump path (schemas/base.py, `WireSchema.dump`) answers what marshmallow's does."""
from marshmallow import Schema

from jobs.services import history, jobs, paths, serials
from jobs.store.db import db
from jobs.store.models import Job
from jobs.store.records import fetch
from schemas.error import ErrorSchema
from schemas.event import EventSchema
from schemas.job import JobDetailSchema, JobSchema
from schemas.path import PathSchema
from schemas.serial import SerialSchema


def marshmallow_dump(schema, obj, many=False):
    return Schema.dump(schema, obj, many=many)


def test_every_answer_equals_marshmallow_s_dump(client, job, path, make_serials):
    serial = make_serials(path, 2)[0]
    client.post(f"/api/serials/{serial['id']}/scrap", json={"reason": "other", "note": "n"})
    with db.connection_context():
        cases = [
            (JobSchema(), fetch(Job, job["id"])),
            (JobDetailSchema(), jobs.job_detail(job["id"])),
            (PathSchema(), paths.path_detail(path["id"])),
            (SerialSchema(), serials.get_serial(serial["id"])),
            (EventSchema(), history.event_list().page(None, 10)[0]),
            (ErrorSchema(), {"status_code": 400, "status_message": "Bad Request",
                             "message": "m", "data": {"errors": {"f": ["m"]}}}),
            (ErrorSchema(), {"status_code": 404, "status_message": "Not Found",
                             "message": "m", "data": None}),
        ]
        rows = serials.serial_list().page(None, 10)
    for schema, row in cases:
        assert schema.dump(row) == marshmallow_dump(schema, row)
        assert list(schema.dump(row)) == list(marshmallow_dump(schema, row))
    assert SerialSchema().dump(rows, many=True) == marshmallow_dump(SerialSchema(), rows, True)
