"""Job routes (docs/api.md: Job): parse with a schema, call the service, dump."""
from flask import Response, url_for

from jobs.http import ListPage, bp, contract, json_body, list_filters
from jobs.http.preconditions import etag, if_match
from jobs.services import jobs as service
from schemas.job import (
    JobCreateSchema,
    JobDetailSchema,
    JobListSchema,
    JobSchema,
    JobUpdateSchema,
)

job_schema = JobSchema()
detail_schema = JobDetailSchema()
create_schema = JobCreateSchema()
update_schema = JobUpdateSchema()

JOB_NOT_FOUND = {404: ("Job not found: {id}",)}
CHANGED = "Job has changed since it was read"
ETAG = {"ETag": "the job's version (its own stored fields; not progress, paths or serials), "
                "for `If-Match`"}


@bp.get("/jobs")
@contract(JobSchema(many=True), query=JobListSchema, role="viewer",
          page=ListPage("jobs", "`createdAt`, then `id`"))
def list_jobs():
    """List Jobs: 200 with the jobs that match the filters, oldest first, paged or streamed."""
    return service.job_list(**list_filters())


@bp.post("/jobs")
@contract(
    JobSchema, status=201, body=JobCreateSchema, idempotent=True, role="planner",
    headers={"Location": "`/api/jobs/{id}` of the new job", **ETAG},
    examples={"create": {"name": "JOB-2024-001", "goalQuantity": 50}},
)
def create_job():
    """Create Job: 201 with the Job, its `Location` and `ETag`."""
    job = service.create_job(create_schema.load(json_body()))
    return job_schema.dump(job), 201, {"Location": url_for(".get_job", job_id=job["id"]),
                                       "ETag": etag(service.job_version(job))}


@bp.get("/jobs/<job_id>")
@contract(JobDetailSchema, role="viewer", errors=JOB_NOT_FOUND, headers=ETAG)
def get_job(job_id: str):
    """Get Job: 200 with the Job, its paths and progress, and its `ETag`."""
    job = service.job_detail(job_id)
    return detail_schema.dump(job), {"ETag": etag(service.job_version(job))}


@bp.route("/jobs/<job_id>", methods=["PUT", "PATCH"])
@contract(
    JobSchema, body=JobUpdateSchema, role="planner", errors=JOB_NOT_FOUND, headers=ETAG,
    if_match=CHANGED,
    examples={"both": {"name": "JOB-2024-001-REV2", "goalQuantity": 75},
              "goalQuantity": {"goalQuantity": 100}},
)
def update_job(job_id: str):
    """Update Job: look up first (404, then If-Match's 412), whatever the body."""
    precondition = if_match()
    service.require_job(job_id, precondition)
    changes = update_schema.load(json_body())
    job = service.update_job(job_id, changes, precondition)
    return job_schema.dump(job), {"ETag": etag(service.job_version(job))}


@bp.delete("/jobs/<job_id>")
@contract(None, status=204, role="planner", if_match=CHANGED,
          errors={**JOB_NOT_FOUND, 409: ("Cannot delete job: it has {n} serial(s)",)})
def delete_job(job_id: str):
    """Delete Job: 204, or 404/412/409."""
    service.delete_job(job_id, if_match())
    return Response(status=204)
