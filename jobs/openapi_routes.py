"""What the OpenAPI document says about each `/api` route beyond its schemas.

One `Route` per view endpoint (`api.<view function name>`); see `jobs.openapi.Route`.
The URL, methods, path parameters and summary come from the route itself,
field types and 400 messages from the schemas. Messages are worded as in API.md.
"""
from flask import Flask

from jobs.openapi import Route, build_document
from schemas.health import HealthSchema
from schemas.job import JobCreateSchema, JobDetailSchema, JobSchema, JobUpdateSchema
from schemas.path import PathCreateSchema, PathSchema, PathUpdateSchema
from schemas.serial import ScrapSchema, SerialCreateSchema, SerialFilterSchema, SerialSchema

JOB_NOT_FOUND = {404: ("Job not found: {id}",)}
PATH_NOT_FOUND = {404: ("Path not found: {id}",)}
SERIAL_NOT_FOUND = {404: ("Serial not found: {id}",)}

ROUTES = {
    "api.list_jobs": Route(JobSchema(many=True)),
    "api.create_job": Route(
        JobSchema, status=201, body=JobCreateSchema,
        headers={"Location": "`/api/jobs/{id}` of the new job"},
        examples={"create": {"name": "JOB-2024-001", "goalQuantity": 50}},
    ),
    "api.get_job": Route(JobDetailSchema, errors=JOB_NOT_FOUND),
    "api.update_job": Route(
        JobSchema, body=JobUpdateSchema, errors=JOB_NOT_FOUND,
        examples={"both": {"name": "JOB-2024-001-REV2", "goalQuantity": 75},
                  "goalQuantity": {"goalQuantity": 100}},
    ),
    "api.delete_job": Route(
        None, status=204,
        errors={**JOB_NOT_FOUND, 409: ("Cannot delete job: it has {n} serial(s)",)},
    ),
    "api.create_path": Route(
        PathSchema, status=201, body=PathCreateSchema,
        headers={"Location": "`/api/paths/{id}` of the new path"},
        errors={404: ("Job not found: {jobId}",)},
        examples={"create": {"jobId": "job_abc123", "name": "Main Route", "goalQuantity": 50,
                             "steps": [{"name": "Cut"}, {"name": "Deburr", "optional": True}]}},
    ),
    "api.get_path": Route(PathSchema, errors=PATH_NOT_FOUND),
    "api.update_path": Route(PathSchema, body=PathUpdateSchema, errors=PATH_NOT_FOUND),
    "api.delete_path": Route(
        None, status=204,
        errors={**PATH_NOT_FOUND, 409: ("Cannot delete path: it has {n} serial(s)",)},
    ),
    "api.create_serials": Route(
        SerialSchema(many=True), status=201, body=SerialCreateSchema,
        headers={"Location": "`/api/serials/{id}` of the first serial of the batch"},
        errors={404: ("Job not found: {jobId}", "Path not found: {pathId}"),
                400: ("Path {pathId} does not belong to job {jobId}",)},
    ),
    "api.list_serials": Route(
        SerialSchema(many=True), query=SerialFilterSchema,
        errors={400: ("{field} must be given at most once",)},
    ),
    "api.get_serial": Route(SerialSchema, errors=SERIAL_NOT_FOUND),
    "api.advance_serial": Route(
        SerialSchema,
        errors={**SERIAL_NOT_FOUND,
                400: ("Serial is already completed", "Cannot advance a scrapped serial")},
    ),
    "api.scrap_serial": Route(
        SerialSchema, body=ScrapSchema,
        errors={**SERIAL_NOT_FOUND,
                400: ("Serial is already scrapped", "Cannot scrap a completed serial")},
    ),
    "api.health": Route(HealthSchema, errors={503: ("Service Unavailable",)}),
    "api.openapi_document": Route({"type": "object"}),
    "api.api_docs": Route({"type": "string"}, media_type="text/html"),
}


def api_document(app: Flask) -> dict:
    """Return `app`'s OpenAPI document, built on first use and kept in `app.extensions`."""
    if "openapi" not in app.extensions:
        app.extensions["openapi"] = build_document(app, ROUTES)
    return app.extensions["openapi"]
